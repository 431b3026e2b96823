import { join } from 'node:path';
import { serveFromConfig } from '../api/from-config';
import { workerFromConfig } from '../workers/worker';
import { exampleHandlers } from '../src/activities/handlers';
import { ApiKeyRing, localDevKeys } from '../src/auth/api-keys';
import { localSecretKey } from '../src/auth/secret-key';
import { loadCatalog } from '../src/catalog/load';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { installTemporalLogging, metricsUrl } from '../workers/runtime';
import { connectWorker } from '../workers/connection';
import { ensureTemporalCli } from '../src/temporal/cli';
import { writeStackFile } from './stack-file';
import { connectClient } from '../src/temporal/connection';
import { freePort, startDevServer, type DevServer } from '../src/temporal/dev-server';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';

/**
 * `npm start`: everything on one machine. A local Temporal dev server persisted to
 * `.data/temporal.db` (or TEMPORAL_ADDRESS), a worker and the gateway, in one process.
 */
async function main(): Promise<void> {
  const loaded = loadConfig();
  const logger = createLogger(loaded.log);
  // The worker's metrics (runs, pauses, decisions, the Temporal SDK) on a local port; the gateway's /metrics includes them.
  const workerMetrics = loaded.metrics.workerAddress ?? `127.0.0.1:${await freePort()}`;
  installTemporalLogging(logger, 'warn', { handleSignals: false, metrics: workerMetrics });
  const stops: (() => Promise<unknown>)[] = [];
  let devServer: DevServer | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    devServer?.mute();
    logger.info({ signal }, 'stopping holdpoint');
    for (const step of stops.reverse()) await step().catch((err: unknown) => logger.warn({ err }, 'error while stopping'));
    logger.info('stopped');
    process.exit(0);
  };
  // `on`, not `once`: a terminal's Ctrl-C reaches us twice (directly, and relayed by tsx), and the
  // default handler of a second signal would kill the process halfway through stopping.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // Webhook secrets derive from the deployment secret; locally it is made once and kept beside the keys.
  const secretFile = join(loaded.dev.dataDir, 'secret-key');
  const config = loaded.secretKey ? loaded : { ...loaded, secretKey: (await localSecretKey(secretFile)).key };

  let address = config.temporal.address;
  if (!address) {
    logger.info('TEMPORAL_ADDRESS is not set: starting a local Temporal dev server');
    const cliPath = await ensureTemporalCli({ explicitPath: config.dev.cliPath, cacheDir: config.dev.cacheDir, logger });
    devServer = await startDevServer({
      cliPath,
      dbFile: join(config.dev.dataDir, 'temporal.db'),
      port: config.dev.port,
      uiPort: config.dev.uiPort,
      namespace: config.temporal.namespace,
      logger,
    });
    stops.push(() => devServer!.stop());
    address = devServer.address;
  }
  const target = { ...config.temporal, address };

  const client = await connectClient(target, logger);
  stops.push(() => client.connection.close());
  await ensureSearchAttributes(client.connection, config.temporal.namespace, logger);
  const catalog = await loadCatalog({ directory: config.definitionsDir, knownHandlers: new Set(Object.keys(exampleHandlers)) });

  logger.info('preparing the worker (bundling workflow code)');
  const connection = await connectWorker(target, logger);
  stops.push(() => connection.close());
  const worker = await workerFromConfig(config, connection, client, logger);
  const running = worker.run();
  stops.push(async () => {
    worker.shutdown();
    await running;
  });

  const keysFile = join(config.dev.dataDir, 'dev-api-keys.json');
  const local = config.apiKeys ? undefined : await localDevKeys(keysFile);
  if (local?.created) logger.info({ file: keysFile }, 'HOLDPOINT_API_KEYS is not set: generated local API keys');
  const keys = new ApiKeyRing(config.apiKeys ?? local!.keys);
  const { server } = await serveFromConfig({ config, client, catalog, keys, logger, workerMetricsUrl: metricsUrl(workerMetrics) });
  stops.push(() => server.close());

  const gateway = server.url;
  // So `npm run temporal -- …` talks to this stack's Temporal, whatever port it has.
  stops.push(
    await writeStackFile(config.dev.dataDir, {
      temporal_address: address,
      namespace: config.temporal.namespace,
      ...(devServer?.uiUrl ? { ui_url: devServer.uiUrl } : {}),
      gateway_url: gateway,
    }),
  );
  const lines = [
    '',
    'holdpoint is running',
    `  gateway    ${gateway}`,
    `  API docs   ${gateway}/docs`,
    `  inbox      ${gateway}/inbox   (sign in with a key below)`,
    `  metrics    ${gateway}/metrics`,
    ...(devServer?.uiUrl ? [`  Web UI     ${devServer.uiUrl}`] : []),
    `  Temporal   ${address}${devServer ? ` (dev server; runs persist in ${devServer.dbFile})` : ''}`,
    `  workflows  ${catalog.list().map((e) => e.definition.name).join(', ')}`,
    ...(local
      ? [
          `  API keys   (local, kept in ${keysFile}; set HOLDPOINT_API_KEYS to use your own)`,
          ...local.keys.map((k) => `    ${k.principal.padEnd(15)} ${k.roles.join(',').padEnd(9)} ${k.key}`),
          `  try:       curl -s -H "X-API-Key: ${local.keys[0]!.key}" ${gateway}/v1/workflows`,
        ]
      : [`  API keys   ${keys.size} from HOLDPOINT_API_KEYS`]),
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  await running.catch(async (err: unknown) => {
    logger.error({ err }, 'the worker stopped unexpectedly');
    await stop('worker-failure');
  });
}

main().catch((err: unknown) => {
  console.error(`\nholdpoint could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
