import { z } from 'zod';
import { PERMISSION_MODES } from './interaction';
import { MAX_WAIT_MS, nullMeansAbsent } from './message-rules';

// The rules' zod-free half (the workflow uses it without loading zod).
export { alreadyDecided, idempotencyConflict, MAX_WAIT_MS, nullMeansAbsent, sameComment, type DecisionRefusal } from './message-rules';

/** A pause's digest as it shows it: what a decision binds to. */
export const Digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be a digest as the pause shows it ("sha256:<64 hex>")');

export const WaitMs = z.number().int().min(0).max(MAX_WAIT_MS);

/** Group names are stored bare; `group:sales-ops` (the assignee spelling) is taken as `sales-ops`. */
const GroupName = z
  .string()
  .min(1)
  .max(200)
  .refine((g) => !g.startsWith('user:'), { message: 'is a principal ("user:…"): name the decider in "by"; groups are group names' })
  .transform((g) => g.replace(/^group:/, ''));

/** The field and words for a message that failed its schema: unknown fields by name. */
export function describeIssue(issue: z.core.$ZodIssue, fields: readonly string[]): { field: string; message: string } {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return { field: issue.keys[0] ?? 'body', message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}; this message takes ${fields.join(', ')}` };
  }
  const field = issue.path.join('.') || 'body';
  return { field, message: `${field}: ${issue.message}` };
}

/**
 * A decision on a pending pause, as sent to the `decide` update or signal. Name the pause by
 * `request_id` or by `step` (enough while the run has one pause). Senders over Temporal set `by`
 * themselves; the gateway always sets it from the authenticated caller.
 */
export const DecisionFields = z
  .strictObject({
    request_id: z.string().min(1).optional(),
    step: z.string().min(1).optional(),
    /**
     * The chosen option; the value of an `input` step; `{"<question>": "<answer>"}` for a `question`
     * step; `"approve"`, `"reject"` or `{"edit": <output>}` for an `output_review` step.
     */
    value: z.unknown().optional(),
    /** `skip`: skip the step instead of deciding it (only where the step allows skipping). */
    action: z.literal('skip').optional(),
    comment: z.string().max(4_000).optional(),
    /** Who decides. The gateway sets it from the authenticated caller; other senders name themselves. */
    by: z.string().min(1).max(200).optional(),
    /** The decider's groups, matched against `group:` assignees (set by the gateway); bare or `group:`-prefixed. */
    groups: z.array(GroupName).max(200).transform((groups) => [...new Set(groups)]).optional(),
    /**
     * The pause's `digest` as the decider saw it; refused if the pause now shows something else.
     * Without it the decision counts for what the pause shows when it lands (an edit of an output
     * review with several approvers changes that while the pause waits).
     */
    digest: Digest.optional(),
    /** Repeating a decision with the same key returns the first outcome. */
    idempotency_key: z.string().min(1).max(255).optional(),
    /** Which door the decision came through (`rest`, `aip`, `slack`, ...), set by the gateway; recorded with it. */
    via: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a short lower-case label such as "rest" or "slack"').optional(),
    /** For an allowed tool gate: allow the tool for the rest of the run and the end user's later runs. */
    remember: z.boolean().optional(),
    /** Update only: how long to wait for the run's next pause or its end before answering. @default 0 */
    wait_ms: z.number().int().min(0).max(MAX_WAIT_MS).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.action === undefined && d.value === undefined) ctx.addIssue({ code: 'custom', message: 'is required', path: ['value'] });
    if (d.action === 'skip' && d.value !== undefined) ctx.addIssue({ code: 'custom', message: 'must be absent when skipping', path: ['value'] });
    if (d.request_id === undefined && d.step === undefined) {
      ctx.addIssue({ code: 'custom', message: 'name the pause with "request_id" or "step"', path: ['step'] });
    }
  });

/** `null` is a value only for `value` (an input step may take it), and not when skipping. */
export const DecisionRequest = z.preprocess((raw) => {
  const cleaned = nullMeansAbsent(raw, ['value']) as Record<string, unknown>;
  if (cleaned && typeof cleaned === 'object' && cleaned.value === null && cleaned.action !== undefined) delete cleaned.value;
  return cleaned;
}, DecisionFields);
export type DecisionRequest = z.output<typeof DecisionFields>;
export const DECISION_FIELDS = Object.keys(DecisionFields.shape);

/** Ask the run for its state once it has reached a pause or its end. */
export const AwaitSettledFields = z.strictObject({ wait_ms: WaitMs });
export const AwaitSettledRequest = z.preprocess((raw) => nullMeansAbsent(raw), AwaitSettledFields);
export type AwaitSettledRequest = z.output<typeof AwaitSettledRequest>;

/** Record who cancels a run and why, before the Temporal cancellation itself. */
export const CancelFields = z.strictObject({
  by: z.string().min(1).max(200).optional(),
  reason: z.string().max(4_000).optional(),
});
export const CancelRequest = z.preprocess((raw) => nullMeansAbsent(raw), CancelFields);
export type CancelRequest = z.output<typeof CancelRequest>;

/** Switch a run's permission mode; `autonomous` allows the tool gates it is waiting on. */
export const PermissionModeFields = z.strictObject({
  permission_mode: z.enum(PERMISSION_MODES, { error: `must be one of ${PERMISSION_MODES.join(', ')}` }),
  by: z.string().min(1).max(200).optional(),
  via: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).optional(),
});
export const PermissionModeRequest = z.preprocess((raw) => nullMeansAbsent(raw), PermissionModeFields);
export type PermissionModeRequest = z.output<typeof PermissionModeRequest>;

export const EventsQueryFields = z.strictObject({
  after: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
});
export const EventsQuery = z.preprocess((raw) => nullMeansAbsent(raw), EventsQueryFields);
export type EventsQuery = z.output<typeof EventsQuery>;

