import { LogLevel, WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import type { ApiKeyRing } from '../src/auth/api-keys';
import type { DefinitionCatalog } from '../src/catalog/registry';
import type { Config } from '../src/config';
import { createCore } from '../src/core';
import type { Logger } from '../src/logger';
import { createGateway, type Gateway } from './app';
import { serve, type RunningServer } from './server';

/**
 * The core and the gateway as the configuration says, listening: what `npm run gateway` (api/main.ts)
 * and `npm start` (bin/main.ts) both run. `workerMetricsUrl` is the worker's exporter when the caller
 * knows it better than the configuration (the dev stack picks its port itself).
 */
export async function serveFromConfig(o: { config: Config; client: Client; catalog: DefinitionCatalog; keys: ApiKeyRing; logger: Logger; workerMetricsUrl?: string | undefined }): Promise<{ server: RunningServer; gateway: Gateway }> {
  const { config, client, catalog, keys, logger } = o;
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
    metrics: { workerUrl: config.metrics.workerUrl ?? o.workerMetricsUrl, public: config.metrics.public },
    slack: {
      signingSecret: config.slack.signingSecret,
      client: config.slack.botToken ? new WebClient(config.slack.botToken, { ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}), logLevel: LogLevel.ERROR }) : undefined,
      users: config.slack.users,
    },
  });
  const server = await serve(gateway.app, { port: config.port, host: config.host, logger, streams: gateway.streams, upgrades: gateway.upgrades, onClose: () => core.close() });
  return { server, gateway };
}
