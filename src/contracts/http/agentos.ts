import { z } from 'zod';

/**
 * Agno AgentOS' face (seeds 000 and 003, mounted at the root): what its routes accept, as FastAPI
 * declares them (forms, queries, JSON bodies), and what they answer, as Agno's `to_dict()`s and
 * response models write it. Agno's own client (agno 3.1.10) is the judge of these shapes. Shared
 * components are named `AgentOs…` so they never collide with another face's in the one OpenAPI document.
 */

// ── shared pieces ───────────────────────────────────────────────────────────────────────────

/** Pydantic's form booleans: true/false, 1/0, yes/no, on/off, any case. */
const FormBool = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'Input should be a valid boolean, unable to interpret input' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

/** An integer sent as text (a form field, a query parameter, a path segment). */
const TextInt = z.coerce.number({ error: 'Input should be a valid integer, unable to parse string as an integer' }).int('Input should be a valid integer, unable to parse string as an integer');
const Page = TextInt.pipe(z.number().min(1)).default(1);

/** Session ids become a search attribute: keep them to what visibility queries can hold. */
export const SessionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,200}$/, 'String should be letters, digits or "_.:@-"');
const UserId = z.string().max(255);

/** One FastAPI validation problem. */
export const AgentOsIssue = z
  .object({
    type: z.string(),
    loc: z.array(z.union([z.string(), z.number()])),
    msg: z.string(),
    input: z.unknown(),
    ctx: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AgentOsIssue' });
export type AgentOsIssue = z.infer<typeof AgentOsIssue>;

/** Every AgentOS error: `{"detail": "<text>"}`, or FastAPI's 422 with the list of problems. */
export const AgentOsErrorBody = z.object({ detail: z.union([z.string(), z.array(AgentOsIssue)]) }).meta({ id: 'AgentOsError' });
export type AgentOsErrorBody = z.infer<typeof AgentOsErrorBody>;

/** `RunStatus` (`run/base.py`); holdpoint's `failed` is `ERROR`. */
export const AgentOsRunStatus = z.enum(['PENDING', 'RUNNING', 'PAUSED', 'COMPLETED', 'ERROR', 'CANCELLED']).meta({ id: 'AgentOsRunStatus' });

/** `{data, meta}` pages (sessions, approvals, components). */
export const AgentOsPageMeta = z
  .object({ page: z.number().int(), limit: z.number().int(), total_pages: z.number().int(), total_count: z.number().int(), search_time_ms: z.number() })
  .meta({ id: 'AgentOsPageMeta' });

/** An AgentOS stream event as stored in a run's `events` (the same dicts the SSE stream sends). */
export const AgentOsEvent = z.looseObject({ event: z.string() }).meta({ id: 'AgentOsEvent' });

// ── requests: runs ──────────────────────────────────────────────────────────────────────────

export const WorkflowParams = z.object({ workflowId: z.string() });
export const WorkflowRunParams = z.object({ workflowId: z.string(), runId: z.string() });

/** `POST /workflows/{id}/runs`. Other fields AgentOS passes to the run as kwargs; holdpoint has no use for them. */
export const RunForm = z.object({
  message: z.string({ error: 'Field required' }),
  /** @default true: AgentOS streams unless told not to. */
  stream: FormBool.default(true),
  background: FormBool.default(false),
  session_id: SessionId.optional(),
  user_id: UserId.optional(),
  version: TextInt.pipe(z.number().min(1)).optional(),
});
export type RunForm = z.infer<typeof RunForm>;

/** `POST /workflows/{id}/runs/{run_id}/continue`: `step_requirements` is a JSON string of a list. */
export const ContinueForm = z.object({
  step_requirements: z.string().default(''),
  stream: FormBool.default(true),
  session_id: SessionId.optional(),
  user_id: UserId.optional(),
});

/** `POST /workflows/{id}/runs/{run_id}/resume`. */
export const ResumeForm = z.object({
  last_event_index: TextInt.pipe(z.number().min(-1)).optional(),
  session_id: z.string().optional(),
});

export const RunQuery = z.object({ session_id: z.string({ error: 'Field required' }) });
export const RunsQuery = z.object({ session_id: z.string({ error: 'Field required' }), status: z.string().optional() });
export const VersionQuery = z.object({ version: TextInt.pipe(z.number().min(1)).optional() });
export const CancelQuery = z.object({ session_id: z.string().optional() });

// ── requests: sessions ──────────────────────────────────────────────────────────────────────

export const SessionParams = z.object({ sessionId: z.string() });
export const SessionRunParams = z.object({ sessionId: z.string(), runId: z.string() });

export const SessionsQuery = z.object({
  type: z.enum(['agent', 'team', 'workflow']).optional(),
  component_id: z.string().optional(),
  user_id: z.string().optional(),
  session_name: z.string().optional(),
  limit: TextInt.pipe(z.number().min(1).max(1_000)).default(20),
  page: Page,
  sort_by: z.enum(['created_at', 'updated_at', 'session_name']).default('created_at'),
  sort_order: z.enum(['asc', 'desc']).default('desc'),
});

export const SessionRunsQuery = z.object({
  type: z.enum(['agent', 'team', 'workflow']).optional(),
  created_after: TextInt.optional(),
  created_before: TextInt.optional(),
  status: z.union([z.string(), z.array(z.string())]).optional(),
});

// ── requests: approvals ─────────────────────────────────────────────────────────────────────

export const AgentOsApprovalStatus = z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']);
export type AgentOsApprovalStatus = z.infer<typeof AgentOsApprovalStatus>;

export const ApprovalParams = z.object({ approvalId: z.string() });

export const ApprovalsQuery = z.object({
  status: AgentOsApprovalStatus.optional(),
  source_type: z.string().optional(),
  approval_type: z.string().optional(),
  pause_type: z.string().optional(),
  agent_id: z.string().optional(),
  team_id: z.string().optional(),
  workflow_id: z.string().optional(),
  user_id: z.string().optional(),
  schedule_id: z.string().optional(),
  run_id: z.string().optional(),
  limit: TextInt.pipe(z.number().min(1).max(1_000)).default(100),
  page: Page,
});

export const ApprovalCountQuery = z.object({ user_id: z.string().optional() });

/** `POST /approvals/{id}/resolve` (JSON). Who resolves is the key's principal, never `resolved_by`. */
export const ResolveBody = z.object({
  status: z.string().regex(/^(approved|rejected)$/, "String should match pattern '^(approved|rejected)$'"),
  resolved_by: z.string().max(255).nullish(),
  resolution_data: z.record(z.string(), z.unknown()).nullish(),
});

// ── requests: components ────────────────────────────────────────────────────────────────────

export const ComponentParams = z.object({ componentId: z.string() });
export const ComponentConfigParams = z.object({ componentId: z.string(), version: TextInt.pipe(z.number().min(1)) });

/** `POST /components`: a holdpoint definition as a workflow component. */
export const ComponentCreate = z.object({
  name: z.string().min(1),
  component_id: z.string().nullish(),
  component_type: z.enum(['agent', 'team', 'workflow']),
  description: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  label: z.string().max(64).nullish(),
  stage: z.string().default('draft'),
  notes: z.string().max(2_000).nullish(),
});

/** `POST /components/{id}/configs`: the next version of a registered definition. */
export const ConfigCreate = z.object({
  config: z.record(z.string(), z.unknown()),
  label: z.string().max(64).nullish(),
  stage: z.string().default('draft'),
  notes: z.string().max(2_000).nullish(),
});

export const ComponentsQuery = z.object({
  component_type: z.enum(['agent', 'team', 'workflow']).optional(),
  page: Page,
  limit: TextInt.pipe(z.number().min(1).max(100)).default(20),
});

// ── answers: workflows and config ───────────────────────────────────────────────────────────

/** `WorkflowSummaryResponse` (None fields left out). */
export const AgentOsWorkflowSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    db_id: z.string(),
    is_factory: z.boolean(),
    is_component: z.boolean(),
    current_version: z.number().int().optional(),
    stage: z.enum(['draft', 'published']).optional(),
    sandboxed: z.boolean(),
  })
  .meta({ id: 'AgentOsWorkflowSummary' });

