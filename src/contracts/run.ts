import { z } from 'zod';
import { Definition, JsonSchema, Question } from './definition';
import { PERMISSION_MODES } from './interaction';

/** A run's status, as seed 002 names them, plus `cancelled`. */
export const RunStatus = z.enum(['running', 'paused', 'completed', 'failed', 'cancelled']);
export type RunStatus = z.infer<typeof RunStatus>;


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
export const DecisionChannel = z.enum(['update', 'signal', 'timeout', 'escalation']);
export type DecisionChannel = z.infer<typeof DecisionChannel>;

/** A decision as the run recorded it. */
export const DecisionRecord = z.object({
  value: z.unknown(),
  /** Who decided: the authenticated principal, the sending service, or `system` for a timeout. */
  by: z.string().optional(),
  at: z.string(),
  comment: z.string().optional(),
  channel: DecisionChannel,
  /** The door it came through when a gateway sent it (`rest`, `aip`, `slack`, ...). */
  via: z.string().optional(),
  idempotency_key: z.string().optional(),
  /** How many votes the pause took, when it needed more than one. */
  votes: z.number().int().optional(),
  /** An allowed tool gate: allow the tool for the rest of the run and for the end user's later runs. */
  remember: z.boolean().optional(),
});
export type DecisionRecord = z.infer<typeof DecisionRecord>;

export const PauseStatus = z.enum(['pending', 'decided', 'timed_out', 'skipped', 'cancelled']);
export type PauseStatus = z.infer<typeof PauseStatus>;

/** One principal's vote on a pause that needs several (`approvals_required` > 1). */
export const Vote = z.object({
  by: z.string().optional(),
  value: z.unknown(),
  at: z.string(),
  comment: z.string().optional(),
  channel: DecisionChannel,
  via: z.string().optional(),
  idempotency_key: z.string().optional(),
  remember: z.boolean().optional(),
});
export type Vote = z.infer<typeof Vote>;

/** The approval rules in force for a pause (definition values with defaults applied). */
export const PauseRules = z.object({
  approvals_required: z.number().int(),
  rejections_required: z.number().int(),
  allow_self_approval: z.boolean(),
  reject_requires_comment: z.boolean(),
  allow_skip: z.boolean(),
});
export type PauseRules = z.infer<typeof PauseRules>;

/** How people take part in a run's agent steps (see interaction.ts for the table of modes). */
export const Interaction = z.object({
  human_in_the_loop: z.boolean(),
  permission_mode: z.enum(PERMISSION_MODES),
});
export type Interaction = z.infer<typeof Interaction>;

/** A pending action (or one that was), the unit people decide on. */
export const Pause = z.object({
  /** Enough on its own to decide: `<run_id>.<step>.<n>`. */
  request_id: z.string(),
  run_id: z.string(),
  workflow: z.string(),
  step: z.string(),
  type: z.enum(['confirmation', 'decision', 'input', 'question', 'output_review', 'tool_approval']),
  title: z.string().optional(),
  message: z.string(),
  options: z.array(z.string()).optional(),
  input_schema: JsonSchema.optional(),
  questions: z.array(Question).optional(),
  /**
   * For `output_review`: the reviewed step, its output (from behavior 5, the latest edit once there is
   * one), and the schema edits must match. An edit keeps the task's own output in `original` and names
   * its author in `edited_by`; the votes hold every edit.
   */
  review: z
    .object({ step: z.string(), output: z.unknown(), output_schema: JsonSchema.optional(), original: z.unknown().optional(), edited_by: z.string().optional() })
    .optional(),
  /** What the approver needs to see, from the step's `context` expression. */
  context: z.unknown().optional(),
  /** A pause an agent's tool call raised: which call, and what the person is asked to do with it. */
  tool: z
    .object({
      call_id: z.string(),
      name: z.string(),
      args: z.record(z.string(), z.unknown()),
      hitl: z.enum(['confirmation', 'user_input', 'external_execution', 'question']),
      /** `permission_mode`: a gate the run's permission mode added (not the definition). */
      gate: z.literal('permission_mode').optional(),
      approval: z.enum(['required', 'audit']).optional(),
      user_input_fields: z.array(z.string()).optional(),
      agent_step: z.string(),
    })
    .optional(),
  /** A plan approval (permission mode `plan`): which revision of the agent's plan this is. */
  plan: z.object({ revision: z.number().int().positive(), agent_step: z.string() }).optional(),
  /** Who may decide now (empty: anyone with the approver role); escalation may change it. */
  assignees: z.array(z.string()),
  rules: PauseRules,
  /** Votes so far, when the step needs more than one principal. */
  votes: z.array(Vote),
  /**
   * Where the votes that count begin: an edit of an output review's output (behavior 5) starts a new
   * round at its own vote, and the votes before it were cast on other content. @default 0
   */
  round_from: z.number().int().nonnegative().optional(),
  escalation: z
    .object({
      remind_at: z.string().optional(),
      reminded_at: z.string().optional(),
      reassign_at: z.string().optional(),
      reassign_to: z.array(z.string()).optional(),
      reassigned_at: z.string().optional(),
    })
    .optional(),
  /** Who started the run (separation of duties applies to them). */
  started_by: z.string().optional(),
  /** `sha256:` of what the approver is shown; a decision may carry it to prove what it saw. */
  digest: z.string(),
  /** Slack channels the request is posted to. */
  slack_channels: z.array(z.string()).optional(),
  status: PauseStatus,
  created_at: z.string(),
  timeout_at: z.string().optional(),
  on_timeout: z.string(),
  decision: DecisionRecord.optional(),
});
export type Pause = z.infer<typeof Pause>;

