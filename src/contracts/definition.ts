import { z } from 'zod';
import { DURATION_PATTERN, durationToMs } from './duration';

export { APPROVE_OPTION, DEFAULT_OPTIONS, REJECT_OPTION, REVIEW_OPTIONS } from './options';

/** A duration as definitions and configuration write it ("90s", "24h"); see `durationToMs`. */
export const Duration = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration such as "90s", "15m", "24h" or "7d"')
  .refine((value) => durationToMs(value) > 0, 'must be longer than zero');
export type Duration = z.infer<typeof Duration>;

/**
 * Workflow definitions: plain JSON, validated by these schemas, pinned into each run as a snapshot.
 * Field names are snake_case on the wire, like every other holdpoint payload.
 */

const NAME_RULE = 'letters, digits, "_" or "-", starting with a letter (at most 64 characters)';

/** A workflow's name, used in URLs: `POST /v1/agents/{name}/workflow`. */
export const WorkflowName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, `must be ${NAME_RULE}`);
export type WorkflowName = z.infer<typeof WorkflowName>;

/** A step's name, unique within its definition; decisions and expressions refer to steps by it. */
export const StepName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, `must be ${NAME_RULE}`);
export type StepName = z.infer<typeof StepName>;

/**
 * A JSONata expression evaluated over the run's context
 * `{ task, state, steps: { <name>: { status, output, decision } }, run: { id, workflow, started_at } }`.
 */
export const Expression = z.string().trim().min(1, 'must be a non-empty JSONata expression');
export type Expression = z.infer<typeof Expression>;

/** Text with `{{ expression }}` placeholders, rendered when the step is reached. */
export const Template = z.string().trim().min(1, 'must not be empty').max(4_000);

/** A JSON Schema (draft 2020-12 unless `$schema` says otherwise). */
export const JsonSchema = z.record(z.string(), z.unknown());
export type JsonSchema = z.infer<typeof JsonSchema>;

/** A choice offered by a `confirmation` or `decision` pause. */
export const OptionValue = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 _.:-]{0,63}$/, 'must be 1-64 letters, digits, spaces or "_.:-"');

const StepBase = {
  name: StepName,
  /** A short human title for UIs; the name is used when absent. */
  title: z.string().max(200).optional(),
  description: z.string().max(4_000).optional(),
};

/** Temporal retry policy for a task step, in definition terms. */
export const StepRetry = z.strictObject({
  /** @default 5 */
  maximum_attempts: z.number().int().min(1).max(1_000).optional(),
  /** @default "1s" */
  initial_interval: Duration.optional(),
  /** @default 2 */
  backoff_coefficient: z.number().min(1).max(100).optional(),
  /** @default "1m" */
  maximum_interval: Duration.optional(),
  /** Error types (the `name` or `type` a handler throws) that are never retried. */
  non_retryable_errors: z.array(z.string().min(1)).optional(),
});
export type StepRetry = z.infer<typeof StepRetry>;

/** Runs a registered task handler (a Temporal activity) and records its output. */
export const TaskStep = z.strictObject({
  ...StepBase,
  type: z.literal('task'),
  /** The registered handler's name; it is also the activity type shown in the Temporal Web UI. */
  handler: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/, 'must be a handler name (an identifier)'),
  /**
   * What the handler receives: one expression, or an object whose values are expressions.
   * @default the whole run context
   */
  input: z.union([Expression, z.record(z.string(), Expression)]).optional(),
  /** Longest time one attempt may take (Temporal start-to-close timeout). @default "1m" */
  timeout: Duration.optional(),
  /** Longest time all attempts together may take (schedule-to-close). @default unbounded */
  total_timeout: Duration.optional(),
  /** Longest gap between heartbeats from a long-running handler. @default none */
  heartbeat_timeout: Duration.optional(),
  retry: StepRetry.optional(),
});
export type TaskStep = z.infer<typeof TaskStep>;

/** What a pause does when its timeout passes without a decision. */
export const OnTimeout = z.string().min(1);

/** What a rejection (the option `reject`) does to the run. */
export const OnReject = z.enum(['fail', 'complete', 'continue']);
export type OnReject = z.infer<typeof OnReject>;

/**
 * Who may decide: a principal (`alice` or `user:alice`) or a group (`group:finance`). Decisions are
 * matched against the authenticated caller's principal id and groups.
 */