/** An agent step as `AgentResponse`: its model, its tools with their HITL flags. */
export const AgentOsAgent = z
  .object({
    id: z.string(),
    name: z.string(),
    db_id: z.string(),
    filesystem: z.boolean(),
    is_factory: z.boolean(),
    model: z.object({ name: z.string(), model: z.string(), provider: z.string() }),
    tools: z.object({
      tools: z.array(
        z.object({
          name: z.string(),
          description: z.string().optional(),
          parameters: z.record(z.string(), z.unknown()),
          requires_confirmation: z.literal(true).optional(),
          requires_user_input: z.literal(true).optional(),
          user_input_fields: z.array(z.string()).optional(),
          external_execution: z.literal(true).optional(),
          approval_type: z.string().optional(),
        }),
      ),
    }),
    system_message: z.object({ instructions: z.string() }),
    is_component: z.boolean(),
    sandboxed: z.boolean(),
  })
  .meta({ id: 'AgentOsAgent' });

/** A step as `Workflow.to_dict_for_steps` writes it; conditions hold their branch steps. */
export const AgentOsWorkflowStep = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    type: z.enum(['Step', 'Condition']),
    get steps(): z.ZodOptional<z.ZodArray<typeof AgentOsWorkflowStep>> {
      return z.array(AgentOsWorkflowStep).optional();
    },
    get else_steps(): z.ZodOptional<z.ZodArray<typeof AgentOsWorkflowStep>> {
      return z.array(AgentOsWorkflowStep).optional();
    },
    agent: AgentOsAgent.optional(),
  })
  .meta({ id: 'AgentOsWorkflowStep' });

