import { Router } from 'express';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { Core } from '../../src/core';
import { authenticate } from '../auth';
import { errorBoundary, notFoundRoute } from '../errors';
import type { Logger } from '../../src/logger';
import { approvalRoutes } from './approvals';
import { auditRoutes } from './audit';
import { eventRoutes, type LiveRouteOptions } from './events';
import { policyRoutes } from './policies';
import { runRoutes } from './runs';
import { webhookRoutes } from './webhooks';
import { workflowRoutes } from './workflows';

export interface V1Options {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  /** Wait for the next pause or the end when a request gives no `wait`. */
  defaultWaitMs: number;
  live: LiveRouteOptions;
}

/** Holdpoint's own face, in seed 002's (Reminix) shapes, plus the approvals inbox and audit. */
export function v1Router({ core, keys, logger, defaultWaitMs, live }: V1Options): Router {
  const router = Router();
  router.use(authenticate(keys));
  router.use(runRoutes(core, defaultWaitMs, live));
  router.use(eventRoutes(core, live));
  router.use(webhookRoutes(core));
  router.use(approvalRoutes(core, defaultWaitMs));
  router.use(auditRoutes(core));
  router.use(workflowRoutes(core));
  router.use(policyRoutes(core));
  router.use(notFoundRoute());
  router.use(errorBoundary(logger));
  return router;
}