export const Assignee = z
  .string()
  .regex(/^(group:|user:)?[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/, 'must be a principal ("alice", "user:alice") or a group ("group:finance")');

/** Reminders and reassignment while a pause waits; every rung is a workflow timer and an audit entry. */
export const Escalation = z
  .strictObject({
    /** Record a `reminded` event (for notifications to deliver) once this long has passed. */
    remind_after: Duration.optional(),
    /** Hand the pause to `reassign_to` once this long has passed. */
    reassign_after: Duration.optional(),
    /** The new assignees (they replace the old ones). */
    reassign_to: z.array(Assignee).min(1).max(50).optional(),
  })
  .refine((e) => (e.reassign_after === undefined) === (e.reassign_to === undefined), {
    message: 'reassign_after and reassign_to go together',
    path: ['reassign_to'],
  });
export type Escalation = z.infer<typeof Escalation>;

/** A Slack channel: an id (`C0123ABCD`) or a name (`#billing-ops`). */
export const SlackChannel = z.string().regex(/^#?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'must be a Slack channel id ("C0123ABCD") or name ("#billing-ops")');

const PauseBase = {
  ...StepBase,
  /** What the approver is asked; may hold `{{ expression }}` placeholders. */
  message: Template,
  /** What the approver needs to see to decide, e.g. `steps.analysis.output`; shown with the pause. */
  context: Expression.optional(),
  /** Who may decide. @default anyone with the approver role */
  assignees: z.array(Assignee).min(1).max(50).optional(),
  /** How long the pause waits for a decision. @default until the run's maximum lifetime */
  timeout: Duration.optional(),
  /**
   * `fail` (default: the run fails), `reject` (as if rejected), `skip` (the step is skipped and the run
   * goes on), `timeout_skip` (skipped, recorded as GL AIP's timeout outcome), or an option's name.
   */
  on_timeout: OnTimeout.optional(),
  escalation: Escalation.optional(),
  /** Whether a decider may skip the step (GL AIP's `skipped`): it is marked skipped and the run goes on. @default false */
  allow_skip: z.boolean().optional(),
  /** Post the request to Slack (needs SLACK_BOT_TOKEN); HOLDPOINT_SLACK_CHANNELS names channels for every pause. */
  slack: z
    .strictObject({
      /** Channel ids (`C0123ABCD`) or names (`#billing-ops`). */
      channels: z.array(SlackChannel).min(1, 'must name at least one channel').max(10),
    })
    .optional(),
};

/** Approval rules of the pauses that approve or reject. */
const Approval = {
  /** Distinct principals who must approve before the step is approved. @default 1 */
  approvals_required: z.number().int().min(1).max(20).optional(),
  /** Distinct principals whose rejection rejects the step. @default 1 (a single rejection rejects) */
  rejections_required: z.number().int().min(1).max(20).optional(),
  /** May the principal who started the run approve it? (separation of duties) @default false */
  allow_self_approval: z.boolean().optional(),
  /** Must a rejection carry a comment saying why? @default false */
  reject_requires_comment: z.boolean().optional(),
  /** @default "fail" */
  on_reject: OnReject.optional(),
};

const Choice = {
  /** @default ["approve", "reject"] */
  options: z
    .array(OptionValue)
    .min(1, 'must offer at least one option')
    .max(20)
    .refine((options) => new Set(options).size === options.length, 'must not repeat an option')
    .optional(),
  ...Approval,
};

/** Asks a person to confirm (or reject) what comes next. */
export const ConfirmationStep = z.strictObject({ ...PauseBase, ...Choice, type: z.literal('confirmation') });
export type ConfirmationStep = z.infer<typeof ConfirmationStep>;

/** Asks a person to pick one of several options. */
export const DecisionStep = z.strictObject({ ...PauseBase, ...Choice, type: z.literal('decision') });
export type DecisionStep = z.infer<typeof DecisionStep>;

/** Asks a person for a value that must satisfy a JSON Schema. */
export const InputStep = z.strictObject({
  ...PauseBase,
  type: z.literal('input'),
  input_schema: JsonSchema,
});
export type InputStep = z.infer<typeof InputStep>;

/** One multiple-choice question of a `question` step (m8tes' AskUserQuestion shape). */
export const Question = z.strictObject({
  /** The question's text; answers are keyed by it. */
  question: z.string().trim().min(1).max(2_000),
  /** A short label for UIs ("Plan", "Region"). */
  header: z.string().max(100).optional(),
  options: z
    .array(z.strictObject({ label: z.string().trim().min(1).max(200), description: z.string().max(1_000).optional() }))
    .max(20)
    .refine((options) => new Set(options.map((o) => o.label)).size === options.length, 'must not repeat a label')
    .default([]),
  /** Accept an answer that is none of the options. @default false */
  allow_free_text: z.boolean().optional(),
});
export type Question = z.infer<typeof Question>;

/** Asks one or more multiple-choice questions, answered together: `{ "<question>": "<label or text>" }`. */
export const QuestionStep = z.strictObject({
  ...PauseBase,
  type: z.literal('question'),
  questions: z
    .array(Question)
    .min(1, 'must ask at least one question')
    .max(20)
    .refine((qs) => new Set(qs.map((q) => q.question)).size === qs.length, 'must not repeat a question')
    .refine((qs) => qs.every((q) => q.options.length > 0 || q.allow_free_text), 'each question needs options or allow_free_text'),
});
export type QuestionStep = z.infer<typeof QuestionStep>;

/** Shows an earlier task's output for approval, rejection, or an edit that later steps use instead. */
export const OutputReviewStep = z.strictObject({
  ...PauseBase,
  ...Approval,
  type: z.literal('output_review'),
  /** The earlier task step whose output is reviewed. */
  review: StepName,
  /** A JSON Schema an edited output must match. @default any JSON value */
  output_schema: JsonSchema.optional(),
});
export type OutputReviewStep = z.infer<typeof OutputReviewStep>;

// ── agent ────────────────────────────────────────────────────────────────────

const MODEL_PATTERN = /^(scripted|default|(openai|anthropic|openai-compatible):[A-Za-z0-9][A-Za-z0-9._:/-]{0,127})$/;

/** `"openai:gpt-4o-mini"`, `"anthropic:claude-sonnet-4-5"`, `"openai-compatible:llama3.1"`, `"scripted"` or `"default"`. */
export const ModelSpec = z.union([
  z.string().regex(MODEL_PATTERN, 'must be "<provider>:<model>" (openai, anthropic, openai-compatible), "scripted" or "default"'),
  z.strictObject({
    provider: z.enum(['openai', 'anthropic', 'openai-compatible', 'scripted', 'default']),
    name: z.string().min(1).max(128),
    /** Another endpoint than the provider's (a local vLLM or Ollama). */
    base_url: z.string().url().optional(),
    /** The worker's environment variable holding the key; keys are never written in definitions. */
    api_key_env: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an environment variable name').optional(),
  }),
]);
export type ModelSpec = z.infer<typeof ModelSpec>;

/** One turn of a scripted model; args may hold `{{ expression }}` placeholders over the run's context. */
export const ScriptedTurnSpec = z
  .strictObject({
    tool_calls: z.array(z.strictObject({ name: z.string().min(1), args: z.record(z.string(), z.unknown()).default({}) })).min(1).optional(),
    text: z.string().max(20_000).optional(),
    object: z.unknown().optional(),
    /** A plan (permission mode `plan`); planning calls take plan turns in order, other calls skip them. */
    plan: z.string().min(1).max(20_000).optional(),
  })
  .refine((t) => [t.tool_calls, t.text, t.object, t.plan].filter((v) => v !== undefined).length === 1, 'a turn is tool_calls, text, object or plan');

/** A tool an agent may call: a registered handler, or one a person or the caller carries out. */
export const AgentTool = z.strictObject({
  /** The name the model calls it by. */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/, 'must be a tool name (letters, digits, "_" or "-")'),
  description: z.string().max(2_000).optional(),
  /** The registered task handler that runs it (not for `external_execution` tools). */
  handler: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/, 'must be a handler name (an identifier)').optional(),
  /** JSON Schema of the tool's arguments. @default any object */
  input_schema: JsonSchema.optional(),
  /** A person approves or rejects each call, seeing its arguments; a rejection's comment goes back to the model. */
  requires_confirmation: z.boolean().optional(),
  /** A person fills some of the arguments (`user_input_fields`, default all) before the call runs. */
  requires_user_input: z.boolean().optional(),
  user_input_fields: z.array(z.string().min(1)).min(1).optional(),
  /** The caller runs the tool and posts its result; holdpoint only asks. */
  external_execution: z.boolean().optional(),
  /** Agno's `@approval`: `required` (confirmation, and an approval record an admin resolves) or `audit`. */
  approval: z.enum(['required', 'audit']).optional(),
  /** What the person is asked; `{{ tool.args.x }}` placeholders. @default "Allow <tool> with <args>?" */
  message: Template.optional(),
  // The pause a call raises, as any pause: who may decide, until when, and what then.
  assignees: z.array(Assignee).min(1).max(50).optional(),
  timeout: Duration.optional(),
  on_timeout: OnTimeout.optional(),
  escalation: Escalation.optional(),
  allow_skip: z.boolean().optional(),
  approvals_required: z.number().int().min(1).max(20).optional(),
  /** May whoever started the run approve its tool calls? @default true (unlike other pauses: people confirm their own agent's actions) */
  allow_self_approval: z.boolean().optional(),
  reject_requires_comment: z.boolean().optional(),
  slack: z.strictObject({ channels: z.array(SlackChannel).min(1).max(10) }).optional(),
  /** Longest one run of the handler may take. @default "1m" */
  handler_timeout: Duration.optional(),
  retry: StepRetry.optional(),
});
export type AgentTool = z.infer<typeof AgentTool>;

