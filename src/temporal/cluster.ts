import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { Logger } from '../logger';
import { startPostgres, type Postgres } from './postgres';
import { run, supervise, waitFor, type Supervised } from './processes';
import { composeVersions, ensureServerBuild, ensureUiServerBuild, type ServerBuild } from './server-build';

/**
 * holdpoint's production topology on one machine, without Docker: a private PostgreSQL, the
 * Temporal server built from Temporal's Go module at compose's version, configured by the very
 * files compose mounts (config/temporal/), its schema set up by the same script compose's
 * admin-tools job runs, the namespace compose's create-namespace job makes, and the Web UI.
 */

/** Compose's database account (POSTGRES_USER / POSTGRES_PASSWORD defaults). */
const DB_USER = 'temporal';
const DB_PASSWORD = 'temporal';
/** What compose's create-namespace job gives a new namespace (config/temporal/create-namespace.sh). */
const NAMESPACE_RETENTION = '72h';

export interface ClusterOptions {
  /** Where the cluster keeps its state: `postgres/` (all of Temporal's data) and `ui/` (the UI's config). */
  dataDir: string;
  /** Where builds are cached (`.temporal/`). */
  cacheDir: string;
  namespace: string;
  /** The Temporal frontend's gRPC port; the other services take ports next to it when free. */
  frontendPort: number;
  /** PostgreSQL's port; 0 picks a free one. */
  postgresPort: number;
  /** The Web UI's port; undefined runs no UI. */
  uiPort?: number | undefined;
  logger: Logger;
  /** The repository (config/temporal/, docker-compose.yml). @default this checkout */
  root?: string;
  /** Explicit binaries (HOLDPOINT_TEMPORAL_SERVER_DIR, HOLDPOINT_TEMPORAL_UI_SERVER, HOLDPOINT_POSTGRES_BIN). */
  explicit?: { serverDir?: string | undefined; uiServer?: string | undefined; postgresBin?: string | undefined };
}

export interface TemporalCluster {
  /** The frontend, host:port. */
  address: string;
  uiUrl: string | undefined;
  postgres: Postgres;
  server: TemporalServer;
  version: string;
  /** Stops the UI, the server, then PostgreSQL, and waits for each. */
  stop(): Promise<void>;
  /** Stops relaying their logs: while everything shuts down their complaints are noise. */
  mute(): void;
}

export interface TemporalServer {
  address: string;
  /** The server process (benchmarks read its CPU time). */
  pid: number | undefined;
  /** SIGTERM (a graceful stop), SIGKILL after 30 s. */
  stop(): Promise<void>;
  /** SIGKILL, for failure drills. */
  kill(): Promise<void>;
  mute(): void;
}

/** The repository root, where config/temporal/ and docker-compose.yml live. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Starts (first building or installing what is missing) the whole cluster and waits until it serves `namespace`. */
export async function startCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const { logger, namespace, cacheDir } = options;
  const root = options.root ?? REPO_ROOT;
  const dataDir = resolve(options.dataDir);
  const log = logger.child({ component: 'temporal-cluster' });
  const versions = await composeVersions(root);
  await assertPortFree(options.frontendPort, 'the Temporal frontend (TEMPORAL_DEV_PORT)');
  if (options.uiPort !== undefined) await assertPortFree(options.uiPort, 'the Temporal Web UI (TEMPORAL_UI_PORT)');

  const build = await ensureServerBuild({ version: versions.server, cacheDir, explicitDir: options.explicit?.serverDir, logger });
  const uiServer = options.uiPort === undefined ? undefined : await ensureUiServerBuild({ version: versions.ui, cacheDir, explicitPath: options.explicit?.uiServer, logger });

  const stops: (() => Promise<void>)[] = [];
  const mutes: (() => void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((err: unknown) => log.warn({ err }, 'error while stopping the cluster'));
  };
  try {
    const postgresPort = options.postgresPort || (await anyFreePort());
    const postgres = await startPostgres({ dataDir: join(dataDir, 'postgres'), port: postgresPort, user: DB_USER, password: DB_PASSWORD, logger, binDir: options.explicit?.postgresBin });
    stops.push(() => postgres.stop());
    mutes.push(() => postgres.mute());
    await setupSchema({ build, root, postgres, log });
    const server = await startTemporalServer({ build, root, postgres, frontendPort: options.frontendPort, logger });
    stops.push(() => server.stop());
    mutes.push(() => server.mute());
    await ensureNamespace(server.address, namespace, log);
    let uiUrl: string | undefined;
    if (uiServer && options.uiPort !== undefined) {
      const ui = await startUi({ binary: uiServer, dir: join(dataDir, 'ui'), address: server.address, namespace, port: options.uiPort, log });
      stops.push(() => ui.stop('SIGTERM', 10_000));
      mutes.push(() => ui.mute());
      uiUrl = ui.url;
    }
    log.info({ address: server.address, uiUrl, postgres: `${postgres.host}:${postgres.port}`, version: versions.server }, 'Temporal cluster is ready');
    return { address: server.address, uiUrl, postgres, server, version: versions.server, stop: stopAll, mute: () => mutes.forEach((m) => m()) };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Creates and migrates both databases with config/temporal/setup-postgres.sh, the script compose's
 * temporal-admin-tools job runs, given this build's tool and schema files.
 */
export async function setupSchema(o: { build: ServerBuild; root: string; postgres: Postgres; log: Logger }): Promise<void> {
  const { build, postgres, log } = o;
  const started = Date.now();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    POSTGRES_SEEDS: postgres.host,
    DB_PORT: String(postgres.port),
    POSTGRES_USER: postgres.user,
    POSTGRES_PWD: postgres.password,
    SQL_PASSWORD: postgres.password,
    TEMPORAL_SQL_TOOL: build.sqlTool,
    TEMPORAL_SCHEMA_DIR: build.schemaDir,
  };
  const result = await run('sh', [join(o.root, 'config', 'temporal', 'setup-postgres.sh')], { env });
  if (result.code !== 0) throw new Error(`setting up Temporal's schema failed (config/temporal/setup-postgres.sh, exit ${result.code}):\n${(result.stdout + result.stderr).split('\n').slice(-20).join('\n')}`);
  log.info({ took: `${Date.now() - started}ms` }, "Temporal's schema is ready (temporal, temporal_visibility)");
}

