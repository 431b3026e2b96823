import express, { type Express } from 'express';
import type { ApiKeyRing } from '../src/auth/api-keys';
import type { Core } from '../src/core';
import type { Logger } from '../src/logger';
import { aipRouter } from './aip';
import { errorBoundary, notFoundRoute } from './errors';
import { healthRouter } from './health';
import { requestLog } from './request-log';
import { v1Router } from './v1';

export interface AppOptions {
  core: Core;
  /** The API keys the gateway accepts; every route but health needs one. */
  keys: ApiKeyRing;
  logger: Logger;
  /** How long start and resume wait for the next pause when the request gives no `wait`. @default 20s */
  defaultWaitMs?: number;
}

/** The REST gateway: thin adapters over the core (one per face), no state of its own. */
export function createApp({ core, keys, logger, defaultWaitMs = 20_000 }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger));
  app.use(healthRouter(core));
  app.use(express.json({ limit: '1mb' }));
  app.use('/v1', v1Router({ core, keys, logger, defaultWaitMs }));
  app.use('/agents/hitl', aipRouter({ core, keys, logger }));
  app.use(notFoundRoute());
  app.use(errorBoundary(logger));
  return app;
}