/** `WorkflowResponse` (None fields left out). */
export const AgentOsWorkflow = z
  .object({
    id: z.string(),
    name: z.string(),
    db_id: z.string(),
    description: z.string().optional(),
    input_schema: z.record(z.string(), z.unknown()).optional(),
    steps: z.array(AgentOsWorkflowStep),
    metadata: z.object({ version: z.string() }).optional(),
    workflow_agent: z.boolean(),
    is_factory: z.boolean(),
    is_component: z.boolean(),
    current_version: z.number().int().optional(),
    stage: z.enum(['draft', 'published']).optional(),
    sandboxed: z.boolean(),
  })
  .meta({ id: 'AgentOsWorkflow' });

/** `ConfigResponse`: the lists Agno's client requires, and holdpoint's workflows. */
export const AgentOsConfig = z.object({
  os_id: z.string(),
  name: z.string(),
  description: z.string(),
  available_models: z.array(z.string()),
  os_database: z.string(),
  databases: z.array(z.string()),
  agents: z.array(z.unknown()),
  teams: z.array(z.unknown()),
  workflows: z.array(AgentOsWorkflowSummary),
  interfaces: z.array(z.unknown()),
  company: z.null(),
});

// ── answers: runs ───────────────────────────────────────────────────────────────────────────

export const AgentOsTokens = z.object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() });

/** `StepOutput.to_dict()`: what a step did. */
export const AgentOsStepOutput = z
  .object({
    content: z.unknown(),
    step_name: z.string(),
    step_id: z.string(),
    step_type: z.enum(['Step', 'Condition']),
    executor_type: z.string(),
    executor_name: z.string(),
    step_run_id: z.string().nullable(),
    images: z.null(),
    videos: z.null(),
    audio: z.null(),
    files: z.null(),
    metrics: AgentOsTokens.nullable(),
    success: z.boolean(),
    error: z.string().nullable(),
    stop: z.boolean(),
    is_paused: z.boolean(),
  })
  .meta({ id: 'AgentOsStepOutput' });

/** AgentOS' `{name, field_type, description, value, required, allowed_values?}` (all but the last always present). */
export const AgentOsInputField = z
  .object({
    name: z.string(),
    field_type: z.enum(['str', 'int', 'float', 'bool', 'list', 'dict']),
    description: z.string().nullable(),
    value: z.unknown(),
    required: z.boolean(),
    allowed_values: z.array(z.unknown()).optional(),
  })
  .meta({ id: 'AgentOsInputField' });
