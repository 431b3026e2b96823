import type { Client } from '@temporalio/client';
import type { DefinitionCatalog } from '../catalog/registry';
import type { Principal } from '../contracts/principal';
import type { AuditEntry } from '../contracts/run';
import { Approvals } from './approvals';
import { listAudit, type AuditListParams } from './audit';
import { authorize } from './authorize';
import { listRuns, type ListRunsParams, type RunPage } from './listing';
import { RunService, type RunServiceOptions } from './runs';

export type { ListRunsParams, RunPage } from './listing';
export type { DecisionInput, StartRunParams, StartRunResult } from './runs';
export type { BulkItem, BulkResult, InboxParams, InboxPage } from './approvals';
export type { AuditListParams } from './audit';
export { parseRequestId } from './ids';

/** The one core every REST face adapts: runs, approvals, audit, and the definition catalog. */
export interface Core {
  runs: RunService;
  approvals: Approvals;
  listRuns(params: ListRunsParams, actor: Principal): Promise<RunPage>;
  listAudit(params: AuditListParams, actor: Principal): Promise<{ entries: AuditEntry[]; next_cursor: string | null }>;
  catalog: DefinitionCatalog;
  client: Client;
  taskQueue: string;
  /** Temporal answers and a worker polls the task queue. */
  readiness(): Promise<{ temporal: boolean; workers: number }>;
}

export function createCore(options: RunServiceOptions): Core {
  const { client, catalog, taskQueue } = options;
  const runs = new RunService(options);
  return {
    runs,
    approvals: new Approvals(client, runs),
    listRuns: (params, actor) => {
      authorize(actor, 'read');
      return listRuns(client, params);
    },
    listAudit: (params, actor) => listAudit(client, runs, params, actor),
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
  };
}
