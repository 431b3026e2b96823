import type { ErrorRequestHandler, Router } from 'express';
import type { Logger } from '../../src/logger';
import { authenticate } from '../auth';
import { RouteTable } from '../route';
import { agentRoutes } from './agents';
import { decisionRoutes } from './decisions';
import { invalidM8tesRequest, m8tesErrors, m8tesNotFound } from './errors';
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
 * Collection routes are declared as m8tes' SDK calls them (`/runs/`) and, Express routing being
 * non-strict, answer without the slash too. Ids are integers: stable aliases of holdpoint's string ids.
 * Errors use m8tes' envelope with its codes in `details.error_code`.
 */
export function m8tesTable(options: M8tesOptions): RouteTable {
  const { checkResponse } = options;
  const table = new RouteTable({
    name: 'm8tes',
    description:
      "m8tes' API (seed 004) as its SDK calls it: runs with human_in_the_loop and permission_mode (integer ids, SSE), their gates, agents, tool pre-approvals and webhooks. Errors: `{error: {type, message, code, request_id, details: {error_code}}}`",
    basePath: options.prefix ?? DEFAULT_M8TES_PREFIX,
    auth: authenticate(options.keys),
    security: { scheme: 'bearer', description: "An API key as m8tes' SDK sends it: `Authorization: Bearer <key>` (`X-API-Key: <key>` works too)" },
    invalid: invalidM8tesRequest,
    ...(checkResponse ? { checkResponse } : {}),
  });
  runRoutes(table, options);
  decisionRoutes(table, options);
  agentRoutes(table, options);
  policyRoutes(table, options);
  webhookRoutes(table, options);
  return table;
}

/**
 * The table as mounted: its router (unknown paths answered in m8tes' envelope), and the error boundary
 * again beside it, since errors of the app's body parser skip routers.
 */
export function m8tesFace(table: RouteTable, logger: Logger): [Router, ErrorRequestHandler] {
  const router = table.router();
  router.use(m8tesNotFound);
  router.use(m8tesErrors(logger));
  return [router, m8tesErrors(logger)];
}