export type AgentOsInputField = z.infer<typeof AgentOsInputField>;

/** Agno's `ToolExecution.to_dict()`: every key, always. */
export const AgentOsToolExecution = z
  .object({
    tool_call_id: z.string(),
    tool_name: z.string(),
    tool_args: z.record(z.string(), z.unknown()),
    tool_call_error: z.boolean().nullable(),
    /** The tool's result as text; an external execution's result as the client gave it. */
    result: z.unknown(),
    metrics: z.null(),
    child_run_id: z.null(),
    stop_after_tool_call: z.boolean(),
    created_at: z.number().int(),
    requires_confirmation: z.literal(true).nullable(),
    confirmed: z.boolean().nullable(),
    confirmation_note: z.string().nullable(),
    requires_user_input: z.literal(true).nullable(),
    user_input_schema: z.array(AgentOsInputField).nullable(),
    user_feedback_schema: z.null(),
    answered: z.literal(true).nullable(),
    external_execution_required: z.literal(true).nullable(),
    external_execution_silent: z.null(),
    approval_type: z.string().nullable(),
    approval_id: z.string().nullable(),
    parent_tool_call_id: z.null(),
  })
  .meta({ id: 'AgentOsToolExecution' });

/** Agno's `RunRequirement.to_dict()` for a tool pause (None keys dropped). */
export const AgentOsRunRequirement = z
  .object({
    id: z.string(),
    created_at: z.string(),
    confirmation: z.boolean().optional(),
    confirmation_note: z.string().nullable().optional(),
    external_execution_result: z.unknown().optional(),
    tool_execution: AgentOsToolExecution,
    user_input_schema: z.array(AgentOsInputField).nullable().optional(),
  })
  .meta({ id: 'AgentOsRunRequirement' });

/** `StepRequirement.to_dict()`: a pause; the executor keys only for a tool pause, the review keys for an output review. */
export const AgentOsStepRequirement = z
  .object({
    step_id: z.string(),
    step_name: z.string(),
    step_index: z.number().int(),
    step_type: z.literal('Step'),
    requires_confirmation: z.boolean(),
    confirmation_message: z.string().nullable(),
    confirmed: z.boolean().nullable(),
    on_reject: z.enum(['skip', 'cancel', 'else', 'retry']),
    requires_user_input: z.boolean(),
    user_input_message: z.string().nullable(),
    user_input: z.record(z.string(), z.unknown()).nullable(),
    user_input_schema: z.array(AgentOsInputField).optional(),
    requires_route_selection: z.boolean(),
    available_choices: z.array(z.string()).nullable(),
    allow_multiple_selections: z.boolean(),
    selected_choices: z.array(z.string()).nullable(),
    requires_output_review: z.boolean(),
    output_review_message: z.string().nullable(),
    step_output: AgentOsStepOutput.optional(),
    edited_output: z.unknown().optional(),
    is_post_execution: z.boolean(),
    rejection_feedback: z.string().nullable(),
    retry_count: z.number().int(),
    max_retries: z.number().int().nullable(),
    timeout_at: z.string().nullable(),
    /** `cancel`, `skip` or `approve`; holdpoint's own outcomes keep their names. */
    on_timeout: z.string(),
    requires_executor_input: z.literal(true).optional(),
    executor_requirements: z.array(AgentOsRunRequirement).optional(),
    executor_id: z.string().optional(),
    executor_name: z.string().optional(),
    executor_run_id: z.string().optional(),
    executor_type: z.literal('agent').optional(),
    executor_session_id: z.string().optional(),
  })
  .meta({ id: 'AgentOsStepRequirement' });

