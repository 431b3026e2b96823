import { Router, type ErrorRequestHandler } from 'express';
import { authenticate } from '../auth';
import { agentRoutes } from './agents';
import { decisionRoutes } from './decisions';
import { m8tesErrors, m8tesNotFound } from './errors';
import type { M8tesOptions } from './options';
import { policyRoutes } from './policies';
import { runRoutes } from './runs';
import { webhookRoutes } from './webhooks';

export type { M8tesOptions } from './options';

/** Where the face is mounted when nothing else is said: m8tes' own base path, so `base_url` ends in it. */
export const DEFAULT_M8TES_PREFIX = '/api/v2';

/**
 * Seed 004, m8tes: runs with `human_in_the_loop` and `permission_mode`, their gates (`/permissions`,
 * `/approve`, `/answer`, `/permission-mode`), streams, agents (holdpoint's workflows), tool
 * pre-approvals (`/permissions/`) and webhooks, mounted under a prefix (`base_url = http://host/api/v2`).
 * Collection routes answer with and without their trailing slash. Ids are integers: stable aliases of
 * holdpoint's string ids. Errors use m8tes' envelope with its codes in `details.error_code`.
 */
export function m8tesFace(options: M8tesOptions): [Router, ErrorRequestHandler] {
  // The error boundary is also mounted beside the router: errors of the app's body parser skip routers.
  return [m8tesRouter(options), m8tesErrors(options.logger)];
}

function m8tesRouter(options: M8tesOptions): Router {
  const router = Router();
  router.use(authenticate(options.keys));
  router.use(runRoutes(options));
  router.use(decisionRoutes(options));
  router.use(agentRoutes(options));
  router.use(policyRoutes(options));
  router.use(webhookRoutes(options));
  router.use(m8tesNotFound);
  router.use(m8tesErrors(options.logger));
  return router;
}
