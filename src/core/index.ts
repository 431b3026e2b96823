import type { Client } from '@temporalio/client';
import type { DefinitionCatalog } from '../catalog/registry';
import { listRuns, type ListRunsParams, type RunPage } from './listing';
import { RunService, type RunServiceOptions } from './runs';

export type { ListRunsParams, RunPage } from './listing';
export type { StartRunParams, StartRunResult } from './runs';
export { parseRequestId } from './runs';

/** The one core every REST face adapts: runs, their listing, and the definition catalog. */
export interface Core {
  runs: RunService;
  listRuns(params: ListRunsParams): Promise<RunPage>;
  catalog: DefinitionCatalog;
  client: Client;
  taskQueue: string;
  /** Temporal answers and a worker polls the task queue. */
  readiness(): Promise<{ temporal: boolean; workers: number }>;
}

export function createCore(options: RunServiceOptions): Core {
  const { client, catalog, taskQueue } = options;
  return {
    runs: new RunService(options),
    listRuns: (params) => listRuns(client, params),
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
