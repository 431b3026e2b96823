import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { getHubStateQuery, hubWorkflowId } from '../../src/contracts/hub';
import type { Logger } from '../../src/logger';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { REPO_ROOT, startCluster, startTemporalServer, type TemporalCluster, type TemporalServer } from '../../src/temporal/cluster';
import { loadClusterConfig } from '../../src/temporal/cluster-config';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { startPostgres, type Postgres } from '../../src/temporal/postgres';
import { composeVersions, ensureServerBuild, type ServerBuild } from '../../src/temporal/server-build';
import { waitFor } from '../../src/temporal/processes';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { Receiver } from '../harness/receiver';
import { DrillClient } from './client';
import { drillDefinition, drillKeys } from './definition';
import { Ledger } from './ledger';
import { spawnNode, type NodeProcess } from './node-process';

export type Backend = 'cluster' | 'dev' | 'external';

export interface TopologyOptions {
  backend: Backend;
  /** For `external`: the Temporal frontend to use (HOLDPOINT_DRILL_TEMPORAL_ADDRESS). */
  address?: string | undefined;
  /** Scratch: logs, the cluster's or dev server's data, the definitions directory. */
  dir: string;
  /** The workflow bundle every worker process loads (HOLDPOINT_WORKFLOW_BUNDLE). */
  bundlePath: string;
  /** How long a drill task step holds its activity open. */
  taskHoldMs: number;
  logger: Logger;
}

interface Gateway {
  port: number;
  url: string;
  process: NodeProcess;
}

/**
 * The drills' world: a Temporal backend the drill owns (a cluster on PostgreSQL, or a dev server on a
 * SQLite file) or an existing one; two worker processes and two gateway processes on one task queue,
 * sharing the secret and the API keys; the ledger the task handlers write to; a webhook receiver.
 * Components are replaced by slot (`worker-1`, `gateway-0`...), so a drill can kill one and start its
 * replacement, and `heal()` restarts whatever a drill left dead.
 */
export class Topology {
  readonly workers: NodeProcess[] = [];
  readonly gateways: Gateway[] = [];
  /** Processes that ended without the drill ending them: each one is a finding. */
  readonly unexpectedExits: string[] = [];
  readonly taskQueue = `drill-${randomBytes(4).toString('hex')}`;
  readonly client: DrillClient;
  private readonly secretKey = `drill-secret-${randomBytes(24).toString('hex')}`;
  private readonly apiKeys = drillKeys();
  private generation = 0;
  private stopping = false;

  private constructor(
    private readonly o: TopologyOptions,
    readonly address: string,
    readonly temporal: Client,
    readonly ledger: Ledger,
    readonly receiver: Receiver,
    private readonly definitionsDir: string,
    private readonly backendParts: BackendParts,
  ) {
    this.client = new DrillClient(() => this.gateways.map((g) => g.url), new Map(this.apiKeys.map((k) => [k.principal, k.key])));
  }

  static async start(o: TopologyOptions): Promise<Topology> {
    const log = o.logger;
    await mkdir(join(o.dir, 'logs'), { recursive: true });
    const parts = await startBackend(o);
    try {
      const connection = await Connection.connect({ address: parts.address });
      await ensureSearchAttributes(connection, 'default', log.child({}, { level: 'warn' }));
      const temporal = new Client({ connection, namespace: 'default' });
      const definitionsDir = join(o.dir, 'definitions');
      await mkdir(definitionsDir, { recursive: true });
      await writeFile(join(definitionsDir, `${drillDefinition.name}.json`), JSON.stringify(drillDefinition, null, 2));
      const ledger = await new Ledger().start();
      const receiver = await new Receiver().start();
      const topology = new Topology(o, parts.address, temporal, ledger, receiver, definitionsDir, parts);
      await Promise.all([topology.startWorker(0), topology.startWorker(1)]);
      await Promise.all([topology.startGateway(0), topology.startGateway(1)]);
      log.info({ backend: o.backend, address: parts.address, taskQueue: topology.taskQueue, gateways: topology.gateways.map((g) => g.url) }, 'drill topology is up: 2 worker and 2 gateway processes');
      return topology;
    } catch (err) {
      await parts.stop();
      throw err;
    }
  }

  get backend(): Backend {
    return this.o.backend;
  }

