import express, { type Express } from 'express';
import type { Core } from '../src/core';
import type { Logger } from '../src/logger';
import { errorBoundary, notFoundRoute } from './errors';
import { healthRouter } from './health';
import { requestLog } from './request-log';
import { v1Router } from './v1/routes';

export interface AppOptions {
  core: Core;
  logger: Logger;
  /** How long start and resume wait for the next pause when the request gives no `wait`. @default 20s */
  defaultWaitMs?: number;
}

/** The REST gateway: thin adapters over the core, one error boundary, no state of its own. */
export function createApp({ core, logger, defaultWaitMs = 20_000 }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLog(logger));
  app.use(healthRouter(core));
  app.use(express.json({ limit: '1mb' }));
  app.use('/v1', v1Router({ core, defaultWaitMs }));
  app.use(notFoundRoute());
  app.use(errorBoundary(logger));
  return app;
}
