import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Logger } from '../logger';
import { findOnPath, isExecutable, run, withProgress } from './processes';

/**
 * The Temporal server, its SQL schema tool and the Web UI server, built from Temporal's Go modules at
 * the versions docker-compose.yml runs, so the local cluster is what compose runs. Found like the CLI
 * (src/temporal/cli.ts): an explicit path, PATH, the cache (`.temporal/`), else built with Go there.
 * The server needs no driver fix (the CLI's SQLite one): the cluster stores its data in PostgreSQL.
 */

export interface ServerBuild {
  /** The `temporal-server` binary. */
  server: string;
  /** The `temporal-sql-tool` binary. */
  sqlTool: string;
  /** The PostgreSQL schema directory of the same version (holds temporal/ and visibility/). */
  schemaDir: string;
  version: string;
}

export interface ComposeVersions {
  /** temporalio/server's tag, e.g. "1.29.1". */
  server: string;
  /** temporalio/ui's tag, e.g. "2.34.0". */
  ui: string;
}

/** Thrown when a binary can be neither found nor built; the message says what the user can do. */
export class TemporalBuildUnavailableError extends Error {
  override readonly name = 'TemporalBuildUnavailableError';
}

/**
 * The image tags docker-compose.yml runs, read from the file itself (with its `${VAR:-default}`
 * interpolated from the environment, as compose would), so the two can never drift apart.
 */
export async function composeVersions(root: string, env: NodeJS.ProcessEnv = process.env): Promise<ComposeVersions> {
  const file = join(root, 'docker-compose.yml');
  const compose = parse(await readFile(file, 'utf8')) as { services?: Record<string, { image?: string }> };
  const tag = (service: string, image: string) => {
    const raw = compose.services?.[service]?.image;
    const interpolated = raw?.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, name: string, fallback?: string) => env[name] || fallback || '');
    const match = interpolated ? new RegExp(`^${image}:v?(\\d+\\.\\d+\\.\\d+)`).exec(interpolated) : null;
    if (!match) throw new TemporalBuildUnavailableError(`cannot read the ${image} version from services.${service}.image in ${file} (found ${JSON.stringify(raw)})`);
    return match[1]!;
  };
  return { server: tag('temporal', 'temporalio/server'), ui: tag('temporal-ui', 'temporalio/ui') };
}

/**
 * HOLDPOINT_TEMPORAL_SERVER_DIR (a directory laid out like the cache), then `temporal-server` and
 * `temporal-sql-tool` on PATH with /etc/temporal/schema (the admin-tools image's layout) if they are
 * the right version, then the cache, else `go install` both into it (minutes the first time).
 */
