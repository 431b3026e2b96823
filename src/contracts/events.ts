import { z } from 'zod';

/** Every kind of event a run records, in the order they usually happen. */
export const RunEventType = z.enum([
  'run_started',
  'step_started',
  'step_completed',
  'step_failed',
  'step_skipped',
  'branch_taken',
  /** An agent step's model answered with text (its content; tool calls follow as tool_started). */
  'agent_message',
  'tool_started',
  'tool_completed',
  'paused',
  'reminded',
  'escalated',
  'voted',
  'decided',
  'decision_rejected',
  'timed_out',
  'cancel_requested',
  /** The run's permission mode changed (and, switching to autonomous, the gates it allowed). */
  'permission_mode_changed',
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

/** An event as the live feeds (SSE, WebSocket) carry it: the run's event, and which run it belongs to. */
export const FeedEvent = RunEvent.extend({
  run_id: z.string(),
  workflow: z.string(),
});
export type FeedEvent = z.infer<typeof FeedEvent>;

/**
 * An event on the cross-run feed: what the filters need (workflow, customer, the assignees of the pause
 * it concerns, as `user:<id>` / `group:<id>` / `*`) and its position on the bus.
 */
export const BusEvent = FeedEvent.extend({
  customer: z.string().optional(),
  assignees: z.array(z.string()).optional(),
});
export type BusEvent = z.infer<typeof BusEvent>;
