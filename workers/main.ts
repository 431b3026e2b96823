import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { installTemporalLogging } from './runtime';
import { connectWorker } from './connection';
import { connectClient } from '../src/temporal/connection';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';
import { workerFromConfig } from './worker';

/** A worker alone, against TEMPORAL_ADDRESS (production; `npm start` runs everything locally). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, name: 'holdpoint-worker' });
  installTemporalLogging(logger, config.log.level, { metrics: config.metrics.workerAddress });
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set; the worker needs a Temporal server (or use `npm start`)');
  const target = { ...config.temporal, address: config.temporal.address };

  const client = await connectClient(target, logger);
  await ensureSearchAttributes(client.connection, config.temporal.namespace, logger);
  if (!config.secretKey) logger.warn('HOLDPOINT_SECRET_KEY is not set: webhook deliveries cannot be signed and will wait until it is');

  const connection = await connectWorker(target, logger);
  const worker = await workerFromConfig(config, connection, client, logger);
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running; Ctrl-C or SIGTERM stops it');
  try {
    await worker.run(); // returns once a shutdown signal has drained it
  } finally {
    await connection.close();
    await client.connection.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
