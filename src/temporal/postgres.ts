import { chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../logger';
import { findOnPath, isExecutable, run, supervise, waitFor, withProgress, type Supervised } from './processes';

/**
 * A private PostgreSQL cluster for the local Temporal cluster: Debian's PostgreSQL binaries (installed
 * with apt-get when missing and we are root), a data directory of our own, a port of our own, started
 * and stopped by holdpoint. Nothing of the system's PostgreSQL service is used or touched.
 *
 * PostgreSQL refuses to run as root. Run as root (as on these machines and in CI), holdpoint runs
 * initdb and the server as the `postgres` OS user that Debian's package creates, and hands the data
 * directory to it; run as anyone else, it runs them as that user.
 */

export interface PostgresOptions {
  /** The cluster's data directory (created and initialised on first start; later starts reuse it). */
  dataDir: string;
  port: number;
  /** The superuser Temporal connects as, and its password (compose's defaults). */
  user: string;
  password: string;
  logger: Logger;
  /** HOLDPOINT_POSTGRES_BIN: a directory holding postgres, initdb and pg_isready. */
  binDir?: string | undefined;
  /** How long to wait for the server to accept connections. @default 60s */
  readyTimeoutMs?: number;
}

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dataDir: string;
  /** Major version of the binaries, e.g. "15". */
  version: string;
  /** Where postgres, psql and pg_isready are. */
  binDir: string;
  /** The postmaster (benchmarks read its process tree's CPU time). */
  pid: number | undefined;
  /** A fast shutdown (SIGINT: open sessions are ended, committed work is kept); waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, for failure drills: PostgreSQL recovers from its WAL on the next start. */
  kill(): Promise<void>;
  mute(): void;
}

/** Thrown when PostgreSQL can be neither found nor installed; the message says what to do. */
export class PostgresUnavailableError extends Error {
  override readonly name = 'PostgresUnavailableError';
}

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** Finds PostgreSQL's server binaries, installing Debian's `postgresql` package if they are missing and we may. */
export async function ensurePostgresBinaries(logger: Logger, explicitDir?: string): Promise<{ binDir: string; version: string }> {
  const log = logger.child({ component: 'postgres' });
  if (explicitDir) {
    if (!(await hasServerBinaries(explicitDir))) throw new PostgresUnavailableError(`HOLDPOINT_POSTGRES_BIN is ${explicitDir}, but postgres, initdb and pg_isready are not all there`);
    return { binDir: explicitDir, version: await binaryVersion(explicitDir) };
  }
  const found = await findServerBinaries();
  if (found) return found;
  const aptGet = await findOnPath('apt-get');
  if (process.getuid?.() !== 0 || !aptGet) {
    throw new PostgresUnavailableError(
      [
        "PostgreSQL's server binaries (postgres, initdb) were not found. Do one of:",
        "  - install Debian's package as root: apt-get install -y postgresql, or",
        '  - set HOLDPOINT_POSTGRES_BIN to a directory holding postgres, initdb and pg_isready.',
      ].join('\n'),
    );
  }
  const started = Date.now();
  log.info("PostgreSQL's server binaries are missing: installing Debian's postgresql package (apt-get install -y postgresql)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await withProgress(log, 'installing PostgreSQL', async () => {
    let installed = await run(aptGet, ['install', '-y', '--no-install-recommends', 'postgresql'], { env });
    if (installed.code !== 0) {
      // A fresh machine's package lists may be empty or stale.
      log.info('apt-get install failed; updating the package lists and trying again');
      await run(aptGet, ['update'], { env });
      installed = await run(aptGet, ['install', '-y', '--no-install-recommends', 'postgresql'], { env });
    }
    if (installed.code !== 0) {
      throw new PostgresUnavailableError(`apt-get install -y postgresql failed (exit ${installed.code}):\n${installed.stderr.split('\n').slice(-15).join('\n')}`);
    }
  });
  const after = await findServerBinaries();
  if (!after) throw new PostgresUnavailableError(`apt-get installed postgresql, but no server binaries are under ${DEBIAN_ROOT}/<version>/bin`);
  log.info({ binDir: after.binDir, took: `${Math.round((Date.now() - started) / 1000)}s` }, 'installed PostgreSQL');
  return after;
}

