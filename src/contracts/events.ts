import { z } from 'zod';

/** Every kind of event a run records, in the order they usually happen. */
export const RunEventType = z.enum([
  'run_started',
  'step_started',
  'step_completed',
  'step_failed',
  'step_skipped',
  'branch_taken',
  'paused',
  'reminded',
  'escalated',
  'voted',
  'decided',
  'decision_rejected',
  'timed_out',
  'cancel_requested',
  'continued_as_new',
  'run_completed',
  'run_failed',
  'run_cancelled',
]);
export type RunEventType = z.infer<typeof RunEventType>;

/** One entry of a run's append-only, numbered event log (the source for streams and webhooks). */
export const RunEvent = z.object({
  /** 1, 2, 3... per run, never reused, kept across continue-as-new. */
  seq: z.number().int().positive(),
  at: z.string(),
  type: RunEventType,
  step: z.string().optional(),
  request_id: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;