  /** Starts the worker process of `slot` (replacing a dead one) and waits until it polls. */
  async startWorker(slot: number): Promise<NodeProcess> {
    const name = `worker-${slot}.${++this.generation}`;
    const env: NodeJS.ProcessEnv = {
      ...this.baseEnv(),
      HOLDPOINT_WORKFLOW_BUNDLE: this.o.bundlePath,
      HOLDPOINT_DRILL_WORKER: name,
      HOLDPOINT_DRILL_LEDGER_URL: this.ledger.url,
      HOLDPOINT_DRILL_TASK_MS: String(this.o.taskHoldMs),
      // Deliveries retried every second or two, so a receiver that comes back is reached at once.
      HOLDPOINT_WEBHOOK_RETRY_INITIAL: '250ms',
      HOLDPOINT_WEBHOOK_RETRY_MAX_INTERVAL: '2s',
      HOLDPOINT_WEBHOOK_TIMEOUT: '5s',
    };
    // Two workers cannot share one metrics port.
    delete env.HOLDPOINT_WORKER_METRICS;
    const child = spawnNode(name, join(__dirname, 'worker-process.ts'), env, join(this.o.dir, 'logs'));
    const ready = child.ask({}, (m) => (m.type === 'ready' ? true : undefined), 90_000);
    this.watch(child);
    this.workers[slot] = child;
    await ready;
    return child;
  }

