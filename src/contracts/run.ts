import { z } from 'zod';
import { Definition, JsonSchema } from './definition';

/** A run's status, as seed 002 names them, plus `cancelled`. */
export const RunStatus = z.enum(['running', 'paused', 'completed', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;

export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];
export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const StepStatus = z.enum(['running', 'paused', 'completed', 'failed', 'skipped', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatus>;

/** Why a run failed; `type` is stable, `message` is for people. */
export const RunErrorType = z.enum([
  'step_failed',
  'rejected',
  'timed_out',
  'lifetime_exceeded',
  'expression_failed',
  'invalid_input',
  /** Ended from outside holdpoint (`temporal workflow terminate`, an execution timeout). */
  'terminated',
]);
export type RunErrorType = z.infer<typeof RunErrorType>;

export const RunError = z.object({
  type: RunErrorType,
  message: z.string(),
  step: z.string().optional(),
});
export type RunError = z.infer<typeof RunError>;

/** How a decision reached the run. */
export const DecisionChannel = z.enum(['update', 'signal', 'timeout']);
export type DecisionChannel = z.infer<typeof DecisionChannel>;

/** A decision as the run recorded it. */
export const DecisionRecord = z.object({
  value: z.unknown(),
  /** Who decided: the authenticated principal, the sending service, or `system` for a timeout. */
  by: z.string().optional(),
  at: z.string(),
  comment: z.string().optional(),
  channel: DecisionChannel,
  idempotency_key: z.string().optional(),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

export const PauseStatus = z.enum(['pending', 'decided', 'timed_out', 'cancelled']);
export type PauseStatus = z.infer<typeof PauseStatus>;

/** A pending action (or one that was), the unit people decide on. */
export const Pause = z.object({
  /** Enough on its own to decide: `<run_id>.<step>.<n>`. */
  request_id: z.string(),
  run_id: z.string(),
  workflow: z.string(),
  step: z.string(),
  type: z.enum(['confirmation', 'decision', 'input']),
  title: z.string().optional(),
  message: z.string(),
  options: z.array(z.string()).optional(),
  input_schema: JsonSchema.optional(),
  /** What the approver needs to see, from the step's `context` expression. */
  context: z.unknown().optional(),
  assignee: z.string().optional(),
  status: PauseStatus,
  created_at: z.string(),
  timeout_at: z.string().optional(),
  on_timeout: z.string(),
  decision: DecisionRecord.optional(),
});
export type Pause = z.infer<typeof Pause>;

/** One executed (or executing) step of a run. */
export const StepRecord = z.object({
  name: z.string(),
  type: z.string(),
  title: z.string().optional(),
  status: StepStatus,
  output: z.unknown().optional(),
  error: z.object({ type: z.string(), message: z.string() }).optional(),
  /** Attempts a task step took (1 when it succeeded first time). */
  attempts: z.number().int().optional(),
  /** The branch a condition step took (`null` when none matched). */
  branch: z.string().nullable().optional(),
  request_id: z.string().optional(),
  decision: DecisionRecord.optional(),
  started_at: z.string(),
  ended_at: z.string().optional(),
});
export type StepRecord = z.infer<typeof StepRecord>;

/**
 * Where the interpreter stands: a stack of (step list, index) frames. The root list has `parent: null`;
 * a condition's branch has the condition's name and the branch key (`null` for `otherwise`).
 */
export const Frame = z.object({
  parent: z.string().nullable(),
  branch: z.string().nullable(),
  index: z.number().int().min(0),
});
export type Frame = z.infer<typeof Frame>;

/** Tunables a run is started with; defaults come from the gateway's configuration. */
export const RunSettings = z.object({
  /** Longest the run may live, in ms. */
  max_lifetime_ms: z.number().int().positive(),
  /** Continue-as-new once history holds this many events (Temporal also suggests it at ~4k). */
  continue_as_new_after_events: z.number().int().positive().optional(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/** The workflow's argument: the pinned definition, the caller's input, and who started it. */
export const RunInput = z.object({
  run_id: z.string().min(1),
  definition: Definition,
  /** `sha256:<hex>` of the canonical definition JSON. */
  definition_hash: z.string().min(1),
  task: z.string(),
  state: z.record(z.string(), z.unknown()),
  started_by: z.string().optional(),
  customer: z.string().optional(),
  started_at: z.string(),
  settings: RunSettings,
  /** Set only by continue-as-new: everything the previous execution knew. */
  carried: z.unknown().optional(),
});
export type RunInput = z.infer<typeof RunInput>;

/** A run as every reader sees it (query result and the core's return value). */
export const RunView = z.object({
  run_id: z.string(),
  workflow: z.string(),
  definition_hash: z.string(),
  definition_version: z.string().optional(),
  status: RunStatus,
  task: z.string(),
  state: z.record(z.string(), z.unknown()),
  steps: z.array(StepRecord),
  /** Pauses waiting for a decision now. */
  pending: z.array(Pause),
  result: z.unknown().nullable(),
  error: RunError.nullable(),
  started_by: z.string().optional(),
  customer: z.string().optional(),
  started_at: z.string(),
  updated_at: z.string(),
  ended_at: z.string().optional(),
  /** Sequence number of the newest event (see the events query). */
  last_event_seq: z.number().int(),
  cancel_requested: z.object({ by: z.string().optional(), reason: z.string().optional(), at: z.string() }).optional(),
});
export type RunView = z.infer<typeof RunView>;

/** A run as a listing shows it: read from visibility and memo, one call per page. */
export const RunSummary = z.object({
  run_id: z.string(),
  workflow: z.string(),
  status: RunStatus,
  task: z.string(),
  definition_hash: z.string().optional(),
  pending: z.array(
    z.object({
      request_id: z.string(),
      step: z.string(),
      type: z.string(),
      message: z.string(),
      options: z.array(z.string()).optional(),
      assignee: z.string().optional(),
      created_at: z.string(),
      timeout_at: z.string().optional(),
    }),
  ),
  error: RunError.nullable(),
  started_at: z.string(),
  updated_at: z.string().optional(),
  ended_at: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** The run workflow's signature, for typed starts without importing workflow code. */
export type RunWorkflow = (input: RunInput) => Promise<RunView>;
