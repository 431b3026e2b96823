import { Router } from 'express';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import type { UpgradeHandler } from '../server';
import type { StreamRegistry } from '../streaming/registry';
import { approvalRoutes } from './approvals';
import { componentRoutes } from './components';
import { formParsers } from './form';
import { agentOsAuth, agentOsErrors, agentOsNotFound } from './http';
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
export function agentOsRouter(options: AgentOsOptions): Router {
  const layouts = layoutsFor(options.core);
  const router = Router();
  router.use(PATHS, agentOsAuth(options.keys), ...formParsers());
  router.use(workflowRoutes(options.core));
  router.use(runRoutes(options, layouts));
  router.use(sessionRoutes(options.core, layouts));
  router.use(approvalRoutes(options.core, layouts));
  router.use(componentRoutes(options.core));
  router.use(PATHS, agentOsNotFound);
  router.use(PATHS, agentOsErrors(options.logger));
  return router;
}

/** AgentOS' WebSocket at `/workflows/ws`. */
export function agentOsWebSocket(options: AgentOsOptions): UpgradeHandler | undefined {
  return createAgentOsWs(options, layoutsFor(options.core));
}
