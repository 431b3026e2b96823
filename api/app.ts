import type { WebClient } from '@slack/web-api';
import express, { type Express } from 'express';
import type { ApiKeyRing } from '../src/auth/api-keys';
import type { Core } from '../src/core';
import type { Logger } from '../src/logger';
import type { SlackUserMap } from '../src/slack/users';
import { agentOsRouter, agentOsWebSocket } from './agentos';
import { aipRouter } from './aip';
import { errorBoundary, notFoundRoute } from './errors';
import { healthRouter } from './health';
import { schemaRouter } from './schemas';
import { slackRouter } from './integrations/slack';
import { DEFAULT_M8TES_PREFIX, m8tesFace } from './m8tes';
import { requestLog } from './request-log';
import type { UpgradeHandler } from './server';
import { StreamRegistry } from './streaming/registry';
import { createWsHandler } from './streaming/ws';
import { v1Router } from './v1';

export interface AppOptions {
  core: Core;
  /** The API keys the gateway accepts; every route but health needs one. */
  keys: ApiKeyRing;
  logger: Logger;
  /** How long start and resume wait for the next pause when the request gives no `wait`. @default 20s */
  defaultWaitMs?: number;
  /** Keep-alive interval of SSE and WebSocket streams. @default 15s */
  heartbeatMs?: number;
  /** Slack approvals: the interactions endpoint's secret, a client for ephemeral replies, and who is who. */
  slack?: { signingSecret: string | undefined; client: WebClient | undefined; users: SlackUserMap };
  /** Where m8tes' face is mounted (its SDK's `base_url` ends in it). @default "/api/v2" */
  m8tesPrefix?: string;
}

/** The REST gateway and its live parts: the Express app, its open streams, its WebSocket endpoints. */
export interface Gateway {
  app: Express;
  streams: StreamRegistry;
  upgrades: Record<string, UpgradeHandler>;
}

/** The REST gateway: thin adapters over the core (one per face), no state of its own but open streams. */
export function createGateway({ core, keys, logger, defaultWaitMs = 20_000, heartbeatMs = 15_000, slack, m8tesPrefix = DEFAULT_M8TES_PREFIX }: AppOptions): Gateway {
  const streams = new StreamRegistry();
  const live = { heartbeatMs, registry: streams };
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger));
  app.use(healthRouter(core));
  app.use(schemaRouter());
  // Slack signs the raw body, so its route reads the body itself, before any parser.
  app.use('/integrations/slack', slackRouter({ core, keys, logger, signingSecret: slack?.signingSecret, client: slack?.client, users: slack?.users ?? {} }));
  app.use(express.json({ limit: '1mb' }));
  app.use('/v1', v1Router({ core, keys, logger, defaultWaitMs, live }));
  app.use(m8tesPrefix, ...m8tesFace({ core, keys, logger, live }));
  const aip = aipRouter({ core, keys, logger, live });
  app.use('/agents/hitl', aip.hitl);
  app.use(aip.agents);
  // AgentOS serves at the root of its base URL (Agno's client has no prefix), so it is mounted last.
  const agentOs = { core, keys, logger, registry: streams, heartbeatMs, defaultWaitMs };
  app.use(agentOsRouter(agentOs));
  app.use(notFoundRoute());
  app.use(errorBoundary(logger));
  const agentOsWs = agentOsWebSocket(agentOs);
  return {
    app,
    streams,
    upgrades: {
      '/v1/ws': createWsHandler({ core, keys, logger, registry: streams, heartbeatMs }),
      ...(agentOsWs ? { '/workflows/ws': agentOsWs } : {}),
    },
  };
}

/** The Express app alone (tests that need no live streams). */
export function createApp(options: AppOptions): Express {
  return createGateway(options).app;
}
