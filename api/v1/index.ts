import type { Router } from 'express';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import { authenticate } from '../auth';
import { errorBoundary, notFoundRoute } from '../errors';
import { RouteTable, type FaceOptions } from '../route';
import { invalidRequest } from '../validate';
import { approvalRoutes } from './approvals';
import { auditRoutes } from './audit';
import { eventRoutes, type LiveRouteOptions } from './events';
import { policyRoutes } from './policies';
import { runRoutes } from './runs';
import { webhookRoutes } from './webhooks';
import { workflowRoutes } from './workflows';

export { V1_ERRORS } from './errors';

export interface V1Options {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  /** Wait for the next pause or the end when a request gives no `wait`. */
  defaultWaitMs: number;
  live: LiveRouteOptions;
  /** Tests: check every answer against its declared schema. */
  checkResponse?: FaceOptions['checkResponse'];
}


/** Holdpoint's own face, in seed 002's (Reminix) shapes, plus the approvals inbox, audit, webhooks, definitions and policies. */
export function v1Table({ core, keys, defaultWaitMs, live, checkResponse }: Omit<V1Options, 'logger'>): RouteTable {
  const table = new RouteTable({
    name: 'v1',
    description: "holdpoint's own API: runs (seed 002's Reminix shapes), approvals, audit, live events, webhooks, definitions, tool policies",
    basePath: '/v1',
    auth: authenticate(keys),
    security: { scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>` (or `X-API-Key: <key>`)' },
    invalid: invalidRequest,
    ...(checkResponse ? { checkResponse } : {}),
  });
  runRoutes(table, core, defaultWaitMs, live);
  eventRoutes(table, core, live);
  approvalRoutes(table, core, defaultWaitMs);
  auditRoutes(table, core);
  webhookRoutes(table, core);
  workflowRoutes(table, core);
  policyRoutes(table, core);
  return table;
}

export function v1Router(table: RouteTable, logger: Logger): Router {
  const router = table.router();
  router.use(notFoundRoute());
  router.use(errorBoundary(logger));
  return router;
}