export async function ensureServerBuild(o: { version: string; cacheDir: string; explicitDir?: string | undefined; logger: Logger }): Promise<ServerBuild> {
  const log = o.logger.child({ component: 'temporal-server-build' });
  const version = o.version;
  const inDir = (dir: string): ServerBuild => ({ server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool'), schemaDir: join(dir, 'schema', 'postgresql', 'v12'), version });
  if (o.explicitDir) {
    const build = inDir(resolve(o.explicitDir));
    if (!(await complete(build))) throw new TemporalBuildUnavailableError(`HOLDPOINT_TEMPORAL_SERVER_DIR is ${o.explicitDir}, but temporal-server, temporal-sql-tool and schema/postgresql/v12 are not all there`);
    return build;
  }
  const [server, sqlTool] = [await findOnPath('temporal-server'), await findOnPath('temporal-sql-tool')];
  if (server && sqlTool) {
    const onPath = { server, sqlTool, schemaDir: '/etc/temporal/schema/postgresql/v12', version };
    const said = (await run(server, ['--version'])).stdout;
    if ((await complete(onPath)) && said.includes(version)) return onPath;
    log.debug({ server, said }, 'temporal-server on PATH is not the version compose runs, or has no schema beside it: not using it');
  }
  const cached = inDir(join(resolve(o.cacheDir), `temporal-server-v${version}`));
  if (await complete(cached)) return cached;

  const module = 'go.temporal.io/server';
  await goBuild({
    what: `the Temporal server v${version} and its SQL tool`,
    target: resolve(cached.server, '..'),
    cacheDir: o.cacheDir,
    log,
    steps: async (scratch, go) => {
      await go(['install', `${module}/cmd/server@v${version}`, `${module}/cmd/tools/sql@v${version}`], { GOBIN: join(scratch, 'bin') });
      await rename(join(scratch, 'bin', 'server'), join(scratch, 'out', 'temporal-server'));
      await rename(join(scratch, 'bin', 'sql'), join(scratch, 'out', 'temporal-sql-tool'));
      // The schema files come with the module's source; keep a copy beside the tool that applies them.
      const dir = await moduleDir(go, `${module}@v${version}`);
      await copyWritable(join(dir, 'schema', 'postgresql', 'v12'), join(scratch, 'out', 'schema', 'postgresql', 'v12'));
    },
  });
  return cached;
}

/**
 * The Web UI server at compose's temporalio/ui version: HOLDPOINT_TEMPORAL_UI_SERVER, the cache, or
 * `go build ./cmd/server` in github.com/temporalio/ui-server/v2's source (its module embeds the built UI).
 */
export async function ensureUiServerBuild(o: { version: string; cacheDir: string; explicitPath?: string | undefined; logger: Logger }): Promise<string> {
  const log = o.logger.child({ component: 'temporal-ui-build' });
  if (o.explicitPath) {
    if (!(await isExecutable(o.explicitPath))) throw new TemporalBuildUnavailableError(`HOLDPOINT_TEMPORAL_UI_SERVER is ${o.explicitPath}, but no executable file is there`);
    return o.explicitPath;
  }
  const target = join(resolve(o.cacheDir), `temporal-ui-server-v${o.version}`);
  const binary = join(target, 'ui-server');
  if (await isExecutable(binary)) return binary;
  await goBuild({
    what: `the Temporal Web UI server v${o.version}`,
    target,
    cacheDir: o.cacheDir,
    log,
    steps: async (scratch, go) => {
      // Not `go install ...@version`: the module's go.mod has a replace directive (grpc-gateway), which
      // go install refuses. Built inside the module's own source instead, so its go.mod applies.
      const dir = await moduleDir(go, `github.com/temporalio/ui-server/v2@v${o.version}`);
      await go(['build', '-o', join(scratch, 'out', 'ui-server'), './cmd/server'], {}, dir);
    },
  });
  return binary;
}

type GoRun = (args: string[], env?: Record<string, string>, cwd?: string) => Promise<string>;

/**
 * Builds into a private directory and renames it into place, so a killed build never leaves half a
 * result and two concurrent builds (a test run beside `npm run start:cluster`) cannot clash.
 */
async function goBuild(o: { what: string; target: string; cacheDir: string; log: Logger; steps: (scratch: string, go: GoRun) => Promise<void> }): Promise<void> {
  const { what, target, log } = o;
  const goBin = await findOnPath('go');
  if (!goBin) {
    throw new TemporalBuildUnavailableError(`${what} is not built yet, and Go is not installed to build it. Install Go >= 1.24 (holdpoint then builds it into ${o.cacheDir} once), or use npm start (the dev server) instead.`);
  }
  await mkdir(resolve(o.cacheDir), { recursive: true });
  const scratch = await mkdtemp(join(resolve(o.cacheDir), '.build-'));
  await mkdir(join(scratch, 'out'), { recursive: true });
  const started = Date.now();
  let downloads = 0;
  const go: GoRun = async (args, env = {}, cwd = scratch) => {
    const stderr: string[] = [];
    let stdout = '';
    const code = await new Promise<number | null>((done, fail) => {
      const child = spawn(goBin, args, { cwd, env: { ...process.env, CGO_ENABLED: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) {
          if (line.startsWith('go: downloading')) downloads += 1;
          else stderr.push(line);
        }
      });
      child.on('error', fail);
      child.on('close', done);
    });
    if (code !== 0) throw new TemporalBuildUnavailableError(`go ${args.join(' ')} failed (exit ${code}) building ${what}. Its last output:\n${stderr.slice(-15).join('\n')}`);
    return stdout;
  };
  log.info({ target }, `building ${what} with Go; the first build downloads modules and takes several minutes`);
  try {
    await withProgress(log, `building ${what}`, () => o.steps(scratch, go), () => ({ modulesDownloaded: downloads }));
    await rename(join(scratch, 'out'), target).catch(async (err: NodeJS.ErrnoException) => {
      // Another build finished first: keep its result.
      if (!(err.code === 'ENOTEMPTY' || err.code === 'EEXIST')) throw err;
    });
    log.info({ target, took: `${Math.round((Date.now() - started) / 1000)}s` }, `built ${what}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function moduleDir(go: GoRun, moduleAtVersion: string): Promise<string> {
  const { Dir } = JSON.parse(await go(['mod', 'download', '-json', moduleAtVersion])) as { Dir?: string };
  if (!Dir) throw new TemporalBuildUnavailableError(`go mod download ${moduleAtVersion} gave no source directory`);
  return Dir;
}

/** Go's module cache is read-only; the copy must be removable with the rest of the cache. */
async function copyWritable(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
  const walk = async (dir: string): Promise<void> => {
    await chmod(dir, 0o755);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else await chmod(join(dir, entry.name), 0o644);
    }
  };
  await walk(to);
}

async function complete(build: Omit<ServerBuild, 'version'>): Promise<boolean> {
  if (!(await isExecutable(build.server)) || !(await isExecutable(build.sqlTool))) return false;
  try {
    return (await stat(join(build.schemaDir, 'visibility', 'versioned'))).isDirectory();
  } catch {
    return false;
  }
}
