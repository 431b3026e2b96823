import type { WebClient } from '@slack/web-api';
import express, { type Express } from 'express';
import type { ApiKeyRing } from '../src/auth/api-keys';
import type { Core } from '../src/core';
import type { Logger } from '../src/logger';
import type { SlackUserMap } from '../src/slack/users';
import { agentOsRouter, agentOsTable, agentOsWebSocket } from './agentos';
import { aipRouter, aipTable } from './aip';
import { errorBoundary, notFoundRoute } from './errors';
import { inboxTable } from './inbox';
import { slackRouter, slackTable } from './integrations/slack';
import { DEFAULT_M8TES_PREFIX, m8tesFace, m8tesTable } from './m8tes';
import { GatewayMetrics, type MetricsOptions } from './metrics';
import { requestLog } from './request-log';
import type { UpgradeHandler } from './server';
import { StreamRegistry } from './streaming/registry';
import { createWsHandler } from './streaming/ws';
import { openApiDocument, responseChecker } from './openapi';
import { literalPercents } from './paths';
import { publicTable } from './public';
import type { RouteTable } from './route';
import { v1Router, v1Table } from './v1';

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
  /** Check every declared answer against its schema (tests): a mismatch is a 500 naming it. */
  checkResponses?: boolean;
  /** GET /metrics: whether it needs a key, and the worker's metrics to include. @default public, the gateway's own */
  metrics?: MetricsOptions;
}

const API_INFO = {
  title: 'holdpoint',
  version: '0.1.0',
  description:
    "A durable human-in-the-loop workflow engine on Temporal. One core, several faces: holdpoint's own `/v1` (seed 002's Reminix shapes), GL AIP, Agno AgentOS and m8tes, each as its vendor's clients expect it. Limits: a JSON or form body may be up to 1 MB (larger: 413 in the face's error shape, naming the limit); the request line and headers together up to 64 KiB (larger: 431 from the HTTP server, with no body, before any face sees the request).",
};

/** The REST gateway and its live parts: the Express app, its open streams, its WebSocket endpoints. */
export interface Gateway {
  app: Express;
  streams: StreamRegistry;
  upgrades: Record<string, UpgradeHandler>;
}

/** The REST gateway: thin adapters over the core (one per face), no state of its own but open streams. */
export function createGateway({ core, keys, logger, defaultWaitMs = 20_000, heartbeatMs = 15_000, slack, m8tesPrefix = DEFAULT_M8TES_PREFIX, checkResponses = false, metrics: metricsOptions }: AppOptions): Gateway {
  const streams = new StreamRegistry();
  const live = { heartbeatMs, registry: streams };
  const checkResponse = checkResponses ? responseChecker() : undefined;
  const v1 = v1Table({ core, keys, defaultWaitMs, live, ...(checkResponse ? { checkResponse } : {}) });
  const tables: RouteTable[] = [];
  let document: Record<string, unknown> | undefined;
  const metrics = new GatewayMetrics(core, logger.child({ component: 'metrics' }), metricsOptions);
  const publicRoutes = publicTable(core, () => (document ??= openApiDocument(tables, API_INFO)), metrics, keys);
  tables.push(publicRoutes, v1);

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger), metrics.timeRequests(), literalPercents());
  app.use(publicRoutes.router());
  const inbox = inboxTable();
  tables.push(inbox);
  app.use('/inbox', inbox.router());
  // Slack signs the raw body, so its route reads the body itself, before any parser.
  const slackRoutes = slackTable({ core, keys, logger, signingSecret: slack?.signingSecret, client: slack?.client, users: slack?.users ?? {}, ...(checkResponse ? { checkResponse } : {}) });
  tables.push(slackRoutes);
  app.use('/integrations/slack', slackRouter(slackRoutes));
  app.use(express.json({ limit: '1mb' }));
  app.use('/v1', v1Router(v1, logger));
  const m8tes = m8tesTable({ core, keys, live, prefix: m8tesPrefix, ...(checkResponse ? { checkResponse } : {}) });
  tables.push(m8tes);
  app.use(m8tesPrefix, ...m8tesFace(m8tes, logger));
  const aip = aipTable({ core, keys, live, ...(checkResponse ? { checkResponse } : {}) });
  tables.push(aip);
  app.use(aipRouter(aip, logger));
  // AgentOS serves at the root of its base URL (Agno's client has no prefix), so it is mounted last.
  const agentOs = { core, keys, logger, registry: streams, heartbeatMs, defaultWaitMs, ...(checkResponse ? { checkResponse } : {}) };
  const agentOsRoutes = agentOsTable(agentOs);
  tables.push(agentOsRoutes);
  app.use(agentOsRouter(agentOsRoutes, logger));
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