  /** Starts the gateway process of `slot` on its port (the same port as the one it replaces) and waits until it answers. */
  async startGateway(slot: number): Promise<Gateway> {
    const port = this.gateways[slot]?.port ?? (await freePort());
    const name = `gateway-${slot}.${++this.generation}`;
    const env: NodeJS.ProcessEnv = {
      ...this.baseEnv(),
      PORT: String(port),
      HOLDPOINT_HOST: '127.0.0.1',
      HOLDPOINT_API_KEYS: JSON.stringify(this.apiKeys),
      HOLDPOINT_DEFINITIONS_DIR: this.definitionsDir,
    };
    const child = spawnNode(name, join(REPO_ROOT, 'api', 'main.ts'), env, join(this.o.dir, 'logs'));
    this.watch(child);
    const gateway = { port, url: `http://127.0.0.1:${port}`, process: child };
    this.gateways[slot] = gateway;
    await waitFor(`${name} answering on ${gateway.url}`, async () => (await fetch(`${gateway.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok, {
      process: { get done() { return !child.alive; }, exited: child.exited.then(({ code }) => code ?? -1), recent: () => child.recent() },
      timeoutMs: 90_000,
      intervalMs: 200,
      log: this.o.logger,
    });
    return gateway;
  }

  /** Restarts every worker or gateway that is not running, so each drill starts whole. */
  async heal(): Promise<string[]> {
    const healed: string[] = [];
    for (const [slot, w] of this.workers.entries()) if (!w.alive) healed.push((await this.startWorker(slot)).name);
    for (const [slot, g] of this.gateways.entries()) if (!g.process.alive) healed.push((await this.startGateway(slot)).process.name);
    return healed;
  }

  /** Waits until every running worker's copy of the hub (webhooks) has caught up with the hub. */
  async awaitHub(): Promise<number> {
    const { version } = await this.temporal.workflow.getHandle(hubWorkflowId(this.taskQueue)).query(getHubStateQuery);
    await Promise.all(
      this.workers
        .filter((w) => w.alive)
        .map((w) =>
          w.ask({ type: 'hub', version }, (m) => {
            if (m.type === 'hub-failed' && m.version === version) throw new Error(`${w.name}: ${String(m.error)}`);
            return m.type === 'hub' && m.version === version ? true : undefined;
          }, 40_000),
        ),
    );
    return version;
  }

  /** Stops the Temporal server (gracefully) and starts it again on the same port and data; answers how long it was gone. */
  restartTemporal(): Promise<{ downMs: number }> {
    return this.backendParts.restartServer();
  }

  /** Stops PostgreSQL (fast shutdown) and starts it again on the same data directory and port. */
  restartPostgres(): Promise<{ downMs: number }> {
    if (!this.backendParts.restartPostgres) throw new Error('only a cluster the drill started has a PostgreSQL to restart');
    return this.backendParts.restartPostgres();
  }

  get canRestartServer(): boolean {
    return this.o.backend !== 'external';
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.gateways.map((g) => g.process.stop(10_000)));
    await Promise.all(this.workers.map((w) => w.stop(15_000)));
    await this.temporal.connection.close();
    await this.ledger.stop();
    await this.receiver.stop();
    await this.backendParts.stop();
  }

  private baseEnv(): NodeJS.ProcessEnv {
    return {
      // Everything the drill was given passes through (HOLDPOINT_WORKER_* tuning among it); these are the drill's own.
      ...process.env,
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: 'default',
      HOLDPOINT_TASK_QUEUE: this.taskQueue,
      HOLDPOINT_SECRET_KEY: this.secretKey,
      HOLDPOINT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      HOLDPOINT_DEFAULT_WAIT: '10s',
      LOG_LEVEL: process.env.HOLDPOINT_DRILL_PROCESS_LOG_LEVEL ?? 'warn',
      LOG_FORMAT: 'json',
    };
  }

  private watch(child: NodeProcess): void {
    void child.exited.then(({ code, signal }) => {
      if (child.stopped || this.stopping) return;
      this.unexpectedExits.push(`${child.name} (code ${code}, signal ${signal})`);
      this.o.logger.warn({ process: child.name, code, signal, output: child.recent().split('\n').slice(-8) }, 'a drill process exited on its own');
    });
  }
}

interface BackendParts {
  address: string;
  restartServer(): Promise<{ downMs: number }>;
  restartPostgres?: () => Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

async function startBackend(o: TopologyOptions): Promise<BackendParts> {
  // The backend's complaints while it is broken on purpose are many: they go to a file of their own.
  const quiet = pino({ name: 'temporal', level: 'warn' }, pino.destination({ dest: join(o.dir, 'logs', 'temporal.log'), mkdir: true }));
  const cacheDir = process.env.HOLDPOINT_TEMPORAL_CACHE ?? join(REPO_ROOT, '.temporal');
  if (o.backend === 'external') {
    if (!o.address) throw new Error('an external backend needs HOLDPOINT_DRILL_TEMPORAL_ADDRESS');
    const refuse = () => Promise.reject(new Error(`the drill does not own the Temporal server at ${o.address}; it cannot restart it`));
    return { address: o.address, restartServer: refuse, restartPostgres: refuse, stop: async () => undefined };
  }

  if (o.backend === 'dev') {
    const cliPath = await ensureTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, cacheDir, logger: o.logger });
    const settings = { cliPath, dbFile: join(o.dir, 'temporal.db'), port: await freePort(), namespace: 'default', logger: quiet };
    let server: DevServer = await startDevServer(settings);
    return {
      address: server.address,
      restartServer: async () => {
        const began = Date.now();
        server.mute();
        await server.stop();
        server = await startDevServer(settings);
        return { downMs: Date.now() - began };
      },
      stop: () => server.stop(),
    };
  }

  const settings = loadClusterConfig();
  const versions = await composeVersions(REPO_ROOT);
  const build: ServerBuild = await ensureServerBuild({ version: versions.server, cacheDir, explicitDir: settings.explicit.serverDir, logger: o.logger });
  // PostgreSQL runs as its own OS user when we are root: it must be able to enter the drill's directory.
  await chmod(o.dir, 0o755);
  const frontendPort = await stableFrontendPort();
  const cluster: TemporalCluster = await startCluster({
    dataDir: join(o.dir, 'cluster'),
    cacheDir,
    namespace: 'default',
    frontendPort,
    postgresPort: settings.postgresPort,
    uiPort: undefined,
    logger: quiet,
    explicit: settings.explicit,
  });
  // The cluster's own handles stop the parts it started; a drill's replacements are stopped here.
  let server: TemporalServer = cluster.server;
  let postgres: Postgres = cluster.postgres;
  return {
    address: cluster.address,
    restartServer: async () => {
      const began = Date.now();
      server.mute();
      await server.stop();
      server = await startTemporalServer({ build, root: REPO_ROOT, postgres, frontendPort, logger: quiet });
      return { downMs: Date.now() - began };
    },
    restartPostgres: async () => {
      const began = Date.now();
      postgres.mute();
      await postgres.stop();
      postgres = await startPostgres({ dataDir: postgres.dataDir, port: postgres.port, user: postgres.user, password: postgres.password, logger: quiet, binDir: settings.explicit.postgresBin });
      return { downMs: Date.now() - began };
    },
    stop: async () => {
      cluster.mute();
      server.mute();
      postgres.mute();
      await server.stop();
      await cluster.stop();
      await postgres.stop();
    },
  };
}

/**
 * A frontend port whose neighbours (the other services' ports, at the standard offsets) are free and
 * whose membership ports fit PostgreSQL's SMALLINT, so a restarted server comes back with the same
 * identity in the membership table, as a cluster on fixed ports (compose's) does. A random high port
 * would give the membership new random ports on every start, and a restart would wait for the old
 * identity to be declared dead.
 */
async function stableFrontendPort(): Promise<number> {
  const offsets = [0, 1, 2, 6, 10, -300, -299, -298, -294];
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await Promise.all(offsets.map((d) => portFree(port + d)));
    if (free.every(Boolean)) return port;
  }
  return freePort();
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}
