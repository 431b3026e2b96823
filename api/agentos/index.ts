import { Router, type ErrorRequestHandler } from 'express';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import { RouteTable, type FaceOptions } from '../route';
import type { UpgradeHandler } from '../server';
import type { StreamRegistry } from '../streaming/registry';
import { approvalRoutes } from './approvals';
import { componentRoutes } from './components';
import { formBody } from './form';
import { agentOsAuth, agentOsErrors, agentOsNotFound, invalidRequest } from './http';
import { LayoutCache } from './layout';
import { runRoutes } from './runs';
import { sessionRoutes } from './sessions';
import { workflowRoutes } from './workflows';
import { createAgentOsWs } from './ws';

export interface AgentOsOptions {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  registry: StreamRegistry;
  heartbeatMs: number;
  defaultWaitMs: number;
  /** Tests: check every answer against its declared schema. */
  checkResponse?: FaceOptions['checkResponse'];
}

/** The paths AgentOS serves; everything else falls through to the app's other routes. */
const PATHS = ['/config', '/workflows', '/sessions', '/approvals', '/components'];

/** One layout cache per gateway, shared by the HTTP routes and the socket. */
const caches = new WeakMap<Core, LayoutCache>();
const layoutsFor = (core: Core): LayoutCache => {
  let cache = caches.get(core);
  if (!cache) caches.set(core, (cache = new LayoutCache(core)));
  return cache;
};

/** Agno AgentOS' face (seeds 000 and 003), mounted at the root: `/config`, `/workflows…`, `/sessions…`, `/approvals…`, `/components…`. */
export function agentOsTable(options: AgentOsOptions): RouteTable {
  const { core, keys, checkResponse } = options;
  const layouts = layoutsFor(core);
  const table = new RouteTable({
    name: 'agentos',
    description: "Agno AgentOS' workflow API (seeds 000 and 003): workflows, runs over forms and SSE, HITL continue, sessions, approvals, components",
    basePath: '',
    auth: agentOsAuth(keys),
    security: {
      scheme: 'bearer',
      description: "The OS security key, as Agno's client sends it: `Authorization: Bearer <key>` (the bare key in `Authorization`, or `X-API-Key: <key>`, also work)",
    },
    invalid: invalidRequest,
    ...(checkResponse ? { checkResponse } : {}),
  });
  workflowRoutes(table, core);
  runRoutes(table, options, layouts);
  sessionRoutes(table, core, layouts);
  approvalRoutes(table, core, layouts);
  componentRoutes(table, core);
  return table;
}

/**
 * The table as a router, mounted at the root last: form routes read their form first, paths outside
 * AgentOS' fall through to the app, and AgentOS' own unknown paths answer as FastAPI does. Its error
 * handler sits beside the router, so it also answers for what failed before it (a body that is not JSON).
 */
export function agentOsRouter(table: RouteTable, logger: Logger): [Router, ErrorRequestHandler] {
  const router = Router();
  for (const route of table.routes) if (route.bodyType === 'form') router[route.method](route.path, ...formBody());
  router.use(table.router());
  router.use(PATHS, ...(table.options.auth ? [table.options.auth] : []), agentOsNotFound);
  const errors = agentOsErrors(logger);
  const onOwnPaths: ErrorRequestHandler = (err, req, res, next) => (PATHS.some((p) => req.path === p || req.path.startsWith(`${p}/`)) ? errors(err, req, res, next) : next(err));
  return [router, onOwnPaths];
}

/** AgentOS' WebSocket at `/workflows/ws`. */
export function agentOsWebSocket(options: AgentOsOptions): UpgradeHandler | undefined {
  return createAgentOsWs(options, layoutsFor(options.core));
}
