import type { Server } from 'node:http';
import { ApiKeyRing } from '../src/auth/api-keys';
import { loadCatalog } from '../src/catalog/load';
import { loadConfig } from '../src/config';
import { createCore } from '../src/core';
import { createLogger } from '../src/logger';
import { connectClient } from '../src/temporal/connection';
import { createApp } from './app';

/** The gateway alone, against TEMPORAL_ADDRESS (production; `npm start` runs everything locally). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, name: 'holdpoint-gateway' });
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set; the gateway needs a Temporal server (or use `npm start`)');
  if (!config.apiKeys) throw new Error('HOLDPOINT_API_KEYS is not set; the gateway never runs open (see README, "Keys and roles")');
  const keys = new ApiKeyRing(config.apiKeys);
  const catalog = await loadCatalog({ directory: config.definitionsDir });
  const client = await connectClient({ ...config.temporal, address: config.temporal.address }, logger);
  const core = createCore({ client, catalog, taskQueue: config.temporal.taskQueue, maxRunLifetimeMs: config.maxRunLifetimeMs, logger });
  const app = createApp({ core, keys, logger, defaultWaitMs: config.defaultWaitMs });
  const server: Server = app.listen(config.port, config.host, () => {
    logger.info({ url: `http://${config.host}:${config.port}`, workflows: catalog.list().length, apiKeys: keys.size }, 'gateway listening');
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway stopping');
    server.close(() => void client.connection.close().finally(() => process.exit(0)));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