/**
 * Starts the private cluster (initialising its data directory on first use) and waits until it
 * accepts connections. A server left running on the same data directory by a killed holdpoint is
 * stopped first.
 */
export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  const { port, user, password, logger } = options;
  const log = logger.child({ component: 'postgres' });
  const dataDir = resolve(options.dataDir);
  const { binDir, version } = await ensurePostgresBinaries(logger, options.binDir);
  const owner = await osUser();

  await stopLeftover(dataDir, log);
  if (!(await exists(join(dataDir, 'PG_VERSION')))) {
    await initialise({ binDir, dataDir, user, password, owner, log });
  } else {
    const dataVersion = (await readFile(join(dataDir, 'PG_VERSION'), 'utf8')).trim();
    if (dataVersion !== version) {
      throw new PostgresUnavailableError(`${dataDir} holds a PostgreSQL ${dataVersion} cluster, but the binaries found are version ${version}. Remove the directory (its runs are lost) or point HOLDPOINT_POSTGRES_BIN at version ${dataVersion}.`);
    }
  }

  const host = '127.0.0.1';
  const args = [
    '-D', dataDir,
    '-p', String(port),
    '-c', `listen_addresses=${host}`,
    // TCP only: no socket in /var/run/postgresql, which belongs to the system's service (and may not exist).
    '-c', 'unix_socket_directories=',
    // Temporal's four services each keep pools of up to 20 + 10 connections; the default 100 is short.
    '-c', 'max_connections=300',
  ];
  log.info({ dataDir, port, version }, 'starting PostgreSQL');
  const server = supervise(join(binDir, 'postgres'), args, {
    ...owner.spawn,
    cwd: '/',
    onLine: (line) => {
      // Expected on every restart, not problems: the schema job's `create` of a database that exists
      // (how it tells a restart apart), and the server registering its temporal-system namespace again.
      if (/\b(PANIC|FATAL|ERROR):/.test(line) && !/the database system is (starting up|shutting down)|database "[^"]+" already exists|unique constraint "namespaces_pkey"/.test(line)) log.warn({ line }, 'postgres');
      else log.debug({ line }, 'postgres');
    },
  });
  try {
    await waitFor(
      `PostgreSQL on ${host}:${port}`,
      async () => (await run(join(binDir, 'pg_isready'), ['-q', '-h', host, '-p', String(port), '-U', user, '-d', 'postgres'])).code === 0,
      { process: server, timeoutMs: options.readyTimeoutMs ?? 60_000, log },
    );
  } catch (err) {
    await server.stop('SIGKILL', 0);
    throw err;
  }
  log.info({ address: `${host}:${port}` }, 'PostgreSQL is ready');
  return handle(server, { host, port, user, password, dataDir, version, binDir, pid: server.child.pid });
}

function handle(server: Supervised, fields: Omit<Postgres, 'stop' | 'kill' | 'mute'>): Postgres {
  return {
    ...fields,
    stop: () => server.stop('SIGINT', 30_000),
    kill: () => server.stop('SIGKILL', 0),
    mute: () => server.mute(),
  };
}

