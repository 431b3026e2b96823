/**
 * Markers: a no-op local activity a run calls so something that changes nothing else is still visible
 * in its history, under a summary the Web UI shows (a refused `decide` signal, why a run was
 * cancelled). Its result (the input) is the marker's recorded details. Zod-free.
 */
export const MARK_ACTIVITY = '__holdpoint_mark';

export interface MarkInput {
  kind: 'decision_refused' | 'cancelled';
  /** The one line the Web UI shows beside the event. */
  summary: string;
  data: Record<string, unknown>;
}

export type MarkActivities = { [MARK_ACTIVITY]: (input: MarkInput) => Promise<MarkInput> };
