import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { LogLevel, WebClient } from '@slack/web-api';
import type { Express } from 'express';
import request from 'supertest';
import { createGateway } from '../../api/app';
import { serve, type RunningServer } from '../../api/server';
import { exampleHandlers } from '../../src/activities/handlers';
import type { TaskHandlers } from '../../src/activities/tasks';
import { loadCatalog } from '../../src/catalog/load';
import type { Definition } from '../../src/contracts/definition';
import { createCore, type Core } from '../../src/core';
import { createLogger, type Logger } from '../../src/logger';
import { freePort } from '../../src/temporal/dev-server';
import { installTemporalLogging, metricsUrl } from '../../workers/runtime';
import type { DeliverySettings } from '../../src/contracts/webhook-messages';
import type { SlackUserMap } from '../../src/slack/users';
import { createHoldpointWorker, type HoldpointWorker, type LiveSettings } from '../../workers/worker';
import { ApiKeyRing } from '../../src/auth/api-keys';
import type { ApiKeyEntry, Principal } from '../../src/contracts/principal';

export const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', format: 'pretty', name: 'test' });

/** The callers of every test stack, each with a key: `stack.http('alice')`. */
const PEOPLE = {
  admin: { roles: ['admin'], groups: [] },
  ops: { roles: ['operator'], groups: [] },
  alice: { roles: ['approver'], groups: ['sales-ops', 'release-managers', 'billing-ops', 'finance'] },
  bob: { roles: ['approver'], groups: ['sales-ops', 'finance'] },
  carol: { roles: ['approver'], groups: ['engineering-managers'] },
  dave: { roles: ['approver', 'operator'], groups: [] },
  viewer: { roles: ['viewer'], groups: [] },
} satisfies Record<string, Omit<Principal, 'id'>>;
export type Who = keyof typeof PEOPLE;

export const keyOf = (who: Who): string => `test-key-${who}-0123456789abcdef`;
/** The suite's deployment secret (webhook secrets derive from it). */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef-0123456789';
export const as = (who: Who): Principal => ({ id: who, ...PEOPLE[who] }) as Principal;
const KEYS: ApiKeyEntry[] = Object.entries(PEOPLE).map(([who, p]) => ({ key: keyOf(who as Who), principal: who, roles: [...p.roles], groups: [...p.groups] }));

export interface StackOptions {
  /** Handlers beside the shipped examples'. */
  handlers?: TaskHandlers;
  /** Definitions beside the shipped examples. */
  definitions?: Definition[];
  continueAsNewAfterEvents?: number;
  maxRunLifetimeMs?: number;
  /** Another server than the suite's (the restart test runs its own). */
  address?: string;
  /** Reuse a task queue (a restarted stack must poll the queue its runs were started on). */
  taskQueue?: string;
  /** Webhook delivery retries (fast by default, so a test sees several attempts in seconds). */
  delivery?: DeliverySettings;
  /** Keep-alive interval of streams. @default 15s */
  heartbeatMs?: number;
  /** The model activity's environment (keys and base URLs of stand-in providers). */
  modelEnv?: NodeJS.ProcessEnv;
  /** Slack: a stand-in's URL, the bot token and signing secret, and who is who. */
  slack?: { apiUrl: string; botToken: string; signingSecret: string; users: SlackUserMap; defaultChannels?: string[] };
  /** Export the worker's metrics on a free port and serve them in the gateway's /metrics (only the first stack of a test file can). */
  workerMetrics?: boolean;
  /** The gateway's logger (a test that reads its lines). @default the suite's */
  logger?: Logger;
  /**
   * The worker's logger, and at debug level the Temporal runtime's (workflow and activity logs; only
   * the first stack a test file starts installs the runtime). @default the suite's
   */
  workerLogger?: Logger;
}

export interface TestStack {
  address: string;
  client: Client;
  core: Core;
  app: Express;
  /** The gateway listening on a real port (for streams and WebSockets). */
  url: string;
  server: RunningServer;
  taskQueue: string;
  /** supertest against the gateway, as one of the test principals (default admin). */
  http: (who?: Who) => request.Agent;
  /** A fresh worker on this stack's task queue (one is started with the stack). */
  startWorker(): Promise<RunningWorker>;
  worker: RunningWorker;
  stop(): Promise<void>;
}

export interface RunningWorker {
  worker: Worker;
  holdpoint: HoldpointWorker;
  stop(): Promise<void>;
}

