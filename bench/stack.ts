import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createGateway } from '../api/app';
import { serve } from '../api/server';
import { ApiKeyRing } from '../src/auth/api-keys';
import type { Principal } from '../src/contracts/principal';
import { exampleHandlers } from '../src/activities/handlers';
import type { TaskHandlers } from '../src/activities/tasks';
import { loadCatalog } from '../src/catalog/load';
import type { Definition } from '../src/contracts/definition';
import { createCore, type Core } from '../src/core';
import { createLogger, type Logger } from '../src/logger';
import { installTemporalLogging } from '../workers/runtime';
import { ensureTemporalCli } from '../src/temporal/cli';
import { freePort, startDevServer } from '../src/temporal/dev-server';
import { startCluster, type TemporalCluster } from '../src/temporal/cluster';
import { loadClusterConfig } from '../src/temporal/cluster-config';
import { chmod } from 'node:fs/promises';
import { loadConfig } from '../src/config';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';
import { startFloorWorker } from './floor/worker';
import { bundleWorkflows, createHoldpointWorker, defaultLiveSettings, type HoldpointWorker } from '../workers/worker';

/** The bench's callers: an operator starts runs, an approver (in every group) decides, each with a key. */
export const benchOperator: Principal = { id: 'bench-operator', roles: ['operator'], groups: [] };
export const benchApprover: Principal = { id: 'bench-approver', roles: ['approver'], groups: ['bench', 'sales-ops'] };
export const BENCH_KEYS = { operator: 'bench-operator-key-0123456789', approver: 'bench-approver-key-0123456789' };
/** The bench's deployment secret (webhook secrets derive from it). */
export const BENCH_SECRET = 'bench-secret-key-0123456789abcdef-012345';

export interface BenchStack {
  client: Client;
  core: Core;
  worker: HoldpointWorker;
  baseUrl: string;
  logger: Logger;
  /** The Temporal server's process (its CPU is read from /proc); undefined for a server we did not start. */
  serverPid: number | undefined;
  /** What the bench runs against: `dev server`, `cluster` or the address given. */
  server: string;
  /** PostgreSQL's postmaster on the local cluster (its process tree's CPU is read from /proc). */
  databasePid: number | undefined;
  /** The local cluster, when BENCH_TEMPORAL=cluster (its PostgreSQL is measured). */
  cluster: TemporalCluster | undefined;
  stop(): Promise<void>;
}

/**
 * A throwaway dev server on a temp file (or the server at BENCH_TEMPORAL_ADDRESS), one worker for
 * holdpoint's runs and one for the floor workflow, one gateway listening on a real port.
 */
