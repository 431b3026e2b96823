import { z } from 'zod';
import { Duration } from './contracts/definition';
import { durationToMs } from './contracts/duration';
import { DEFAULT_TASK_QUEUE } from './contracts/temporal';
import type { ApiKeyEntry } from './contracts/principal';
import { parseApiKeys } from './auth/api-keys';
import type { DeliverySettings } from './contracts/webhook-messages';
import { parseSlackUsers, type SlackUserMap } from './slack/users';

const Port = z.coerce.number().int().min(0).max(65_535);
const Blank = z.literal('').transform(() => undefined);
const optional = <T extends z.ZodType>(schema: T) => z.union([Blank, schema]).optional();
const Flag = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const HostPort = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, such as 0.0.0.0:9464');

/** Every setting holdpoint reads from the environment. Defaults suit a laptop. */
const Env = z.object({
  /** Port of the REST gateway. */
  PORT: Port.default(3000),
  /** Interface the gateway binds; 0.0.0.0 inside containers. */
  HOLDPOINT_HOST: z.string().min(1).default('127.0.0.1'),
  /** An existing Temporal frontend (host:port). Unset: `npm start` runs a local dev server. */
  TEMPORAL_ADDRESS: optional(z.string().min(1)),
  /** Temporal namespace runs live in. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** API key for Temporal Cloud or a secured cluster; turns TLS on. */
  TEMPORAL_API_KEY: optional(z.string().min(1)),
  /** Task queue shared by the gateway (to start runs) and the workers (to execute them). */
  HOLDPOINT_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** Where the dev server keeps its SQLite file (runs survive restarts because of it). */
  HOLDPOINT_DATA_DIR: z.string().min(1).default('.data'),
  /** A Temporal CLI binary to use instead of looking on PATH or building one. */
  TEMPORAL_CLI_PATH: optional(z.string().min(1)),
  /** Where a Temporal CLI built by holdpoint is cached (git ignores it). */
  HOLDPOINT_TEMPORAL_CACHE: z.string().min(1).default('.temporal'),
  /** gRPC port of the local dev server. */
  TEMPORAL_DEV_PORT: Port.default(7233),
  /** Port of the Temporal Web UI served by the local dev server. */
  TEMPORAL_UI_PORT: Port.default(8233),
  /** A directory of extra definitions (.json, .yaml) to load beside the shipped examples. */
  HOLDPOINT_DEFINITIONS_DIR: optional(z.string().min(1)),
  /** Longest a run may live when its definition sets no `max_lifetime`. */
  HOLDPOINT_MAX_RUN_LIFETIME: Duration.default('30d'),
  /** How long start and resume wait for the next pause or the end when the request gives no `wait`. */
  HOLDPOINT_DEFAULT_WAIT: Duration.default('20s'),
  /** A prebuilt workflow bundle (see `npm run build`); unset: bundled from source at start-up. */
  HOLDPOINT_WORKFLOW_BUNDLE: optional(z.string().min(1)),
  /** API keys: inline JSON or a JSON/YAML file path; see README "Keys and roles". Unset: `npm start` makes local ones. */
  HOLDPOINT_API_KEYS: optional(z.string().min(1)),
  /**
   * The deployment's secret: webhook signing secrets are derived from it (never stored). Gateways and
   * workers need the same value; `npm start` makes one in HOLDPOINT_DATA_DIR. At least 32 characters.
   */
  HOLDPOINT_SECRET_KEY: optional(z.string().min(32, 'must be at least 32 characters')),
  /** Partitions of the cross-run event bus (workflows `<task queue>.events.<n>`); more spread a busy feed. */
  HOLDPOINT_EVENT_BUS_PARTITIONS: z.coerce.number().int().min(1).max(64).default(2),
  /** How often an idle SSE or WebSocket stream gets a keep-alive, so proxies do not cut it. */
  HOLDPOINT_STREAM_HEARTBEAT: Duration.default('15s'),
  /** Hosts webhooks may reach although they are private or loopback (comma-separated, e.g. "127.0.0.1,localhost"). */
  HOLDPOINT_WEBHOOK_ALLOWED_HOSTS: optional(z.string()),
  /** First retry of a failed webhook delivery; each later one waits twice as long. */
  HOLDPOINT_WEBHOOK_RETRY_INITIAL: Duration.default('2s'),
  /** The longest wait between two attempts of a delivery. */
  HOLDPOINT_WEBHOOK_RETRY_MAX_INTERVAL: Duration.default('1h'),
  /** A delivery still failing this long after its first attempt is given up (status `failed`). */
  HOLDPOINT_WEBHOOK_GIVE_UP_AFTER: Duration.default('24h'),
  /** Longest one delivery attempt may take. */
  HOLDPOINT_WEBHOOK_TIMEOUT: Duration.default('10s'),
  /** A Slack bot token (xoxb-...): turns Slack approvals on. */
  SLACK_BOT_TOKEN: optional(z.string().min(1)),
  /** Slack's signing secret, to verify button clicks at POST /integrations/slack/interactions. */
  SLACK_SIGNING_SECRET: optional(z.string().min(1)),
  /** Slack's Web API base URL (tests point it at a local stand-in). */
  SLACK_API_URL: optional(z.string().url()),
  /** Channels every pause is posted to when its definition names none (comma-separated ids or #names). */
  HOLDPOINT_SLACK_CHANNELS: optional(z.string()),
  /** Slack users → principals: inline JSON or a JSON/YAML file, `{"U0123": "alice"}`; see README "Slack". */
  HOLDPOINT_SLACK_USERS: optional(z.string().min(1)),
  /** Where m8tes' face is mounted (its SDK's base_url ends in it). */
  HOLDPOINT_M8TES_PREFIX: z.string().regex(/^(\/[A-Za-z0-9._-]+)+$/, 'must be a path such as /api/v2').default('/api/v2'),
  /**
   * Where the worker serves Prometheus metrics (host:port): the Temporal SDK's and the runs' holdpoint_*
   * ones. Unset: none for a worker alone; `npm start` picks a free local port and the gateway includes them.
   */
  HOLDPOINT_WORKER_METRICS: optional(HostPort),
  /** The worker's metrics URL (http://worker:9464/metrics): the gateway's /metrics includes them, so one scrape sees all. */
  HOLDPOINT_WORKER_METRICS_URL: optional(z.string().url()),
  /**
   * How many runs the worker keeps in memory between their workflow tasks (Temporal's sticky cache).
   * A run not in the cache is rebuilt from its history when it next moves (a replay: CPU, not
   * correctness), so this bounds the worker's memory however many runs wait. @default 1000
   */
  HOLDPOINT_WORKER_MAX_CACHED_RUNS: z.coerce.number().int().min(0).max(1_000_000).default(1_000),
  /** Workflow tasks (run steps forward) the worker handles at once. @default 40 */
  HOLDPOINT_WORKER_MAX_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(10_000).default(40),
  /** Activities (task steps, notifications, webhook deliveries) the worker runs at once. @default 100 */
  HOLDPOINT_WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).default(100),
  /** Whether GET /metrics needs no API key (scrapers usually carry none); false: any key with the viewer role. */
  HOLDPOINT_METRICS_PUBLIC: Flag.default(true),
  /** trace | debug | info | warn | error */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  /** `pretty` for people, `json` for log shippers. @default pretty on a terminal, json otherwise */
  LOG_FORMAT: optional(z.enum(['pretty', 'json'])),
});

