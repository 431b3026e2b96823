import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { publishSignal, readBusQuery, type BusEntry, type BusInput } from '../contracts/event-bus';

/** Entries kept for readers catching up (what continue-as-new carries: about 400 bytes each). */
const RETAIN = 2_000;
/** Runs remembered for dropping a repeated publish (a retried notify activity). */
const REMEMBERED_RUNS = 5_000;
const HISTORY_LIMIT = 2_000;
const PAGE = 500;

/**
 * One partition of the cross-run event bus: numbers what runs publish and keeps the newest entries
 * for gateways to read. A retried publish (same run, same sequence number) is dropped.
 */
export async function holdpointEventBus(input: BusInput): Promise<never> {
  let head = input.carried?.head ?? 0;
  let entries: BusEntry[] = input.carried?.entries ?? [];
  // Insertion-ordered, so the oldest run is the first key to forget.
  const lastSeq: Record<string, number> = input.carried?.last_seq ?? {};
  let remembered = Object.keys(lastSeq).length;

  setHandler(
    publishSignal,
    (events) => {
      for (const event of events) {
        if ((lastSeq[event.run_id] ?? 0) >= event.seq) continue;
        if (lastSeq[event.run_id] === undefined) remembered += 1;
        lastSeq[event.run_id] = event.seq;
        head += 1;
        entries.push({ ...event, offset: head });
      }
      if (entries.length > RETAIN) entries = entries.slice(entries.length - RETAIN);
      if (remembered > REMEMBERED_RUNS) {
        for (const key of Object.keys(lastSeq).slice(0, remembered - REMEMBERED_RUNS)) delete lastSeq[key];
        remembered = REMEMBERED_RUNS;
      }
    },
    { description: 'Append notable run events: [{run_id, workflow, seq, type, ...}].' },
  );
  setHandler(
    readBusQuery,
    ({ after, limit }) => {
      const oldest = entries[0]?.offset ?? head + 1;
      const start = Math.max(0, after - oldest + 1);
      return { events: entries.slice(start, start + Math.min(limit ?? PAGE, PAGE)), head, oldest };
    },
    { description: 'Entries after an offset: {"after": 0, "limit": 500}.' },
  );

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT);
  await condition(allHandlersFinished);
  return continueAsNew<typeof holdpointEventBus>({ partition: input.partition, carried: { head, entries, last_seq: lastSeq } });
}
