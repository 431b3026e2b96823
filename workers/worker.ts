import { LogLevel, WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import { createModelActivities } from '../src/activities/agent/model';
import { exampleHandlers } from '../src/activities/handlers';
import { createMarkActivities } from '../src/activities/markers';
import { createNotifyActivities } from '../src/activities/notify';
import { createPolicyActivities } from '../src/activities/policies';
import { createSlackActivities } from '../src/activities/slack';
import { SubscriptionCache } from '../src/activities/subscriptions';
import { createTaskActivities, type TaskHandlers } from '../src/activities/tasks';
import { createDeliveryActivities } from '../src/activities/webhook-delivery';
import type { Config, WorkerTuning } from '../src/config';
import { NOTIFY_ACTIVITY } from '../src/contracts/notify';
import type { DeliverySettings } from '../src/contracts/webhook-messages';
import type { Logger } from '../src/logger';
import { TargetPolicy } from '../src/webhooks/targets';

/** Where the run workflow's source lives (bundled by the worker, or ahead of time). */
export const WORKFLOWS_PATH = require.resolve('../src/workflows');

/**
 * Modules evaluated once per reusable V8 context instead of once per workflow. With `reuseV8Context`
 * every new workflow re-evaluates the bundle's modules, which cost about a third of a run's CPU. These
 * keep no per-workflow state and call no workflow API when loaded, as preloading requires. zod cannot
 * be preloaded (it adds methods to its schemas lazily, and preloaded objects are frozen), so workflow
 * code uses only the small decision schemas and no definition schema.
 */
export const PRELOADED_MODULES = [
  'jsonata',
  '@cfworker/json-schema',
  '@noble/hashes/sha256',
  '@noble/hashes/utils',
  ...[
    'contracts/approval-states',
    'contracts/options',
    'contracts/duration',
    'contracts/errors',
    'contracts/messages',
    'contracts/temporal',
    'contracts/event-types',
    'contracts/notify',
    'contracts/hub',
    'contracts/event-bus',
    'contracts/webhook-messages',
    'contracts/slack',
    'contracts/agent',
    'contracts/definition-registry',
    'contracts/interaction',
    'contracts/policies',
    'contracts/markers',
    'contracts/numeric-id',
    'contracts/metrics',
  ].map((m) => require.resolve(`../src/${m}`)),
  ...['lib/assignees', 'lib/digest', 'lib/expressions', 'lib/json-schema'].map((m) => require.resolve(`../src/${m}`)),
  // Sets the sandbox's Error.prepareStackTrace, which only a preloaded module can (see the module).
  require.resolve('../src/workflows/stack-traces'),
];

/** What the worker needs to tell the world about runs: webhooks, Slack, the cross-run feed. */
export interface LiveSettings {
  busPartitions: number;
  delivery: DeliverySettings;
  webhookTimeoutMs: number;
  /** Hosts webhooks may reach although private (HOLDPOINT_WEBHOOK_ALLOWED_HOSTS). */
  allowedHosts: readonly string[];
  /** HOLDPOINT_SECRET_KEY: webhook secrets derive from it. */
  secretKey: string | undefined;
  slack: { botToken?: string | undefined; apiUrl?: string | undefined; defaultChannels: readonly string[] };
}

export interface HoldpointWorkerOptions {
  connection: NativeConnection;
  /** A client for the hand-offs activities make (signal-with-start) and the hub copy. */
  client: Client;
  live: LiveSettings;
  namespace: string;
  taskQueue: string;
  /** Task handlers by name: the shipped examples plus your own. */
  handlers: TaskHandlers;
  /** A prebuilt bundle (tests, production images); bundled from source when absent. */
  workflowBundle?: WorkflowBundleOption;
  logger: Logger;
  /** Where model keys, base URLs and HOLDPOINT_MODEL come from. @default process.env */
  modelEnv?: NodeJS.ProcessEnv;
  /** The run cache and task slots (HOLDPOINT_WORKER_*), and the shutdown grace. */
  tuning?: Partial<WorkerTuning> & { shutdownGraceTime?: string };
}

/** A Temporal worker with the parts it runs beside: the hub copy the notify activities read. */
export interface HoldpointWorker {
  worker: Worker;
  subscriptions: SubscriptionCache;
  /** Runs until `shutdown()` (or a shutdown signal) has drained it. */
  run(): Promise<void>;
  shutdown(): void;
}

/** A worker polling the holdpoint task queue for runs, their task activities, and the live-feed workflows. */
export async function createHoldpointWorker(options: HoldpointWorkerOptions): Promise<HoldpointWorker> {
  const { connection, client, live, namespace, taskQueue, handlers, workflowBundle, tuning, logger } = options;
  const subscriptions = new SubscriptionCache(client, taskQueue, logger.child({ component: 'subscriptions' }));
  const slack = live.slack.botToken
    ? new WebClient(live.slack.botToken, { ...(live.slack.apiUrl ? { slackApiUrl: live.slack.apiUrl } : {}), logLevel: LogLevel.ERROR })
    : undefined;
  const notify = createNotifyActivities({
    client,
    taskQueue,
    subscriptions,
    busPartitions: live.busPartitions,
    delivery: live.delivery,
    slack: { enabled: slack !== undefined, defaultChannels: live.slack.defaultChannels },
    logger,
  });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH, bundlerOptions: { preloadModules: PRELOADED_MODULES } }),
    activities: {
      ...createTaskActivities(handlers, notify[NOTIFY_ACTIVITY]),
      ...notify,
      ...createDeliveryActivities({ subscriptions, secretKey: live.secretKey, targets: new TargetPolicy(live.allowedHosts), timeoutMs: live.webhookTimeoutMs }),
      ...createSlackActivities({ slack }),
      ...createModelActivities({ env: options.modelEnv ?? process.env }),
      ...createPolicyActivities({ client, taskQueue }),
      ...createMarkActivities(),
    },
    ...(tuning?.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: tuning.maxCachedWorkflows } : {}),
    ...(tuning?.maxConcurrentWorkflowTaskExecutions !== undefined ? { maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions } : {}),
    ...(tuning?.maxConcurrentActivityTaskExecutions !== undefined ? { maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions } : {}),
    shutdownGraceTime: (tuning?.shutdownGraceTime ?? '10s') as '10s',
  });
  logger.info(
    { taskQueue, namespace, handlers: Object.keys(handlers).length, slack: slack !== undefined, cachedRuns: worker.options.maxCachedWorkflows, workflowTasks: worker.options.maxConcurrentWorkflowTaskExecutions, activities: worker.options.maxConcurrentActivityTaskExecutions },
    'worker created',
  );
  return {
    worker,
    subscriptions,
    run: async () => {
      const running = worker.run();
      // In the background: the hub is one of the workflows this worker runs, and a worker stopped at
      // once must not wait for it.
      subscriptions.begin(Object.keys(handlers));
      try {
        await running;
      } finally {
        await subscriptions.stop();
      }
    },
    shutdown: () => worker.shutdown(),
  };
}