/** An agent step's own run, as Agno's agent `RunOutput.to_dict()`. */
export const AgentOsExecutorRun = z
  .object({
    run_id: z.string(),
    agent_id: z.string(),
    agent_name: z.string(),
    session_id: z.string(),
    parent_run_id: z.string(),
    content: z.unknown(),
    content_type: z.literal('str'),
    model: z.string().optional(),
    model_provider: z.string().optional(),
    created_at: z.number().int(),
    status: z.enum(['RUNNING', 'PAUSED', 'COMPLETED', 'ERROR', 'CANCELLED']),
    workflow_step_id: z.string(),
    metrics: AgentOsTokens.nullable().optional(),
    tools: z.array(AgentOsToolExecution),
  })
  .meta({ id: 'AgentOsExecutorRun' });

/** `WorkflowMetrics`: one entry per agent step (tokens), and the run's duration once it ended. */
export const AgentOsWorkflowMetrics = z
  .object({
    steps: z.record(z.string(), z.object({ step_name: z.string(), executor_type: z.string(), executor_name: z.string(), metrics: AgentOsTokens.nullable() })),
    duration: z.number().nullable(),
  })
  .meta({ id: 'AgentOsWorkflowMetrics' });

const PauseKind = z.enum(['step', 'executor']);

/** `WorkflowRunOutput.to_dict()`: the answer to a run, a continue and a GET of a run (None keys left out). */
export const AgentOsRunOutput = z
  .object({
    input: z.string(),
    content: z.unknown().optional(),
    content_type: z.enum(['str', 'dict', 'list']),
    workflow_id: z.string(),
    workflow_name: z.string(),
    run_id: z.string(),
    session_id: z.string(),
    user_id: z.string().optional(),
    created_at: z.number().int(),
    status: AgentOsRunStatus,
    paused_step_index: z.number().int().optional(),
    paused_step_name: z.string().optional(),
    pause_kind: PauseKind.optional(),
    metadata: z.record(z.string(), z.unknown()),
    step_results: z.array(AgentOsStepOutput).optional(),
    step_executor_runs: z.array(AgentOsExecutorRun).optional(),
    metrics: AgentOsWorkflowMetrics,
    events: z.array(AgentOsEvent).optional(),
    step_requirements: z.array(AgentOsStepRequirement).optional(),
  })
  .meta({ id: 'AgentOsRunOutput' });

/** `WorkflowRunSchema`: a run as the session routes (and a workflow's run list) show it. */
export const AgentOsRunSchema = z
  .object({
    run_id: z.string(),
    run_input: z.string(),
    events: z.array(AgentOsEvent),
    workflow_id: z.string(),
    user_id: z.string(),
    /** Text or an object (a list is sent as its JSON text); `""` while the run has none. */
    content: z.union([z.string(), z.record(z.string(), z.unknown())]),
    content_type: z.enum(['str', 'dict', 'list']),
    status: AgentOsRunStatus,
    cancellation_stage: z.null(),
    step_results: z.array(AgentOsStepOutput),
    step_executor_runs: z.array(AgentOsExecutorRun),
    step_requirements: z.array(AgentOsStepRequirement).nullable(),
    pause_kind: PauseKind.nullable(),
    paused_step_name: z.string().nullable(),
    paused_step_index: z.number().int().nullable(),
    metrics: AgentOsWorkflowMetrics,
    /** ISO 8601, unlike the run output's epoch seconds. */
    created_at: z.string(),
    reasoning_content: z.string(),
    reasoning_steps: z.array(z.unknown()),
    references: z.array(z.unknown()),
    citations: z.null(),
    reasoning_messages: z.array(z.unknown()),
    images: z.array(z.unknown()),
    videos: z.array(z.unknown()),
    audio: z.array(z.unknown()),
    files: z.array(z.unknown()),
    response_audio: z.null(),
  })
  .meta({ id: 'AgentOsRunSchema' });

/** A background start (`background=true`, `stream=false`): poll the run. */
export const AgentOsBackgroundRun = z.object({ run_id: z.string(), session_id: z.string(), status: z.literal('PENDING') });

/** Cancel answers `{}` whatever the run. */
export const AgentOsEmpty = z.strictObject({});

// ── answers: sessions ───────────────────────────────────────────────────────────────────────

