import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { createLogger } from '../../src/logger';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { freePort, startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { bundleWorkflows } from '../../workers/worker';
import { ensureChromium } from './chromium';
import { ensurePythonClient, PYTHON_CLIENTS, type PythonClient } from './python-clients';

/**
 * Once per `npm test`: find or build the Temporal CLI, start a real dev server on a fresh SQLite file,
 * register search attributes and bundle the workflow code. Test files read what they need from env.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'info', format: 'pretty', name: 'test-setup' });
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
  if (!process.env.HOLDPOINT_TEST_TEMPORAL_ADDRESS) {
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