/** An LLM loop with tools: each model call and each tool call is its own activity. */
export const AgentStep = z.strictObject({
  ...StepBase,
  type: z.literal('agent'),
  /** The system prompt; may hold `{{ expression }}` placeholders. */
  instructions: Template,
  /** The first user message. @default the run's task */
  prompt: Template.optional(),
  model: ModelSpec,
  tools: z.array(AgentTool).max(50).optional(),
  /** Model calls the step may make before it fails (`step_limit_exceeded`). @default 10 */
  max_steps: z.number().int().min(1).max(200).optional(),
  /** `text` (default), or `{schema}`: the final answer must be JSON matching it. */
  output: z.union([z.literal('text'), z.strictObject({ schema: JsonSchema })]).optional(),
  /** What a `scripted` model answers, turn by turn (and `default` when HOLDPOINT_MODEL is unset). */
  script: z.array(ScriptedTurnSpec).max(100).optional(),
  /** Longest one model call may take. @default "2m" */
  model_timeout: Duration.optional(),
  /** How long the agent's clarifying questions wait before going on with their "(Recommended)" options (when every question has one). @default "10m" */
  question_timeout: Duration.optional(),
  /** Most tokens one model answer may use. @default 4096 */
  max_output_tokens: z.number().int().min(1).max(200_000).optional(),
  retry: StepRetry.optional(),
});
export type AgentStep = z.infer<typeof AgentStep>;