/** `SessionSchema`: one row of `GET /sessions`. */
export const AgentOsSession = z
  .object({
    session_id: z.string(),
    session_name: z.string(),
    session_state: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    updated_at: z.string(),
    session_type: z.literal('workflow'),
    workflow_id: z.string(),
    user_id: z.string().optional(),
    metrics: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AgentOsSession' });
export type AgentOsSession = z.infer<typeof AgentOsSession>;

export const AgentOsSessionPage = z.object({ data: z.array(AgentOsSession), meta: AgentOsPageMeta });

/** `WorkflowSessionDetailSchema`. */
export const AgentOsSessionDetail = z.object({
  workflow_id: z.string(),
  workflow_name: z.string(),
  session_id: z.string(),
  session_name: z.string(),
  user_id: z.string().optional(),
  session_data: z.object({ session_state: z.record(z.string(), z.unknown()), session_metrics: z.record(z.string(), z.unknown()) }),
  session_state: z.record(z.string(), z.unknown()),
  workflow_data: z.object({
    workflow_id: z.string(),
    name: z.string(),
    steps: z.array(z.object({ name: z.string(), description: z.string().nullable(), type: z.enum(['Step', 'Condition']) })),
  }),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});

/** `SessionRunPreviewSchema`. */
export const AgentOsRunPreview = z.object({
  run_id: z.string(),
  workflow_id: z.string(),
  user_id: z.string(),
  status: AgentOsRunStatus,
  run_input: z.string(),
  content_preview: z.string(),
  created_at: z.string(),
});

// ── answers: approvals ──────────────────────────────────────────────────────────────────────

/** `ApprovalResponse`: the record of a tool pause. */
export const AgentOsApproval = z
  .object({
    id: z.string(),
    run_id: z.string(),
    session_id: z.string(),
    status: AgentOsApprovalStatus,
    source_type: z.literal('agent'),
    approval_type: z.string(),
    pause_type: z.string(),
    tool_name: z.string(),
    tool_args: z.record(z.string(), z.unknown()),
    expires_at: z.number().int().nullable(),
    agent_id: z.string(),
    team_id: z.null(),
    workflow_id: z.string(),
    user_id: z.string().nullable(),
    schedule_id: z.null(),
    schedule_run_id: z.null(),
    source_name: z.string(),
    requirements: z.array(AgentOsRunRequirement),
    context: z.object({ tool_names: z.array(z.string()), source_name: z.string() }),
    resolution_data: z.record(z.string(), z.unknown()).nullable(),
    resolved_by: z.string().nullable(),
    resolved_at: z.number().int().nullable(),
    created_at: z.number().int(),
    updated_at: z.number().int(),
    run_status: AgentOsRunStatus,
  })
  .meta({ id: 'AgentOsApproval' });

export const AgentOsApprovalPage = z.object({ data: z.array(AgentOsApproval), meta: AgentOsPageMeta });
export const AgentOsApprovalCount = z.object({ count: z.number().int() });
export const AgentOsApprovalState = z.object({
  approval_id: z.string(),
  status: AgentOsApprovalStatus,
  run_id: z.string(),
  resolved_at: z.number().int().nullable(),
  resolved_by: z.string().nullable(),
});

// ── answers: components ─────────────────────────────────────────────────────────────────────

export const AgentOsComponent = z
  .object({
    component_id: z.string(),
    component_type: z.literal('workflow'),
    name: z.string(),
    description: z.string().optional(),
    current_version: z.number().int().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    created_at: z.number().int(),
    updated_at: z.number().int().optional(),
    deleted_at: z.number().int().optional(),
  })
  .meta({ id: 'AgentOsComponent' });

export const AgentOsComponentPage = z.object({ data: z.array(AgentOsComponent), meta: AgentOsPageMeta });

export const AgentOsComponentConfig = z
  .object({
    component_id: z.string(),
    version: z.number().int(),
    label: z.string().optional(),
    stage: z.literal('published'),
    config: z.record(z.string(), z.unknown()).describe('The holdpoint workflow definition of this version'),
    notes: z.string().optional(),
    created_at: z.number().int(),
  })
  .meta({ id: 'AgentOsComponentConfig' });