/** A worker, core and gateway on a task queue of their own, against the suite's real dev server. */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const address = options.address ?? process.env.HOLDPOINT_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('no Temporal address: run the tests through jest (test/harness/global-setup.ts)');
  const taskQueue = options.taskQueue ?? `test-${randomUUID()}`;
  // One Temporal runtime per process: the first stack of a test file installs it, with the worker's
  // metrics exporter when that stack asks for one.
  const metricsAddress = options.workerMetrics ? `127.0.0.1:${await freePort()}` : undefined;
  const runtime = installTemporalLogging(options.workerLogger ?? logger, options.workerLogger ? 'debug' : 'warn', { handleSignals: false, metrics: metricsAddress });
  if (metricsAddress && runtime.metrics !== metricsAddress) throw new Error('workerMetrics: only the first stack a test file starts can export worker metrics');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const handlers = { ...exampleHandlers, ...options.handlers };
  const delivery = options.delivery ?? { initial_interval_ms: 100, maximum_interval_ms: 1_000, give_up_after_ms: 60_000 };
  const live: LiveSettings = {
    busPartitions: 2,
    delivery,
    webhookTimeoutMs: 5_000,
    allowedHosts: ['127.0.0.1', 'localhost'],
    secretKey: TEST_SECRET_KEY,
    slack: { botToken: options.slack?.botToken, apiUrl: options.slack?.apiUrl, defaultChannels: options.slack?.defaultChannels ?? [] },
  };

  const startWorker = async (): Promise<RunningWorker> => {
    const native = await NativeConnection.connect({ address });
    const holdpoint = await createHoldpointWorker({
      connection: native,
      client,
      live,
      namespace: 'default',
      taskQueue,
      handlers,
      workflowBundle: { codePath: process.env.HOLDPOINT_TEST_BUNDLE! },
      logger: options.workerLogger ?? logger,
      tuning: { shutdownGraceTime: '1s' },
      ...(options.modelEnv ? { modelEnv: options.modelEnv } : {}),
    });
    const worker = holdpoint.worker;
    const running = holdpoint.run();
    let stopped = false;
    return {
      worker,
      holdpoint,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        worker.shutdown();
        await running;
        await native.close();
      },
    };
  };

  const worker = await startWorker();
  const catalog = await loadCatalog({ extra: options.definitions ?? [], knownHandlers: new Set(Object.keys(handlers)) });
  const core = createCore({
    client,
    catalog,
    taskQueue,
    maxRunLifetimeMs: options.maxRunLifetimeMs ?? 86_400_000,
    ...(options.continueAsNewAfterEvents ? { continueAsNewAfterEvents: options.continueAsNewAfterEvents } : {}),
    logger,
    live: { busPartitions: live.busPartitions, secretKey: TEST_SECRET_KEY, allowedHosts: live.allowedHosts, delivery, leaseMs: 30_000 },
  });
  const gateway = createGateway({
    core,
    keys: new ApiKeyRing(KEYS),
    logger: options.logger ?? logger,
    defaultWaitMs: 15_000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    // Every declared answer is checked against the OpenAPI document's schema for it.
    checkResponses: true,
    ...(metricsAddress ? { metrics: { workerUrl: metricsUrl(metricsAddress) } } : {}),
    ...(options.slack
      ? {
          slack: {
            signingSecret: options.slack.signingSecret,
            client: new WebClient(options.slack.botToken, { slackApiUrl: options.slack.apiUrl, logLevel: LogLevel.ERROR }),
            users: options.slack.users,
          },
        }
      : {}),
  });
  const app = gateway.app;
  const server = await serve(app, { port: 0, host: '127.0.0.1', logger, streams: gateway.streams, upgrades: gateway.upgrades, onClose: () => core.close() });
  const stack: TestStack = {
    address,
    client,
    core,
    app,
    url: server.url,
    server,
    taskQueue,
    http: (who: Who = 'admin') => request.agent(app).set('X-API-Key', keyOf(who)),
    startWorker,
    worker,
    stop: async () => {
      await server.close();
      // The stack's worker now (a test may have replaced the first one), and the first if it still runs.
      await stack.worker.stop();
      await worker.stop();
      await connection.close();
    },
  };
  return stack;
}

/** Number of events in the run's history: proof that a refused request wrote nothing. */
export async function historyLength(client: Client, runId: string): Promise<number> {
  const { events } = await client.workflow.getHandle(runId).fetchHistory();
  return events?.length ?? 0;
}

/** Waits for the run's workflow execution to close, with a deadline; returns how it closed. */
export async function closed(client: Client, runId: string, deadlineMs = 30_000): Promise<string> {
  const handle = client.workflow.getHandle(runId);
  await client.withDeadline(Date.now() + deadlineMs, () => handle.result()).catch(() => undefined);
  return (await handle.describe()).status.name;
}

/** Polls until `check` passes or the deadline passes; for state only visibility can show (eventually consistent). */
export async function eventually<T>(check: () => Promise<T>, deadlineMs = 15_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100)); // poll interval under the deadline above
    }
  }
}

/** Starts a run over HTTP, as the operator unless told otherwise. */
export const start = (stack: TestStack, workflow: string, body: unknown, query = '', who: Who = 'ops') =>
  stack.http(who).post(`/v1/agents/${workflow}/workflow${query}`).send(body as object);

/** Resumes a run over HTTP, as alice (an approver in most groups) unless told otherwise. */
export const resume = (stack: TestStack, runId: string, body: unknown, query = '', who: Who = 'alice') =>
  stack.http(who).post(`/v1/workflow-runs/${runId}/resume${query}`).send(body as object);
