import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';

/**
 * Dynamic config for a decision's round trip, the same as the cluster's and compose's
 * (config/temporal/dynamicconfig/development-sql.yaml; a unit test holds the two together).
 * Each history shard reads its transfer queue (the tasks that put activities and workflow tasks on
 * task queues) at most `transferProcessorMaxPollRPS` times a second, 20 by default: a decision that
 * arrived within ~100 ms of the run's previous step waited up to 50 ms at each of its two hops (the
 * next activity, the workflow task after it). At 200 the wait is at most 5 ms; reads are still
 * triggered by new tasks, not by a clock, so an idle server does no more work.
 * Eager activity execution (off by default in the server) hands an activity that a workflow task
 * schedules back to the worker in the answer to that task's completion, when the worker has a free
 * slot: no transfer task, no trip through matching, no poll.
 */
export const LATENCY_DYNAMIC_CONFIG: Readonly<Record<string, number | boolean>> = {
  'system.enableActivityEagerExecution': true,
  'history.transferProcessorMaxPollRPS': 200,
};

export interface DevServerOptions {
  cliPath: string;
  /** The SQLite file runs are persisted in; created with its directory on first start. */
  dbFile: string;
  ip?: string;
  port: number;
  /** Port of the Web UI; undefined runs the server headless. */
  uiPort?: number | undefined;
  namespace: string;
  logger: Logger;
  /** How long to wait for the server to answer. @default 60s */
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  dbFile: string;
  /** The server process (benchmarks read its CPU time). */
  pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Stops relaying its logs: while everything shuts down its complaints are noise. */
  mute(): void;
}

/**
 * Starts `temporal server start-dev` on a SQLite file and waits until its frontend answers.
 * WAL with synchronous=NORMAL keeps every committed transaction across a killed process (only an
 * OS crash can lose the last few) while staying fast enough for a laptop.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { cliPath, namespace, logger, port, uiPort, ip = '127.0.0.1' } = options;
  const log = logger.child({ component: 'temporal-dev-server' });
  const dbFile = resolve(options.dbFile);
  await mkdir(dirname(dbFile), { recursive: true });
  await assertPortFree(ip, port, 'TEMPORAL_DEV_PORT', 'the Temporal dev server');
  if (uiPort !== undefined) await assertPortFree(ip, uiPort, 'TEMPORAL_UI_PORT', 'the Temporal Web UI');

  const args = [
    'server', 'start-dev',
    '--db-filename', dbFile,
    '--ip', ip,
    '--port', String(port),
    '--namespace', namespace,
    '--sqlite-pragma', 'journal_mode=WAL',
    '--sqlite-pragma', 'synchronous=NORMAL',
    '--sqlite-pragma', 'busy_timeout=5000',
    '--log-format', 'json',
    '--log-level', 'warn',
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...Object.entries(LATENCY_DYNAMIC_CONFIG).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]),
  ];
  log.info({ dbFile, port, uiPort }, 'starting the Temporal dev server');
  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const recent: string[] = [];
  let stopping = false;
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      recent.push(line);
      if (recent.length > 30) recent.shift();
      // While stopping, its internal clients complain about each other going away: noise.
      if (!stopping) relayLine(log, line);
    }
  };
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  // If this process ends without stopping the server (a crash, process.exit), do not leave it orphaned
  // holding the port and the database file.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const address = `${ip}:${port}`;
  try {
    await waitUntilReady(address, namespace, child, exited, recent, options.readyTimeoutMs ?? 60_000, log);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const uiUrl = uiPort === undefined ? undefined : `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`;
  log.info({ address, uiUrl }, 'Temporal dev server is ready');
  return {
    address,
    uiUrl,
    dbFile,
    pid: child.pid,
    stop: () => {
      stopping = true;
      return stopProcess(child, exited);
    },
    mute: () => {
      stopping = true;
    },
  };
}

async function waitUntilReady(
  address: string,
  namespace: string,
  child: ChildProcess,
  exited: Promise<number | null>,
  recent: string[],
  timeoutMs: number,
  log: Logger,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  let lastNotice = Date.now();
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`the Temporal dev server exited (code ${exitCode}) before it was ready. Its last output:\n${recent.join('\n')}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal dev server did not answer at ${address} within ${timeoutMs / 1000}s. Its last output:\n${recent.join('\n')}`);
    }
    if (Date.now() - lastNotice > 5_000) {
      log.info({ address }, 'waiting for the Temporal dev server to answer');
      lastNotice = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

function assertPortFree(ip: string, port: number, variable: string, what: string): Promise<void> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      fail(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} (for ${what}) is already in use. If a Temporal server already runs there, set TEMPORAL_ADDRESS=${ip}:${port} to use it; otherwise set ${variable} to a free port.`
            : `cannot bind ${ip}:${port} for ${what}: ${err.message}`,
        ),
      );
    });
    probe.listen(port, ip, () => probe.close(() => done()));
  });
}

/** The dev server logs JSON lines at warn and above; pass them on at their level. */
function relayLine(log: Logger, line: string): void {
  try {
    const entry = JSON.parse(line) as { level?: string; msg?: string } & Record<string, unknown>;
    const { level, msg, ...fields } = entry;
    if (level === 'error' || level === 'fatal' || level === 'dpanic') log.error(fields, msg ?? line);
    else log.warn(fields, msg ?? line);
  } catch {
    // The CLI's own banner ("Server: ...", "UI: ..."); holdpoint prints its own summary.
    log.debug(line);
  }
}

/** A port nothing listens on right now (for test and benchmark servers). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, host, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}
