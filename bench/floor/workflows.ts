import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

/**
 * The floor: the smallest Temporal workflow of a holdpoint run's shape — an activity, a pause that
 * an update ends, the next activity, the next pause. No definition, no state, no audit, no
 * notifications: what Temporal itself costs for the same round trips. The bench reports holdpoint's
 * figures as ratios to this one's, measured side by side on the same server and worker process.
 */

export type FloorStatus = 'running' | 'paused' | 'done';
export const floorAwaitPaused = defineUpdate<FloorStatus>('floorAwaitPaused');
export const floorDecide = defineUpdate<FloorStatus, [string]>('floorDecide');

const { floorWork } = proxyActivities<{ floorWork(step: number): Promise<{ step: number; category: string }> }>({ startToCloseTimeout: '30s' });

export async function floorRun(pauses: number): Promise<number> {
  let status: FloorStatus = 'running';
  // Pauses reached so far, and decisions taken.
  let reached = 0;
  let decided = 0;
  setHandler(floorAwaitPaused, async () => {
    await condition(() => status !== 'running');
    return status;
  });
  setHandler(floorDecide, async () => {
    decided++;
    const target = decided + 1;
    status = 'running';
    await condition(() => reached >= target || status === 'done');
    return status;
  });
  for (let i = 0; i < pauses; i++) {
    await floorWork(i);
    reached++;
    status = 'paused';
    await condition(() => decided > i);
  }
  await floorWork(pauses);
  status = 'done';
  return decided;
}