export async function startBenchStack(definitions: Definition[], handlers: TaskHandlers = {}): Promise<BenchStack> {
  const logger = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'info', format: 'pretty', name: 'bench' });
  installTemporalLogging(logger, 'warn', { handleSignals: false });
  const quiet = logger.child({}, { level: 'warn' });
  const dir = await mkdtemp(join(tmpdir(), 'holdpoint-bench-'));
  const given = process.env.BENCH_TEMPORAL_ADDRESS;
  const mode = process.env.BENCH_TEMPORAL ?? 'dev';
  if (mode !== 'dev' && mode !== 'cluster') throw new Error(`BENCH_TEMPORAL must be dev (the default) or cluster, not ${JSON.stringify(mode)}`);
  let server: { address: string; pid: number | undefined; stop(): Promise<void> } | undefined;
  let cluster: TemporalCluster | undefined;
  if (given) {
    logger.info(`a worker and the gateway for the benchmark, against the Temporal server at ${given}`);
  } else if (mode === 'cluster') {
    logger.info('starting a local Temporal cluster on PostgreSQL (as npm run start:cluster; the first run builds it), a worker and the gateway for the benchmark');
    // PostgreSQL runs as its own OS user when we are root: it must be able to enter the directory.
    await chmod(dir, 0o755);
    const settings = loadClusterConfig();
    cluster = await startCluster({
      dataDir: process.env.BENCH_CLUSTER_DIR ?? join(dir, 'cluster'),
      cacheDir: resolve(__dirname, '../.temporal'),
      namespace: 'default',
      // A fixed port (below ~33000) keeps restarts of a kept cluster quick: its services keep their ports.
      frontendPort: Number(process.env.BENCH_CLUSTER_PORT ?? 0) || (await freePort()),
      postgresPort: 0,
      logger: quiet,
      explicit: settings.explicit,
    });
    server = { address: cluster.address, pid: cluster.server.pid, stop: () => cluster!.stop() };
  } else {
    logger.info('starting a dev server, a worker and the gateway for the benchmark');
    const cliPath = await ensureTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, cacheDir: resolve(__dirname, '../.temporal'), logger });
    server = await startDevServer({ cliPath, dbFile: join(dir, 'temporal.db'), port: await freePort(), namespace: 'default', logger: quiet });
  }
  const address = given ?? server!.address;
  const serverPid = given ? (process.env.BENCH_TEMPORAL_PID ? Number(process.env.BENCH_TEMPORAL_PID) : undefined) : server!.pid;
  const connection = await Connection.connect({ address });
  await ensureSearchAttributes(connection, 'default', quiet);
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address });
  const floor = await startFloorWorker(native, 'default');
  const worker = await createHoldpointWorker({
    connection: native,
    client,
    live: defaultLiveSettings({ secretKey: BENCH_SECRET, allowedHosts: ['127.0.0.1'], delivery: { initial_interval_ms: 200, maximum_interval_ms: 2_000, give_up_after_ms: 600_000 } }),
    namespace: 'default',
    taskQueue: 'bench',
    handlers: { ...exampleHandlers, ...handlers },
    workflowBundle: await bundleWorkflows(),
    // What production runs with (HOLDPOINT_WORKER_MAX_CACHED_RUNS etc.), so the figures are its figures.
    tuning: loadConfig().worker,
    logger: quiet,
  });
  const running = worker.run();
  const core = createCore({
    client,
    catalog: await loadCatalog({ extra: definitions }),
    taskQueue: 'bench',
    maxRunLifetimeMs: 86_400_000,
    logger: quiet,
    live: { secretKey: BENCH_SECRET, allowedHosts: ['127.0.0.1'] },
  });
  const keys = new ApiKeyRing([
    { key: BENCH_KEYS.operator, principal: benchOperator.id, roles: benchOperator.roles, groups: benchOperator.groups },
    { key: BENCH_KEYS.approver, principal: benchApprover.id, roles: benchApprover.roles, groups: benchApprover.groups },
  ]);
  const gateway = createGateway({ core, keys, logger: quiet.child({}, { level: 'error' }) });
  const http = await serve(gateway.app, { port: 0, host: '127.0.0.1', logger: quiet, streams: gateway.streams, upgrades: gateway.upgrades, onClose: () => core.close() });
  return {
    client,
    core,
    worker,
    baseUrl: http.url,
    logger,
    serverPid,
    server: given ?? (cluster ? `cluster (Temporal ${cluster.version} on PostgreSQL ${cluster.postgres.version})` : 'dev server'),
    cluster,
    databasePid: cluster?.postgres.pid,
    stop: async () => {
      await http.close();
      worker.shutdown();
      floor.worker.shutdown();
      await running;
      await floor.running;
      await native.close();
      await connection.close();
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Decides `step` of a run through the gateway (/v1 resume, as the approver); fails unless the run is then `expected`. */
export async function resumeThroughGateway(stack: BenchStack, runId: string, step: string, expected: 'paused' | 'completed'): Promise<void> {
  const res = await fetch(`${stack.baseUrl}/v1/workflow-runs/${runId}/resume?wait=30s`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_KEYS.approver },
    body: JSON.stringify({ input: { resume: { step, input: 'approve' } } }),
  });
  const body = (await res.json()) as { output?: { status?: string } };
  if (res.status !== 200 || body.output?.status !== expected) throw new Error(`resume of ${runId} at ${step}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarise(samples: number[]): { n: number; p50: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
  };
}

export const ms = (value: number): string => `${value.toFixed(1)} ms`;