export interface Config {
  port: number;
  host: string;
  temporal: {
    /** Undefined: start a local dev server. */
    address: string | undefined;
    namespace: string;
    apiKey: string | undefined;
    taskQueue: string;
  };
  dev: {
    dataDir: string;
    cliPath: string | undefined;
    cacheDir: string;
    port: number;
    uiPort: number;
  };
  definitionsDir: string | undefined;
  maxRunLifetimeMs: number;
  defaultWaitMs: number;
  m8tesPrefix: string;
  workflowBundle: string | undefined;
  /** Undefined when HOLDPOINT_API_KEYS is unset. */
  apiKeys: ApiKeyEntry[] | undefined;
  /** Undefined when HOLDPOINT_SECRET_KEY is unset (webhooks cannot be created then). */
  secretKey: string | undefined;
  live: {
    busPartitions: number;
    heartbeatMs: number;
  };
  webhooks: {
    allowedHosts: string[];
    delivery: DeliverySettings;
    timeoutMs: number;
  };
  slack: {
    botToken: string | undefined;
    signingSecret: string | undefined;
    apiUrl: string | undefined;
    defaultChannels: string[];
    users: SlackUserMap;
  };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; format: 'pretty' | 'json' };
  /** The worker's capacity: its run cache and how many tasks it takes at once. */
  worker: WorkerTuning;
  metrics: {
    /** The worker's Prometheus exporter address; undefined: none. */
    workerAddress: string | undefined;
    /** Where the gateway reads the worker's metrics; undefined: it serves its own only. */
    workerUrl: string | undefined;
    public: boolean;
  };
}