export type PauseStep = ConfirmationStep | DecisionStep | InputStep | QuestionStep | OutputReviewStep;
export type ConditionStep = {
  type: 'condition';
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  /** Evaluated once; its value (as a string, so `true` matches `"true"`) picks a branch. */
  expression: string;
  branches: Record<string, Step[]>;
  /** Taken when no branch matches. @default nothing: the run goes on after the condition */
  otherwise?: Step[] | undefined;
};
export type Step = TaskStep | PauseStep | AgentStep | ConditionStep;

/** Branches on an expression's value; each branch is a list of steps. */
export const ConditionStep: z.ZodType<ConditionStep> = z.strictObject({
  ...StepBase,
  type: z.literal('condition'),
  expression: Expression,
  get branches() {
    return z
      .record(z.string().min(1), z.array(Step).min(1, 'a branch needs at least one step'))
      .refine((branches) => Object.keys(branches).length > 0, 'must have at least one branch');
  },
  get otherwise() {
    return z.array(Step).min(1, 'must hold at least one step when given').optional();
  },
});

export const Step: z.ZodType<Step> = z.lazy(() =>
  z.discriminatedUnion('type', [TaskStep, ConfirmationStep, DecisionStep, InputStep, QuestionStep, OutputReviewStep, AgentStep, ConditionStep as never]),
);


/** A workflow definition: what a run does, step by step. */
export const Definition = z.strictObject({
  name: WorkflowName,
  title: z.string().max(200).optional(),
  description: z.string().max(4_000).optional(),
  /** A label for people ("2024-06", "v3"); the content hash is the exact identity. */
  version: z.string().max(64).optional(),
  /** JSON Schema for `input.state`. @default any object */
  input_schema: JsonSchema.optional(),
  /** Longest a run may live, pauses included; past it the run fails. @default HOLDPOINT_MAX_RUN_LIFETIME */
  max_lifetime: Duration.optional(),
  /** The run's result once every step is done. @default the output of the last task step */
  result: Expression.optional(),
  steps: z.array(Step).min(1, 'a definition needs at least one step'),
});
export type Definition = z.infer<typeof Definition>;

