import { LogLevel, WebClient } from '@slack/web-api';
import { ApiKeyRing } from '../src/auth/api-keys';
import { loadCatalog } from '../src/catalog/load';
import { loadConfig } from '../src/config';
import { createCore } from '../src/core';
import { createLogger } from '../src/logger';
import { connectClient } from '../src/temporal/connection';
import { createGateway } from './app';
import { serve } from './server';

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
  const core = createCore({
    client,
    catalog,
    taskQueue: config.temporal.taskQueue,
    maxRunLifetimeMs: config.maxRunLifetimeMs,
    logger,
    live: { busPartitions: config.live.busPartitions, secretKey: config.secretKey, allowedHosts: config.webhooks.allowedHosts, delivery: config.webhooks.delivery },
  });
  const gateway = createGateway({
    core,
    keys,
    logger,
    defaultWaitMs: config.defaultWaitMs,
    heartbeatMs: config.live.heartbeatMs,
    m8tesPrefix: config.m8tesPrefix,
    metrics: { workerUrl: config.metrics.workerUrl, public: config.metrics.public },
    slack: {
      signingSecret: config.slack.signingSecret,
      client: config.slack.botToken ? new WebClient(config.slack.botToken, { ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}), logLevel: LogLevel.ERROR }) : undefined,
      users: config.slack.users,
    },
  });
  const server = await serve(gateway.app, {
    port: config.port,
    host: config.host,
    logger,
    streams: gateway.streams,
    upgrades: gateway.upgrades,
    onClose: () => core.close(),
  });
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