/** What the audit trail records. */
export const AuditEntryType = z.enum(['requested', 'reminded', 'escalated', 'voted', 'decided', 'refused', 'timed_out', 'skipped', 'cancelled', 'permission_mode_changed']);
export type AuditEntryType = z.infer<typeof AuditEntryType>;

/**
 * One audit entry. `hash` is `sha256:` of the canonical JSON of the entry without `hash`, and
 * `prev_hash` is the previous entry's hash (null for the first): editing any entry breaks the chain.
 */
export const AuditEntry = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  type: AuditEntryType,
  run_id: z.string(),
  /** `run` for the run's own trail; `refusals` for refused decisions (they never touch the run's history). */
  chain: z.enum(['run', 'refusals']),
  request_id: z.string().optional(),
  step: z.string().optional(),
  by: z.string().optional(),
  value: z.unknown().optional(),
  comment: z.string().optional(),
  channel: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  prev_hash: z.string().nullable(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

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
  /** For a task whose output a reviewer edited: what the task returned, and who edited it. */
  original_output: z.unknown().optional(),
  edited_by: z.string().optional(),
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
  /**
   * What the run does beyond its first release, so runs started earlier replay unchanged: 2 adds the
   * HoldpointStep search attribute and history markers (refused signals, cancellations); 3 writes
   * search attributes, memo and notifications where the run waits (a task, an agent, a pause, its end)
   * instead of after each change on the way there; 4 hands the notices of what came before a task to
   * the task's activity to pass on (see workflows/notifier.ts); 5 makes an edit of an output review
   * that needs several approvers its author's approval of the edited output, starting a new round of
   * votes on it (see RunState.castVote), instead of settling the review. Absent: 1.
   */
  behavior: z.number().int().positive().optional(),
});
export type RunSettings = z.infer<typeof RunSettings>;

/** The workflow's argument: the pinned definition, the caller's input, and who started it. */
export const RunInput = z.object({
  run_id: z.string().min(1),
  definition: Definition,
  /** `sha256:<hex>` of the canonical definition JSON. */
  definition_hash: z.string().min(1),
  /** The registered version the run pinned (definitions registered at runtime). */
  definition_revision: z.number().int().positive().optional(),
  task: z.string(),
  state: z.record(z.string(), z.unknown()),
  started_by: z.string().optional(),
  customer: z.string().optional(),
  /** The caller's session (AgentOS); runs of one session are listed together. */
  session_id: z.string().optional(),
  /** The end user the run acts for (m8tes' and AgentOS' `user_id`). */
  user_id: z.string().optional(),
  started_at: z.string(),
  settings: RunSettings,
  /** How people take part in the run's agent steps. @default no person in the loop, autonomous */
  interaction: Interaction.optional(),
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
  /** The registered version the run pinned. */
  definition_revision: z.number().int().optional(),
  status: RunStatus,
  task: z.string(),
  state: z.record(z.string(), z.unknown()),
  steps: z.array(StepRecord),
  /** Pauses waiting for a decision now. */
  pending: z.array(Pause),
  /** Every pause the run has opened, pending or settled, oldest first. */
  pauses: z.array(Pause),
  result: z.unknown().nullable(),
  error: RunError.nullable(),
  started_by: z.string().optional(),
  customer: z.string().optional(),
  session_id: z.string().optional(),
  user_id: z.string().optional(),
  /** How people take part in its agent steps now (the permission mode can change while it runs). */
  interaction: Interaction,
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
  session_id: z.string().optional(),
  user_id: z.string().optional(),
  pending: z.array(
    z.object({
      request_id: z.string(),
      step: z.string(),
      type: z.string(),
      message: z.string(),
      options: z.array(z.string()).optional(),
      assignees: z.array(z.string()).optional(),
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