export interface WorkerTuning {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
}

function csv(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
}

/** Reads the environment once; throws naming every variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      const secret = ['HOLDPOINT_API_KEYS', 'TEMPORAL_API_KEY', 'HOLDPOINT_SECRET_KEY', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'].includes(name);
      const shown = secret ? '' : ` (got ${JSON.stringify(env[name])})`;
      return `  ${i.path.join('.')}: ${i.message}${shown}`;
    });
    throw new Error(`holdpoint configuration is invalid:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOLDPOINT_HOST,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      taskQueue: e.HOLDPOINT_TASK_QUEUE,
    },
    dev: {
      dataDir: e.HOLDPOINT_DATA_DIR,
      cliPath: e.TEMPORAL_CLI_PATH,
      cacheDir: e.HOLDPOINT_TEMPORAL_CACHE,
      port: e.TEMPORAL_DEV_PORT,
      uiPort: e.TEMPORAL_UI_PORT,
    },
    definitionsDir: e.HOLDPOINT_DEFINITIONS_DIR,
    maxRunLifetimeMs: durationToMs(e.HOLDPOINT_MAX_RUN_LIFETIME),
    defaultWaitMs: durationToMs(e.HOLDPOINT_DEFAULT_WAIT),
    m8tesPrefix: e.HOLDPOINT_M8TES_PREFIX,
    workflowBundle: e.HOLDPOINT_WORKFLOW_BUNDLE,
    apiKeys: e.HOLDPOINT_API_KEYS ? parseApiKeys(e.HOLDPOINT_API_KEYS) : undefined,
    secretKey: e.HOLDPOINT_SECRET_KEY,
    live: { busPartitions: e.HOLDPOINT_EVENT_BUS_PARTITIONS, heartbeatMs: durationToMs(e.HOLDPOINT_STREAM_HEARTBEAT) },
    webhooks: {
      allowedHosts: csv(e.HOLDPOINT_WEBHOOK_ALLOWED_HOSTS),
      delivery: {
        initial_interval_ms: durationToMs(e.HOLDPOINT_WEBHOOK_RETRY_INITIAL),
        maximum_interval_ms: durationToMs(e.HOLDPOINT_WEBHOOK_RETRY_MAX_INTERVAL),
        give_up_after_ms: durationToMs(e.HOLDPOINT_WEBHOOK_GIVE_UP_AFTER),
      },
      timeoutMs: durationToMs(e.HOLDPOINT_WEBHOOK_TIMEOUT),
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      apiUrl: e.SLACK_API_URL,
      defaultChannels: csv(e.HOLDPOINT_SLACK_CHANNELS),
      users: e.HOLDPOINT_SLACK_USERS ? parseSlackUsers(e.HOLDPOINT_SLACK_USERS) : {},
    },
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') },
    worker: {
      maxCachedWorkflows: e.HOLDPOINT_WORKER_MAX_CACHED_RUNS,
      maxConcurrentWorkflowTaskExecutions: e.HOLDPOINT_WORKER_MAX_WORKFLOW_TASKS,
      maxConcurrentActivityTaskExecutions: e.HOLDPOINT_WORKER_MAX_ACTIVITIES,
    },
    metrics: { workerAddress: e.HOLDPOINT_WORKER_METRICS, workerUrl: e.HOLDPOINT_WORKER_METRICS_URL, public: e.HOLDPOINT_METRICS_PUBLIC },
  };
}
