import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { getRefusalsQuery, recordRefusalSignal, type RefusalRecord } from '../contracts/messages';
import type { AuditEntry } from '../contracts/run';
import { digestOf } from '../lib/digest';

/** How long a refusal log waits for another refusal before it closes (its result keeps the entries). */
const IDLE = '30d';

export interface RefusalsInput {
  run_id: string;
  /** Carried by continue-as-new. */
  entries?: AuditEntry[];
}

/**
 * A run's refusal log: decisions the run refused. An update refused by its validator leaves no trace in
 * the run's history (that is the point), so the gateway records the attempt here, hash-chained like the
 * run's own audit trail. Started on the first refusal with signal-with-start.
 */
export async function holdpointRefusals(input: RefusalsInput): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = input.entries ?? [];
  setHandler(
    recordRefusalSignal,
    (refusal: RefusalRecord) => {
      const previous = entries[entries.length - 1];
      const entry: Omit<AuditEntry, 'hash'> = {
        seq: entries.length + 1,
        at: new Date().toISOString(),
        type: 'refused',
        run_id: input.run_id,
        chain: 'refusals',
        ...(refusal.request_id ? { request_id: refusal.request_id } : {}),
        ...(refusal.step ? { step: refusal.step } : {}),
        ...(refusal.by ? { by: refusal.by } : {}),
        ...(refusal.value !== undefined ? { value: refusal.value } : {}),
        ...(refusal.comment ? { comment: refusal.comment } : {}),
        channel: refusal.channel,
        data: { ...refusal.reason },
        prev_hash: previous?.hash ?? null,
      };
      entries.push({ ...entry, hash: digestOf(entry) } as AuditEntry);
    },
    { description: 'Record a refused decision: {channel, reason: {type, message}, by?, request_id?, step?, value?, comment?}.' },
  );
  setHandler(getRefusalsQuery, () => entries, { description: 'The refusal log, hash-chained.' });

  for (;;) {
    const seen = entries.length;
    const active = await condition(() => entries.length > seen || workflowInfo().continueAsNewSuggested, IDLE, { summary: 'idle: closes when no refusal arrives for a while' });
    if (!active) break;
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof holdpointRefusals>({ run_id: input.run_id, entries });
    }
  }
  await condition(allHandlersFinished);
  return entries;
}
