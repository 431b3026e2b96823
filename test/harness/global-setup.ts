import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { createLogger, type Logger } from '../../src/logger';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { startCluster, type TemporalCluster } from '../../src/temporal/cluster';
import { loadClusterConfig } from '../../src/temporal/cluster-config';
import { composeVersions, ensureServerBuild, ensureUiServerBuild } from '../../src/temporal/server-build';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { bundleWorkflows } from '../../workers/worker';
import { ensureChromium } from './chromium';
import { ensurePythonClient, PYTHON_CLIENTS, type PythonClient } from './python-clients';

/**
 * Once per `npm test`: find or build the Temporal CLI, start a real dev server on a fresh SQLite file,
 * register search attributes and bundle the workflow code. Test files read what they need from env.
 *
 * HOLDPOINT_TEST_TEMPORAL=cluster runs the suite against the production topology instead: a fresh
 * local Temporal cluster on PostgreSQL (src/temporal/cluster.ts, what `npm run start:cluster` runs),
 * with its Web UI. The CLI is still found, for the tests that drive it (and start dev servers of their own).
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'info', format: 'pretty', name: 'test-setup' });
  const mode = process.env.HOLDPOINT_TEST_TEMPORAL || 'dev';
  if (mode !== 'dev' && mode !== 'cluster') throw new Error(`HOLDPOINT_TEST_TEMPORAL must be dev (the default) or cluster, not ${JSON.stringify(mode)}`);
  const root = resolve(__dirname, '../..');
  await mkdir(join(root, '.data'), { recursive: true });
  const dir = await mkdtemp(join(root, '.data', 'test-'));
  process.env.HOLDPOINT_TEST_DIR = dir;

  const cliPath = await ensureTemporalCli({
    explicitPath: process.env.TEMPORAL_CLI_PATH,
    cacheDir: process.env.HOLDPOINT_TEMPORAL_CACHE ?? join(root, '.temporal'),
    logger,
  });
  process.env.HOLDPOINT_TEST_CLI = cliPath;

  let server: DevServer | undefined;
  let cluster: TemporalCluster | undefined;
  if (!process.env.HOLDPOINT_TEST_TEMPORAL_ADDRESS && mode === 'cluster') {
    cluster = await startTestCluster(dir, root, logger);
    process.env.HOLDPOINT_TEST_TEMPORAL_ADDRESS = cluster.address;
    if (cluster.uiUrl) process.env.HOLDPOINT_TEST_UI_URL = cluster.uiUrl;
  } else if (!process.env.HOLDPOINT_TEST_TEMPORAL_ADDRESS) {
    server = await startDevServer({
      cliPath,
      dbFile: join(dir, 'temporal.db'),
      port: await freePort(),
      // The Web UI too: a browser test reads a paused run's page.
      uiPort: await freePort(),
      namespace: 'default',
      logger: logger.child({}, { level: 'warn' }),
    });
    process.env.HOLDPOINT_TEST_TEMPORAL_ADDRESS = server.address;
    if (server.uiUrl) process.env.HOLDPOINT_TEST_UI_URL = server.uiUrl;
  }
  (globalThis as { __holdpointDevServer?: DevServer }).__holdpointDevServer = server;
  (globalThis as { __holdpointCluster?: TemporalCluster }).__holdpointCluster = cluster;

  const connection = await Connection.connect({ address: process.env.HOLDPOINT_TEST_TEMPORAL_ADDRESS });
  await ensureSearchAttributes(connection, 'default', logger.child({}, { level: 'warn' }));
  await connection.close();

  const bundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, (await bundleWorkflows()).code);
  process.env.HOLDPOINT_TEST_BUNDLE = bundlePath;

  // The vendors' Python clients the faces are tested with (cached in .clients/ after the first run).
  for (const name of Object.keys(PYTHON_CLIENTS) as PythonClient[]) {
    process.env[`HOLDPOINT_TEST_PY_${name.toUpperCase()}`] = await ensurePythonClient(root, name, logger);
  }
  process.env.HOLDPOINT_TEST_CHROMIUM = await ensureChromium(logger);
}

/** A fresh cluster in the run's directory, on free ports; the builds it needs are made (and cached) first. */
async function startTestCluster(dir: string, root: string, logger: Logger): Promise<TemporalCluster> {
  const started = Date.now();
  const settings = loadClusterConfig();
  const cacheDir = process.env.HOLDPOINT_TEMPORAL_CACHE ?? join(root, '.temporal');
  // Builds say what they do at info; the running cluster only speaks up at warn.
  const versions = await composeVersions(root);
  await ensureServerBuild({ version: versions.server, cacheDir, explicitDir: settings.explicit.serverDir, logger });
  await ensureUiServerBuild({ version: versions.ui, cacheDir, explicitPath: settings.explicit.uiServer, logger });
  // PostgreSQL runs as its own OS user when we are root: it must be able to enter the run's directory.
  await chmod(dir, 0o755);
  const cluster = await startCluster({
    dataDir: join(dir, 'cluster'),
    cacheDir,
    namespace: 'default',
    frontendPort: await freePort(),
    postgresPort: settings.postgresPort,
    // The Web UI too: a browser test reads a paused run's page.
    uiPort: await freePort(),
    logger: logger.child({}, { level: 'warn' }),
    root,
    explicit: settings.explicit,
  });
  logger.info({ address: cluster.address, uiUrl: cluster.uiUrl, postgres: `${cluster.postgres.host}:${cluster.postgres.port}`, took: `${Math.round((Date.now() - started) / 1000)}s` }, `the suite runs against a Temporal cluster (server v${cluster.version} on PostgreSQL ${cluster.postgres.version})`);
  return cluster;
}