async function initialise(o: { binDir: string; dataDir: string; user: string; password: string; owner: OsUser; log: Logger }): Promise<void> {
  const { binDir, dataDir, user, password, owner, log } = o;
  // Parents made here stay enterable (a recursive mkdir would give them 0700 too, shutting the
  // `postgres` user out); only the data directory itself is private, as initdb requires.
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if ((await readdir(dataDir)).length > 0) throw new PostgresUnavailableError(`${dataDir} is not empty and is not a PostgreSQL data directory; remove it or choose another`);
  if (owner.spawn.uid !== undefined) {
    await assertReachable(dataDir, owner);
    await chown(dataDir, owner.spawn.uid, owner.spawn.gid!);
  }
  // initdb reads the superuser's password from a file, which the server's OS user must be able to read.
  const pwDir = await mkdtemp(join(tmpdir(), 'holdpoint-pg-'));
  const pwFile = join(pwDir, 'pw');
  try {
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (owner.spawn.uid !== undefined) {
      await chown(pwDir, owner.spawn.uid, owner.spawn.gid!);
      await chown(pwFile, owner.spawn.uid, owner.spawn.gid!);
    }
    log.info({ dataDir, osUser: owner.name }, 'initialising a PostgreSQL cluster (initdb)');
    const args = ['-D', dataDir, '-U', user, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale', '--no-instructions'];
    const result = await run(join(binDir, 'initdb'), args, { ...owner.spawn, cwd: '/' });
    if (result.code !== 0) throw new PostgresUnavailableError(`initdb failed (exit ${result.code}) for ${dataDir}:\n${result.stderr.trim()}`);
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

/** A postmaster left by a killed holdpoint still holds the data directory: end it (fast shutdown). */
async function stopLeftover(dataDir: string, log: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  log.warn({ pid, dataDir }, 'a PostgreSQL server from an earlier run still holds the data directory: stopping it');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface OsUser {
  name: string;
  /** uid/gid for spawn when we must switch user (we are root); empty otherwise. */
  spawn: { uid?: number; gid?: number };
}

/** Root cannot run PostgreSQL: use the `postgres` account Debian's package makes. */
async function osUser(): Promise<OsUser> {
  if (process.getuid?.() !== 0) return { name: process.env.USER ?? 'current user', spawn: {} };
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  if (!entry) {
    throw new PostgresUnavailableError("PostgreSQL refuses to run as root, and there is no `postgres` OS user to run it as (Debian's postgresql package creates one). Install the package, or run holdpoint as a non-root user.");
  }
  const [, , uid, gid] = entry.split(':');
  return { name: 'postgres', spawn: { uid: Number(uid), gid: Number(gid) } };
}

/** The `postgres` user must be able to reach the data directory through every parent. */
async function assertReachable(dataDir: string, owner: OsUser): Promise<void> {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    const info = await stat(dir);
    const othersMayEnter = (info.mode & 0o001) !== 0;
    if (!othersMayEnter && info.uid !== owner.spawn.uid) {
      throw new PostgresUnavailableError(`PostgreSQL runs as the ${owner.name} OS user, which cannot enter ${dir} (mode ${(info.mode & 0o777).toString(8)}). Put the data directory elsewhere or allow it: chmod o+x ${dir}`);
    }
    if (dir === dirname(dir)) return;
  }
}

async function findServerBinaries(): Promise<{ binDir: string; version: string } | undefined> {
  let versions: string[] = [];
  try {
    versions = (await readdir(DEBIAN_ROOT)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // Not Debian's layout.
  }
  for (const version of versions) {
    const binDir = join(DEBIAN_ROOT, version, 'bin');
    if (await hasServerBinaries(binDir)) return { binDir, version };
  }
  const onPath = await findOnPath('postgres');
  if (onPath && (await hasServerBinaries(dirname(onPath)))) return { binDir: dirname(onPath), version: await binaryVersion(dirname(onPath)) };
  return undefined;
}

async function hasServerBinaries(binDir: string): Promise<boolean> {
  for (const name of ['postgres', 'initdb', 'pg_isready']) if (!(await isExecutable(join(binDir, name)))) return false;
  return true;
}

async function binaryVersion(binDir: string): Promise<string> {
  const { stdout } = await run(join(binDir, 'postgres'), ['--version']);
  const match = /(\d+)(?:\.\d+)*/.exec(stdout);
  if (!match) throw new PostgresUnavailableError(`cannot tell the version of ${join(binDir, 'postgres')} (it said: ${stdout.trim()})`);
  return match[1]!;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
