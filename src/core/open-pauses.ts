import type { Client } from '@temporalio/client';
import { runsClauses, visiblePage } from './visibility';

/** Paused runs read per count at most; past it the count is a floor (and says so). */
const MAX_RUNS = 10_000;
const PAGE = 1_000;

export interface OpenPauses {
  /** Pending pauses by workflow and step. */
  counts: { workflow: string; step: string; open: number }[];
  /** More paused runs than were read. */
  truncated: boolean;
}

/**
 * Pauses waiting for a decision now, by workflow and step, across the task queue's paused runs: from
 * visibility and the runs' memos (with every pending pause: see `visiblePage`).
 */
export async function countOpenPauses(client: Client, taskQueue: string): Promise<OpenPauses> {
  const clauses = [...runsClauses(taskQueue), `ExecutionStatus = 'Running'`, 'HoldpointPending = true'];
  const counts = new Map<string, { workflow: string; step: string; open: number }>();
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await visiblePage(client, clauses, PAGE, cursor);
    for (const run of page.runs) {
      for (const pause of run.memo?.pauses ?? []) {
        if (pause.status !== 'pending') continue;
        const workflow = run.memo!.workflow;
        const key = `${workflow}\u0000${pause.step}`;
        const entry = counts.get(key) ?? { workflow, step: pause.step, open: 0 };
        entry.open += 1;
        counts.set(key, entry);
      }
    }
    read += page.runs.length;
    cursor = page.next_cursor ?? undefined;
  } while (cursor && read < MAX_RUNS);
  return { counts: [...counts.values()], truncated: cursor !== undefined };
}