/** Runs `temporal-server --env docker start` on config/temporal/, with compose's variables pointing at our PostgreSQL. */
export async function startTemporalServer(o: { build: ServerBuild; root: string; postgres: Postgres; frontendPort: number; logger: Logger }): Promise<TemporalServer> {
  const log = o.logger.child({ component: 'temporal-server' });
  const ports = await servicePorts(o.frontendPort);
  const configDir = join(o.root, 'config', 'temporal');
  // Only what the configuration reads: holdpoint's own variables (LOG_LEVEL, TEMPORAL_ADDRESS...) stay out.
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    DB: 'postgres12',
    DB_PORT: String(o.postgres.port),
    POSTGRES_SEEDS: o.postgres.host,
    POSTGRES_USER: o.postgres.user,
    POSTGRES_PWD: o.postgres.password,
    NUM_HISTORY_SHARDS: process.env.NUM_HISTORY_SHARDS || '4',
    BIND_ON_IP: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DYNAMIC_CONFIG_FILE_PATH: join(configDir, 'dynamicconfig', 'development-sql.yaml'),
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
  };
  const address = `127.0.0.1:${o.frontendPort}`;
  log.info({ address, version: o.build.version }, 'starting the Temporal server');
  const server = supervise(o.build.server, ['--root', configDir, '--config', '.', '--env', 'docker', 'start'], { env, cwd: configDir, onLine: (line) => relayServerLine(log, line) });
  try {
    await waitFor(
      `the Temporal server at ${address}`,
      async () => {
        const connection = await Connection.connect({ address, connectTimeout: 1_000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return true;
        } finally {
          await connection.close();
        }
      },
      { process: server, timeoutMs: 90_000, log, intervalMs: 500 },
    );
  } catch (err) {
    await server.stop('SIGKILL', 0);
    throw err;
  }
  return { address, pid: server.child.pid, stop: () => server.stop('SIGTERM', 30_000), kill: () => server.stop('SIGKILL', 0), mute: () => server.mute() };
}

/** What compose's create-namespace job does, over gRPC: create the namespace if it is missing, then wait until it serves. */
export async function ensureNamespace(address: string, namespace: string, log: Logger): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const known = await connection.workflowService.describeNamespace({ namespace }).then(
      () => true,
      () => false,
    );
    if (!known) {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION) }).catch(async (err: unknown) => {
        // A concurrent start may have created it first.
        await connection.workflowService.describeNamespace({ namespace }).catch(() => Promise.reject(err));
      });
      log.info({ namespace, retention: '72h' }, 'created the namespace');
    }
    await waitFor(`namespace ${namespace}`, async () => (await connection.workflowService.countWorkflowExecutions({ namespace }), true), { timeoutMs: 60_000, log, intervalMs: 500 });
  } finally {
    await connection.close();
  }
}

/**
 * The Web UI server, configured as compose's temporalio/ui service is by its environment
 * (TEMPORAL_ADDRESS, TEMPORAL_CORS_ORIGINS), but bound to loopback.
 */
