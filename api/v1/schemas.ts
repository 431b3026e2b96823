import { z } from 'zod';
import { PERMISSION_MODES } from '../../src/contracts/interaction';
import { MAX_WAIT_MS } from '../../src/contracts/decision';
import { durationToMs } from '../../src/contracts/duration';
import { RunStatus } from '../../src/contracts/run';

/** `?wait=30s`, `?wait=30` (seconds) or `?wait=0`: how long to wait for the next pause or the end. */
export const Wait = z
  .string()
  .regex(/^(\d+(\.\d+)?(ms|s|m)?)$/, 'must be seconds ("30") or a duration ("30s", "500ms", "2m")')
  .transform((v) => (/^\d+(\.\d+)?$/.test(v) ? Math.round(Number(v) * 1000) : durationToMs(v)))
  .refine((ms) => ms <= MAX_WAIT_MS, `must be at most ${MAX_WAIT_MS / 1000}s`);

export const WaitQuery = z.object({ wait: Wait.optional() });

/** A workflow name, customer or principal in a filter (spliced into visibility queries, so plain). */
export const Label = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'must be 1-128 letters, digits or "_.:@-"');

/** An ISO 8601 instant in a filter, normalised to UTC. */
export const Instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-21T09:00:00Z' })
  .transform((v) => new Date(v).toISOString());

/** `POST /v1/agents/{name}/workflow` (seed 002). */
export const StartBody = z.strictObject({
  input: z.strictObject({
    task: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(10_000),
    state: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
  }, { error: 'is required: {"task": "...", "state": {...}}' }),
  /** Answer with an event stream (SSE) of the run until it pauses or ends, in Reminix's frames. @default false */
  stream: z.boolean().optional(),
  /** A registered workflow's version to start. @default its current version */
  version: z.number().int().min(1).optional(),
  /** Caller context; `customer` labels the run for filtering. */
  context: z.record(z.string(), z.unknown()).optional(),
  customer: Label.optional(),
  /** The end user the run acts for (pre-approvals are per end user). */
  user_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/, 'must be 1-200 letters, digits or "_.:@-"').optional(),
  /** A person answers the agent's questions (and, by permission mode, gates or plans). @default false */
  human_in_the_loop: z.boolean().optional(),
  permission_mode: z.enum(PERMISSION_MODES, { error: `must be one of ${PERMISSION_MODES.join(', ')}` }).optional(),
});
export type StartBody = z.infer<typeof StartBody>;

/** The concepts page's resume form: name the paused step and give its input. */
export const ResumeStep = z.strictObject({
  step: z.string({ error: 'is required' }).min(1),
  input: z.custom<unknown>((v) => v !== undefined, { error: 'is required' }),
  request_id: z.string().min(1).optional(),
  comment: z.string().max(4_000).optional(),
});

/** `POST /v1/workflow-runs/{runId}/resume`: `{input: {resume: {...}}}` or the API reference's `{input: {...}}`. */
export const ResumeBody = z.strictObject({
  input: z.record(z.string(), z.unknown(), { error: 'is required: {"resume": {"step": "...", "input": ...}}' }),
  comment: z.string().max(4_000).optional(),
  /** The pendingAction's digest as the caller saw it; refused with 409 if the step now shows something else. */
  digest: z.string().optional(),
  /** Answer with an event stream (SSE) of the run until its next pause or its end. @default false */
  stream: z.boolean().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});

export const ListQuery = z.strictObject({
  status: RunStatus.optional(),
  workflow: Label.optional(),
  /** Alias of `workflow` in Reminix's vocabulary. */
  agentName: Label.optional(),
  customer: Label.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(4_000).optional(),
});

export const EventsQueryParams = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

export const CancelBody = z.strictObject({ reason: z.string().max(4_000).optional() }).optional();

export const PermissionModeBody = z.strictObject({
  permission_mode: z.enum(PERMISSION_MODES, { error: `is required: one of ${PERMISSION_MODES.join(', ')}` }),
});
