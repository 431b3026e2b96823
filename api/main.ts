import { ApiKeyRing } from '../src/auth/api-keys';
import { loadCatalog } from '../src/catalog/load';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { connectClient } from '../src/temporal/connection';
import { serveFromConfig } from './from-config';

/** The gateway alone, against TEMPORAL_ADDRESS (production; `npm start` runs everything locally). */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config.log, name: 'holdpoint-gateway' });
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set; the gateway needs a Temporal server (or use `npm start`)');
  if (!config.apiKeys) throw new Error('HOLDPOINT_API_KEYS is not set; the gateway never runs open (see README, "Keys and roles")');
  if (!config.secretKey) logger.warn('HOLDPOINT_SECRET_KEY is not set: webhooks cannot be created until it is (the same value on gateways and workers)');
  const keys = new ApiKeyRing(config.apiKeys);
  const catalog = await loadCatalog({ directory: config.definitionsDir });
  const client = await connectClient({ ...config.temporal, address: config.temporal.address }, logger);
  const { server, gateway } = await serveFromConfig({ config, client, catalog, keys, logger });
  logger.info({ url: server.url, workflows: catalog.list().length, apiKeys: keys.size }, 'gateway listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, streams: gateway.streams.size }, 'gateway stopping');
    void server.close().finally(() => void client.connection.close().finally(() => process.exit(0)));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
