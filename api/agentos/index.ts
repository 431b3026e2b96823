import { Router } from 'express';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import type { UpgradeHandler } from '../server';
import type { StreamRegistry } from '../streaming/registry';

export interface AgentOsOptions {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  registry: StreamRegistry;
  heartbeatMs: number;
  defaultWaitMs: number;
}

/** Agno AgentOS' face (seeds 000 and 003), mounted at the root: `/config`, `/workflows…`, `/sessions…`, `/approvals…`, `/components…`. */
export function agentOsRouter(_options: AgentOsOptions): Router {
  return Router();
}

/** AgentOS' WebSocket at `/workflows/ws`. */
export function agentOsWebSocket(_options: AgentOsOptions): UpgradeHandler | undefined {
  return undefined;
}
