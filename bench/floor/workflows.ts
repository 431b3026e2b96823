import { condition, defineUpdate, proxyActivities, proxyLocalActivities, setHandler, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';

/**
 * The floor: the smallest Temporal workflow of a holdpoint run's shape — an activity, a pause that
 * an update ends, the next activity, the next pause. No definition, no state, no audit, no
 * notifications: what Temporal itself costs for the same round trips. The bench reports holdpoint's
 * figures as ratios to this one's, measured side by side on the same server and worker process.
 *
 * With `calls`, the floor also makes the Temporal calls holdpoint's guarantees rest on, one by one,
 * and nothing else: what each costs before any of holdpoint's own code runs.
 */

export type FloorStatus = 'running' | 'paused' | 'done';
export const floorAwaitPaused = defineUpdate<FloorStatus>('floorAwaitPaused');
export const floorDecide = defineUpdate<FloorStatus, [string]>('floorDecide');

/** Every call below: the floor as holdpoint's guarantees shape it. */
export const HOLDPOINT_CALLS: FloorCalls = { notify: true, visibility: true, waitTimer: true };

export interface FloorCalls {
  /** A local activity at each pause, as holdpoint's notify (webhooks, Slack, the live feed). */
  notify?: boolean;
  /** Search attributes and memo written at each pause and each decision, as holdpoint's inbox needs. */
  visibility?: boolean;
  /** Each update's wait bounded by a timer, as holdpoint's `wait_ms`. */
  waitTimer?: boolean;
}

const WAIT_MS = 30_000;

const { floorWork } = proxyActivities<{ floorWork(step: number): Promise<{ step: number; category: string }> }>({ startToCloseTimeout: '30s' });
const { floorNotify } = proxyLocalActivities<{ floorNotify(step: number): Promise<void> }>({ startToCloseTimeout: '30s' });

export async function floorRun(pauses: number, calls: FloorCalls = {}): Promise<number> {
  let status: FloorStatus = 'running';
  // Pauses reached so far, and decisions taken.
  let reached = 0;
  let decided = 0;
  const settled = (done: () => boolean) => (calls.waitTimer ? condition(done, WAIT_MS) : condition(done));
  const show = () => {
    if (!calls.visibility) return;
    upsertSearchAttributes({ HoldpointStatus: [status] });
    upsertMemo({ status, reached });
  };
  setHandler(floorAwaitPaused, async () => {
    await settled(() => status !== 'running');
    return status;
  });
  setHandler(floorDecide, async () => {
    decided++;
    const target = decided + 1;
    status = 'running';
    show();
    await settled(() => reached >= target || status === 'done');
    return status;
  });
  for (let i = 0; i < pauses; i++) {
    await floorWork(i);
    reached++;
    status = 'paused';
    show();
    if (calls.notify) await floorNotify(i);
    await condition(() => decided > i);
  }
  await floorWork(pauses);
  status = 'done';
  show();
  if (calls.notify) await floorNotify(pauses);
  return decided;
}
