import { z } from 'zod';

/** The longest a caller may ask a decision or start to wait for the run's next pause or its end. */
export const MAX_WAIT_MS = 300_000;

export const WaitMs = z.number().int().min(0).max(MAX_WAIT_MS);

/**
 * A decision on a pending pause, as sent to the `decide` update or signal. Name the pause by
 * `request_id` or by `step` (enough while the run has one pause). Senders over Temporal set `by`
 * themselves; the gateway always sets it from the authenticated caller.
 */
export const DecisionRequest = z
  .strictObject({
    request_id: z.string().min(1).optional(),
    step: z.string().min(1).optional(),
    /** The chosen option, or the input value for an `input` pause. */
    value: z.custom<unknown>((v) => v !== undefined, { error: 'is required' }),
    comment: z.string().max(4_000).optional(),
    by: z.string().min(1).max(200).optional(),
    /** Repeating a decision with the same key returns the first outcome. */
    idempotency_key: z.string().min(1).max(200).optional(),
    /** Update only: how long to wait for the run's next pause or its end before answering. @default 0 */
    wait_ms: z.number().int().min(0).max(MAX_WAIT_MS).optional(),
  })
  .refine((d) => d.request_id !== undefined || d.step !== undefined, {
    message: 'name the pause with "request_id" or "step"',
    path: ['step'],
  });
export type DecisionRequest = z.infer<typeof DecisionRequest>;

/** Ask the run for its state once it has reached a pause or its end. */
export const AwaitSettledRequest = z.strictObject({ wait_ms: WaitMs });
export type AwaitSettledRequest = z.infer<typeof AwaitSettledRequest>;

/** Record who cancels a run and why, before the Temporal cancellation itself. */
export const CancelRequest = z.strictObject({
  by: z.string().min(1).max(200).optional(),
  reason: z.string().max(4_000).optional(),
});
export type CancelRequest = z.infer<typeof CancelRequest>;

export const EventsQuery = z.strictObject({
  after: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
});
export type EventsQuery = z.infer<typeof EventsQuery>;
