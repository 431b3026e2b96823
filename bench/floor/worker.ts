import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';

export const FLOOR_TASK_QUEUE = 'bench-floor';

/** A worker for the floor workflow, in the bench's process beside holdpoint's (same connection, same CPU). */
export async function startFloorWorker(connection: NativeConnection, namespace: string): Promise<{ worker: Worker; running: Promise<void> }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m), log: () => undefined },
  });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue: FLOOR_TASK_QUEUE,
    workflowBundle: { code },
    activities: { floorNotify: async () => undefined, floorWork: async (step: number) => Promise.resolve({ step, category: step % 2 === 0 ? 'enterprise' : 'smb' }) },
  });
  return { worker, running: worker.run() };
}