/** Live settings with the configuration's defaults (benchmarks and tools that set nothing). */
export function defaultLiveSettings(overrides: Partial<LiveSettings> = {}): LiveSettings {
  return {
    busPartitions: 2,
    delivery: { initial_interval_ms: 2_000, maximum_interval_ms: 3_600_000, give_up_after_ms: 86_400_000 },
    webhookTimeoutMs: 10_000,
    allowedHosts: [],
    secretKey: undefined,
    slack: { defaultChannels: [] },
    ...overrides,
  };
}

/** The worker's live settings from configuration. */
export function liveSettings(config: Config): LiveSettings {
  return {
    busPartitions: config.live.busPartitions,
    delivery: config.webhooks.delivery,
    webhookTimeoutMs: config.webhooks.timeoutMs,
    allowedHosts: config.webhooks.allowedHosts,
    secretKey: config.secretKey,
    slack: { botToken: config.slack.botToken, apiUrl: config.slack.apiUrl, defaultChannels: config.slack.defaultChannels },
  };
}

/** The worker the entry points run: the configured task queue and bundle, with the shipped handlers (and any given). */
export function workerFromConfig(config: Config, connection: NativeConnection, client: Client, logger: Logger, extraHandlers: TaskHandlers = {}): Promise<HoldpointWorker> {
  return createHoldpointWorker({
    connection,
    client,
    live: liveSettings(config),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    handlers: { ...exampleHandlers, ...extraHandlers },
    ...(config.workflowBundle ? { workflowBundle: { codePath: config.workflowBundle } } : {}),
    tuning: config.worker,
    logger,
  });
}

/** Bundles the workflow code once (webpack), for reuse by many workers or for a production image. */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, preloadModules: PRELOADED_MODULES, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
  log: () => undefined,
};
