import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import type { Logger } from '../logger';

/** The Temporal CLI version holdpoint builds; later versions cannot be `go install`ed. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
/**
 * The SQLite driver the dev server is built with. v1.5.1 pins modernc.org/sqlite v1.34.1, whose
 * connections stay "interrupted (9)" for good once a query's context is cancelled (a client hanging
 * up mid-request is enough), after which the dev server answers Unavailable to everything. Temporal
 * fixed it upstream by moving to v1.44.3 (temporalio/temporal#9198); holdpoint builds the same CLI
 * with that driver.
 */
const SQLITE_MODULE = 'modernc.org/sqlite@v1.44.3';
/** The cached binary's name says what it was built from, so a change of recipe rebuilds it. */
const BUILD_NAME = `temporal-${TEMPORAL_CLI_VERSION}-sqlite-v1.44.3`;

export interface FindCliOptions {
  /** TEMPORAL_CLI_PATH: use exactly this binary. */
  explicitPath?: string | undefined;
  /** Where a built CLI is cached (`<cacheDir>/bin/temporal`). */
  cacheDir: string;
  logger: Logger;
}

/** Thrown when no CLI can be found or built; the message says what the user can do. */
export class TemporalCliUnavailableError extends Error {
  override readonly name = 'TemporalCliUnavailableError';
}

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the cached build, else
 * builds it with Go into the cache (minutes the first time), saying what it does meanwhile.
 */
export async function ensureTemporalCli({ explicitPath, cacheDir, logger }: FindCliOptions): Promise<string> {
  const log = logger.child({ component: 'temporal-cli' });
  if (explicitPath) {
    if (!(await isExecutable(explicitPath))) {
      throw new TemporalCliUnavailableError(`TEMPORAL_CLI_PATH is ${explicitPath}, but no executable file is there`);
    }
    log.debug({ path: explicitPath }, 'using the Temporal CLI from TEMPORAL_CLI_PATH');
    return explicitPath;
  }
  const onPath = await findOnPath('temporal');
  if (onPath) {
    log.debug({ path: onPath }, 'using the Temporal CLI found on PATH');
    return onPath;
  }
  const cached = join(resolve(cacheDir), 'bin', BUILD_NAME);
  if (await isExecutable(cached)) {
    log.debug({ path: cached }, 'using the cached Temporal CLI build');
    return cached;
  }
  const go = await findOnPath('go');
  if (!go) {
    throw new TemporalCliUnavailableError(
      [
        'No Temporal CLI found, and Go is not installed to build one. Do one of:',
        '  - set TEMPORAL_ADDRESS to an existing Temporal server (host:port), or',
        '  - set TEMPORAL_CLI_PATH to a `temporal` binary, or put one on PATH, or',
        `  - install Go >= 1.25, and holdpoint will build ${CLI_MODULE} (with ${SQLITE_MODULE}) for you.`,
      ].join('\n'),
    );
  }
  await buildCli(go, cached, log);
  return cached;
}

/** The cached build, if there is one (what `ensureTemporalCli` would use without building, PATH aside). */
export async function cachedCliPath(cacheDir: string): Promise<string | undefined> {
  const onPath = await findOnPath('temporal');
  if (onPath) return onPath;
  const cached = join(resolve(cacheDir), 'bin', BUILD_NAME);
  return (await isExecutable(cached)) ? cached : undefined;
}

async function buildCli(go: string, target: string, log: Logger): Promise<void> {
  const binDir = resolve(target, '..');
  await mkdir(binDir, { recursive: true });
  // Build in a private directory and rename, so a killed build never leaves half a binary behind
  // and two concurrent builds (a test run beside `npm start`) cannot clash.
  const scratch = await mkdtemp(join(binDir, '.build-'));
  const started = Date.now();
  log.info({ module: CLI_MODULE, sqlite: SQLITE_MODULE, target }, 'building the Temporal CLI with Go; the first build downloads modules and takes a few minutes');
  let downloads = 0;
  const ticker = setInterval(() => {
    log.info({ elapsed: `${Math.round((Date.now() - started) / 1000)}s`, modulesDownloaded: downloads }, 'still building the Temporal CLI');
  }, 20_000);
  const goRun = async (args: string[]) => {
    const stderr: string[] = [];
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(go, args, { cwd: scratch, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          if (line.startsWith('go: downloading')) downloads += 1;
          else stderr.push(line);
        }
      });
      child.on('error', fail);
      child.on('close', done);
    });
    if (code !== 0) {
      throw new TemporalCliUnavailableError(`go ${args.join(' ')} failed (exit ${code}) building ${CLI_MODULE}. Go >= 1.25 is required. Its last output:\n${stderr.slice(-15).join('\n')}`);
    }
  };
  try {
    // A throwaway module that requires the CLI and the fixed driver; Go's version selection takes both.
    await writeFile(join(scratch, 'go.mod'), 'module holdpoint.local/temporal-cli\n\ngo 1.24\n');
    await writeFile(join(scratch, 'tools.go'), '//go:build tools\n\npackage tools\n\nimport _ "github.com/temporalio/cli/cmd/temporal"\n');
    await goRun(['get', CLI_MODULE, SQLITE_MODULE]);
    const version = TEMPORAL_CLI_VERSION.replace(/^v/, '');
    await goRun([
      'build',
      '-o',
      join(scratch, 'temporal'),
      '-ldflags',
      `-X github.com/temporalio/cli/temporalcli.Version=${version} -X github.com/temporalio/cli/temporalcli.buildInfo=holdpoint-build-${SQLITE_MODULE.replace('@', '-')}`,
      'github.com/temporalio/cli/cmd/temporal',
    ]);
    await rename(join(scratch, 'temporal'), target);
    log.info({ path: target, took: `${Math.round((Date.now() - started) / 1000)}s` }, 'built the Temporal CLI');
  } finally {
    clearInterval(ticker);
    await rm(scratch, { recursive: true, force: true });
  }
}

async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