async function startUi(o: { binary: string; dir: string; address: string; namespace: string; port: number; log: Logger }): Promise<Supervised & { url: string }> {
  const log = o.log.child({ component: 'temporal-ui' });
  await mkdir(join(o.dir, 'config'), { recursive: true });
  const config = [
    `temporalGrpcAddress: ${o.address}`,
    'host: 127.0.0.1',
    `port: ${o.port}`,
    'enableUi: true',
    `defaultNamespace: ${o.namespace}`,
    'cors:',
    '  cookieInsecure: false',
    '  allowOrigins:',
    '    - http://localhost:3000',
    '',
  ].join('\n');
  await writeFile(join(o.dir, 'config', 'holdpoint.yaml'), config);
  const url = `http://127.0.0.1:${o.port}`;
  const ui = supervise(o.binary, ['--root', o.dir, '--env', 'holdpoint', 'start'], { cwd: o.dir, env: { PATH: process.env.PATH ?? '' }, onLine: (line) => log.debug({ line }, 'ui-server') });
  try {
    await waitFor(`the Temporal Web UI at ${url}`, async () => (await fetch(url)).ok, { process: ui, timeoutMs: 30_000, log });
  } catch (err) {
    await ui.stop('SIGKILL', 0);
    throw err;
  }
  return Object.assign(ui, { url });
}

/**
 * Ports of the other services, at the standard offsets from the frontend's (7233 → 7234, 7235, 7239,
 * 7243 and 6933-6939) when those are free, so restarts find the same addresses in the membership
 * table; any taken one is replaced by a free port.
 */
async function servicePorts(frontend: number): Promise<Record<string, number>> {
  const membership = membershipBase(frontend);
  const wanted: Record<string, number> = {
    FRONTEND_GRPC_PORT: frontend,
    HISTORY_GRPC_PORT: frontend + 1,
    MATCHING_GRPC_PORT: frontend + 2,
    WORKER_GRPC_PORT: frontend + 6,
    FRONTEND_HTTP_PORT: frontend + 10,
    FRONTEND_MEMBERSHIP_PORT: membership,
    HISTORY_MEMBERSHIP_PORT: membership + 1,
    MATCHING_MEMBERSHIP_PORT: membership + 2,
    WORKER_MEMBERSHIP_PORT: membership + 6,
  };
  const ports: Record<string, number> = {};
  const taken = new Set<number>();
  for (const [name, port] of Object.entries(wanted)) {
    let chosen = port;
    // Membership ports are stored in cluster_membership.rpc_port, a SMALLINT: at most 32767 (and
    // the kernel's ephemeral ports, which anyFreePort gives, start above it).
    const membership = name.endsWith('_MEMBERSHIP_PORT');
    const max = membership ? MAX_MEMBERSHIP_PORT : 65_535;
    if (name !== 'FRONTEND_GRPC_PORT' && (port < 1024 || port > max || taken.has(port) || !(await portFree(port)))) {
      do chosen = membership ? await freePortBelow(MAX_MEMBERSHIP_PORT) : await anyFreePort();
      while (taken.has(chosen));
    }
    taken.add(chosen);
    ports[name] = chosen;
  }
  return ports;
}

/** PostgreSQL's SMALLINT, the type of cluster_membership.rpc_port in Temporal's SQL schema. */
const MAX_MEMBERSHIP_PORT = 32_767;
const MIN_MEMBERSHIP_PORT = 20_000;

/**
 * The first membership port for a frontend port: 300 below it, as in Temporal's own configs (7233 →
 * 6933). A frontend above ~33000 would put that beyond the SMALLINT, so its membership ports are
 * folded into 20000..32767 by the frontend port alone: a restart on the same frontend port finds the
 * same membership addresses. (They used to be picked at random there, and a restarted server then
 * waited for its previous incarnation's rows in cluster_membership to expire before it served.)
 */
export function membershipBase(frontend: number): number {
  const standard = frontend - 300;
  if (standard >= 1024 && standard + 6 <= MAX_MEMBERSHIP_PORT) return standard;
  const span = MAX_MEMBERSHIP_PORT - 6 - MIN_MEMBERSHIP_PORT + 1;
  return MIN_MEMBERSHIP_PORT + (((standard - MIN_MEMBERSHIP_PORT) % span) + span) % span;
}

/** A free port in 20000..max, probed at random (below the kernel's ephemeral range, so listen(0) cannot give one). */
async function freePortBelow(max: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = MIN_MEMBERSHIP_PORT + Math.floor(Math.random() * (max - MIN_MEMBERSHIP_PORT + 1));
    if (await portFree(port)) return port;
  }
  throw new Error(`no free port found between 20000 and ${max} for the Temporal server's membership`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function assertPortFree(port: number, what: string): Promise<void> {
  if (!(await portFree(port))) throw new Error(`port ${port} (for ${what}) is already in use; set the variable to a free port`);
}

/**
 * The server logs JSON lines at warn and above; errors are passed on, the rest kept for debugging.
 * "Not enough hosts" is the server's own services finding each other in the first seconds of a start.
 */
function relayServerLine(log: Logger, line: string): void {
  try {
    const { level, msg, ...fields } = JSON.parse(line) as { level?: string; msg?: string } & Record<string, unknown>;
    const startupRace = typeof fields.error === 'string' && fields.error.includes('Not enough hosts to serve the request');
    if ((level === 'error' || level === 'fatal' || level === 'dpanic' || level === 'panic') && !startupRace) log.warn(fields, msg ?? line);
    else log.debug(fields, msg ?? line);
  } catch {
    log.debug({ line }, 'temporal-server');
  }
}
