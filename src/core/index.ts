import type { Client } from '@temporalio/client';
import type { DefinitionCatalog } from '../catalog/registry';
import type { Principal } from '../contracts/principal';
import type { AuditEntry } from '../contracts/run';
import type { DeliverySettings } from '../contracts/webhook-messages';
import { TargetPolicy } from '../webhooks/targets';
import { Approvals } from './approvals';
import { listAudit, type AuditListParams } from './audit';
import { authorize } from './authorize';
import { CrossRunFeed } from './cross-run-feed';
import { Definitions } from './definitions';
import { RunFeed } from './event-feed';
import { Policies } from './policies';
import { listRuns, type ListRunsParams, type RunPage } from './listing';
import { RunService, type RunServiceOptions } from './runs';
import { WebhookService } from './webhooks';

export type { ListRunsParams, RunPage } from './listing';
export type { DecisionInput, StartRunParams, StartRunResult } from './runs';
export type { BulkItem, BulkResult, InboxParams, InboxPage } from './approvals';
export type { AuditListParams } from './audit';
export type { CrossRunFilter, CrossRunItem } from './cross-run-feed';
export type { ListedDefinition, ResolvedDefinition } from './definitions';
export type { PolicyScopeFilter } from './policies';
export { parseRequestId } from './ids';

/** Settings of the live parts: the event feeds and webhooks. */
export interface LiveOptions {
  /** Partitions of the cross-run event bus (the workers publish with the same number). @default 2 */
  busPartitions?: number;
  /** HOLDPOINT_SECRET_KEY; webhooks cannot be created without it. */
  secretKey?: string | undefined;
  /** Hosts webhooks may reach although private (HOLDPOINT_WEBHOOK_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
  /** The workers' delivery retry policy (a redelivery may start a delivery workflow). */
  delivery?: DeliverySettings;
  /** How long the gateway's listener lease on the cross-run feed lasts (tests shorten it). */
  leaseMs?: number;
}

export interface CoreOptions extends RunServiceOptions {
  live?: LiveOptions;
}

/** The one core every REST face adapts: runs, approvals, audit, feeds, webhooks and the definition catalog. */
export interface Core {
  runs: RunService;
  approvals: Approvals;
  listRuns(params: ListRunsParams, actor: Principal): Promise<RunPage>;
  listAudit(params: AuditListParams, actor: Principal): Promise<{ entries: AuditEntry[]; next_cursor: string | null }>;
  /** Live events of one run (one watcher per run, shared). */
  feed: RunFeed;
  /** Live notable events of every run. */
  crossRun: CrossRunFeed;
  webhooks: WebhookService;
  /** Definitions loaded at start-up and registered at runtime. */
  definitions: Definitions;
  /** Tool pre-approvals per end user and account (permission mode `approval`). */
  policies: Policies;
  catalog: DefinitionCatalog;
  client: Client;
  taskQueue: string;
  /** Temporal answers and a worker polls the task queue. */
  readiness(): Promise<{ temporal: boolean; workers: number }>;
  /** Stops the feeds' watchers and drops the cross-run lease (gateway shutdown). */
  close(): Promise<void>;
}

const DEFAULT_DELIVERY: DeliverySettings = { initial_interval_ms: 2_000, maximum_interval_ms: 3_600_000, give_up_after_ms: 86_400_000 };

export function createCore(options: CoreOptions): Core {
  const { client, catalog, taskQueue, logger } = options;
  const readTimeoutMs = options.readTimeoutMs ?? 5_000;
  const live = options.live ?? {};
  const definitions = new Definitions({ client, taskQueue, catalog, readTimeoutMs, ...(options.clock ? { clock: options.clock } : {}) });
  const runs = new RunService({ ...options, resolveDefinition: (name, version) => definitions.resolve(name, version) });
  const feed = new RunFeed({ client, readTimeoutMs, logger: logger.child({ component: 'run-feed' }) });
  const crossRun = new CrossRunFeed({
    client,
    taskQueue,
    partitions: live.busPartitions ?? 2,
    readTimeoutMs,
    logger: logger.child({ component: 'cross-run-feed' }),
    ...(live.leaseMs ? { leaseMs: live.leaseMs } : {}),
  });
  const webhooks = new WebhookService({
    client,
    taskQueue,
    secretKey: live.secretKey,
    targets: new TargetPolicy(live.allowedHosts ?? []),
    delivery: live.delivery ?? DEFAULT_DELIVERY,
    readTimeoutMs,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return {
    runs,
    approvals: new Approvals(client, runs, taskQueue),
    listRuns: (params, actor) => {
      authorize(actor, 'read');
      return listRuns(client, taskQueue, params);
    },
    listAudit: (params, actor) => listAudit(client, taskQueue, runs, params, actor),
    feed,
    crossRun,
    webhooks,
    definitions,
    policies: new Policies(client, taskQueue),
    catalog,
    client,
    taskQueue,
    readiness: async () => {
      try {
        const { pollers } = await client.withDeadline(Date.now() + 3_000, () =>
          client.workflowService.describeTaskQueue({
            namespace: client.options.namespace,
            taskQueue: { name: taskQueue },
            taskQueueType: 1, // workflow task queue
          }),
        );
        return { temporal: true, workers: pollers?.length ?? 0 };
      } catch {
        return { temporal: false, workers: 0 };
      }
    },
    close: async () => {
      await Promise.all([feed.close(), crossRun.close()]);
    },
  };
}
