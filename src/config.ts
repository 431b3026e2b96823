import { z } from 'zod';
import { Duration } from './contracts/definition';
import { durationToMs } from './contracts/duration';
import { DEFAULT_TASK_QUEUE } from './contracts/temporal';
import type { ApiKeyEntry } from './contracts/principal';
import { parseApiKeys } from './auth/api-keys';

const Port = z.coerce.number().int().min(0).max(65_535);
const Blank = z.literal('').transform(() => undefined);
const optional = <T extends z.ZodType>(schema: T) => z.union([Blank, schema]).optional();

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
  workflowBundle: string | undefined;
  /** Undefined when HOLDPOINT_API_KEYS is unset. */
  apiKeys: ApiKeyEntry[] | undefined;
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; format: 'pretty' | 'json' };
}

/** Reads the environment once; throws naming every variable that is wrong. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      const shown = name === 'HOLDPOINT_API_KEYS' || name === 'TEMPORAL_API_KEY' ? '' : ` (got ${JSON.stringify(env[name])})`;
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
    workflowBundle: e.HOLDPOINT_WORKFLOW_BUNDLE,
    apiKeys: e.HOLDPOINT_API_KEYS ? parseApiKeys(e.HOLDPOINT_API_KEYS) : undefined,
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json') },
  };
}
