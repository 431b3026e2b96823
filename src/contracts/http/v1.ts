import { z } from 'zod';
import { ApprovalItem, ApprovalStatus } from '../approval';
import { Digest, MAX_WAIT_MS } from '../decision';
import { type Definition, JsonSchema, Question, WorkflowName } from '../definition';
import { durationToMs } from '../duration';
import { RunEvent, RunEventType } from '../events';
import { PERMISSION_MODES } from '../interaction';
import { AuditEntry, AuditEntryType, Pause, PauseRules, RunError, RunStatus, StepRecord, Vote } from '../run';
import { DeliveryStatusName, Webhook, WebhookCreate, WebhookEventType, WebhookPatch } from '../webhooks';

/**
 * holdpoint's own face (`/v1`, seed 002's Reminix shapes plus holdpoint's additions): every request
 * and response schema, shared by the gateway (validation, OpenAPI) and the typed client. Documented
 * names stay as seed 002 documents them (`run_id`, `pendingAction`, `agentName`, `createdAt`);
 * holdpoint's additions are snake_case.
 */

// ── shared pieces ───────────────────────────────────────────────────────────────────────────

/** `?wait=30s`, `?wait=30` (seconds) or `?wait=0`: how long to wait for the next pause or the end. */
export const Wait = z
  .string()
  .regex(/^(\d+(\.\d+)?(ms|s|m)?)$/, 'must be seconds ("30") or a duration ("30s", "500ms", "2m")')
  .transform((v) => (/^\d+(\.\d+)?$/.test(v) ? Math.round(Number(v) * 1000) : durationToMs(v)))
  .refine((ms) => ms <= MAX_WAIT_MS, `must be at most ${MAX_WAIT_MS / 1000}s`);

export const WaitQuery = z.object({ wait: Wait.optional().describe('How long to wait for the next pause or the end: "30s", "500ms", or seconds') });

/** A workflow name, customer or principal in a filter (spliced into visibility queries, so plain). */
export const Label = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'must be 1-128 letters, digits or "_.:@-"');

/** An ISO 8601 instant in a filter, normalised to UTC. */
export const Instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-21T09:00:00Z' })
  .transform((v) => new Date(v).toISOString());

export const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 printable ASCII characters');

export const IdempotencyHeaders = z.looseObject({ 'idempotency-key': IdempotencyKey.optional().describe('A retried request with the same key answers what the first one did') });

export const RunParams = z.object({ runId: z.string().min(1).max(255) });
export const NameParams = z.object({ name: WorkflowName });
export const RequestParams = z.object({ requestId: z.string().min(1).max(600) });

export const EndUser = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/, 'must be 1-200 letters, digits or "_.:@-"');

/** Every /v1 error: a stable machine-readable type and a message naming the field or rule. */
export const V1Error = z
  .object({
    error: z.object({
      type: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

// ── runs ────────────────────────────────────────────────────────────────────────────────────

/** `POST /v1/agents/{name}/workflow` (seed 002). */
export const StartBody = z.strictObject({
  input: z.strictObject(
    {
      task: z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(10_000),
      state: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
    },
    { error: 'is required: {"task": "...", "state": {...}}' },
  ),
  /** Answer with an event stream (SSE) of the run until it pauses or ends, in Reminix's frames. @default false */
  stream: z.boolean().optional(),
  /** A registered workflow's version to start. @default its current version */
  version: z.number().int().min(1).optional(),
  /** Caller context; `customer` labels the run for filtering. */
  context: z.record(z.string(), z.unknown()).optional(),
  customer: Label.optional(),
  /** The end user the run acts for (pre-approvals are per end user). */
  user_id: EndUser.optional(),
  /** A person answers the agent's questions (and, by permission mode, gates or plans). @default false */
  human_in_the_loop: z.boolean().optional(),
  permission_mode: z.enum(PERMISSION_MODES, { error: `must be one of ${PERMISSION_MODES.join(', ')}` }).optional(),
});

/** The concepts page's resume form: name the paused step and give its input. */
export const ResumeStep = z.strictObject({
  step: z.string({ error: 'is required' }).min(1),
  input: z.custom<unknown>((v) => v !== undefined, { error: 'is required' }),
  request_id: z.string().min(1).optional(),
  comment: z.string().max(4_000).optional(),
});

/** A listing's page: how many (20 unless told, at most `max`) and where the previous page ended. */
function paging(max: number) {
  return { limit: z.coerce.number().int().min(1).max(max).default(20), cursor: z.string().min(1).max(4_000).optional() };
}

/** `POST /v1/workflow-runs/{runId}/resume`: `{input: {resume: {...}}}` or the API reference's `{input: {...}}`. */
export const ResumeBody = z.strictObject({
  input: z.record(z.string(), z.unknown(), { error: 'is required: {"resume": {"step": "...", "input": ...}}' }),
  comment: z.string().max(4_000).optional(),
  /** The pendingAction's digest as the caller saw it; refused with 409 if the step now shows something else. */
  digest: Digest.optional(),
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
  ...paging(100),
});

export const EventsQueryParams = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

export const CancelBody = z.strictObject({ reason: z.string().max(4_000).optional() }).optional();

export const PermissionModeBody = z.strictObject({
  permission_mode: z.enum(PERMISSION_MODES, { error: `is required: one of ${PERMISSION_MODES.join(', ')}` }),
});

/** What a pause asks, as `pendingAction` shows it. */
export const PendingAction = z
  .object({
    step: z.string(),
    type: Pause.shape.type,
    message: z.string(),
    options: z.array(z.string()).optional(),
    inputSchema: JsonSchema.optional(),
    questions: z.array(Question).optional(),
    review: Pause.shape.review,
    /** The assignees joined (seed 002 has one `assignee`). */
    assignee: z.string().optional(),
    assignees: z.array(z.string()).optional(),
    request_id: z.string(),
    digest: z.string(),
    title: z.string().optional(),
    context: z.unknown().optional(),
    tool: Pause.shape.tool,
    plan: Pause.shape.plan,
    rules: PauseRules,
    votes: z.array(Vote).optional(),
    round_from: Pause.shape.round_from,
    escalation: Pause.shape.escalation,
    created_at: z.string(),
    timeout_at: z.string().optional(),
    on_timeout: z.string(),
  })
  .meta({ id: 'PendingAction' });

/** A step as /v1 shows it: the run's step record with its error flattened to a message and a type. */
export const StepView = StepRecord.omit({ error: true })
  .extend({ error: z.string().optional(), error_type: z.string().optional() })
  .meta({ id: 'Step' });

/** `output` as seed 002 documents it: status, steps, result, pendingAction (+ error when failed). */
export const RunOutput = z
  .object({
    status: RunStatus,
    steps: z.array(StepView),
    result: z.unknown().nullable(),
    pendingAction: PendingAction.nullable(),
    pendingActions: z.array(PendingAction).optional(),
    error: z.string().optional(),
    error_type: z.string().optional(),
  })
  .meta({ id: 'RunOutput' });

/** The start and resume answer: `{ output, run_id }`, plus `status` as the API reference has it. */
export const RunResponse = z.object({ output: RunOutput, run_id: z.string(), status: RunStatus }).meta({ id: 'RunResponse' });

/** `GET /v1/workflow-runs/{runId}`: the API reference's run object, with `output` as the SDK reads it. */
export const V1Run = z
  .object({
    id: z.string(),
    run_id: z.string(),
    agentName: z.string(),
    status: RunStatus,
    input: z.object({ task: z.string(), state: z.record(z.string(), z.unknown()) }),
    output: RunOutput,
    state: z.object({ steps: z.array(StepView), result: z.unknown().nullable() }),
    pendingAction: PendingAction.nullable(),
    error: RunError.nullable(),
    definition: z.object({ hash: z.string(), version: z.string().optional(), revision: z.number().int().optional() }),
    started_by: z.string().optional(),
    customer: z.string().optional(),
    user_id: z.string().optional(),
    human_in_the_loop: z.boolean(),
    permission_mode: z.enum(PERMISSION_MODES),
    cancel_requested: z.object({ by: z.string().optional(), reason: z.string().optional(), at: z.string() }).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    endedAt: z.string().optional(),
    last_event_seq: z.number().int(),
  })
  .meta({ id: 'Run' });

/** One row of `GET /v1/workflow-runs` (read from visibility: its memo). */
export const RunListItem = z
  .object({
    id: z.string(),
    run_id: z.string(),
    agentName: z.string(),
    status: RunStatus,
    task: z.string(),
    pendingAction: z
      .object({
        request_id: z.string(),
        step: z.string(),
        type: z.string(),
        message: z.string(),
        options: z.array(z.string()).optional(),
        assignees: z.array(z.string()).optional(),
        created_at: z.string(),
        timeout_at: z.string().optional(),
      })
      .nullable(),
    error: RunError.nullable(),
    createdAt: z.string(),
    updatedAt: z.string().optional(),
    endedAt: z.string().optional(),
  })
  .meta({ id: 'RunListItem' });

export const RunPage = z.object({ data: z.array(RunListItem), has_more: z.boolean(), next_cursor: z.string().nullable() });

export const EventPage = z.object({ data: z.array(RunEvent), next_after: z.number().int() });

export const CrossRunQuery = z.strictObject({
  workflow: Label.optional(),
  /** Event types, comma-separated (`paused,decided`). */
  type: z
    .string()
    .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(RunEventType, { error: 'must be event types, comma-separated' }))
    .optional(),
  assignee: z
    .union([z.literal('mine'), z.string().regex(/^(user:|group:)?[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'must be "mine", a principal, "user:<id>" or "group:<id>"')])
    .optional(),
  cursor: z.string().min(1).max(1_000).optional(),
});

export const LastEventHeaders = z.looseObject({
  'last-event-id': z.string().max(1_000).optional().describe('Resume a stream after this event (its id)'),
});

// ── approvals ───────────────────────────────────────────────────────────────────────────────

export const InboxQuery = z.strictObject({
  status: z.union([ApprovalStatus, z.literal('all')]).default('pending'),
  assignee: z
    .union([z.literal('mine'), z.string().regex(/^(user:|group:)?[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'must be "mine", a principal, "user:<id>" or "group:<id>"')])
    .optional(),
  workflow: Label.optional(),
  customer: Label.optional(),
  created_after: Instant.optional(),
  created_before: Instant.optional(),
  timeout_after: Instant.optional(),
  timeout_before: Instant.optional(),
  ...paging(100),
});

/**
 * A decision on one request: the value (or `action: "skip"`), why, and the digest of what was seen
 * (without it, the decision counts for what the request shows when it lands).
 */
export const Decision = z.strictObject({
  value: z.unknown().optional(),
  action: z.literal('skip').optional(),
  comment: z.string().max(4_000).optional(),
  digest: Digest.optional(),
  idempotency_key: z.string().min(1).max(255).optional(),
  /** Allowing a permission gate: also allow the tool for the rest of the run and the end user's later runs. */
  remember: z.boolean().optional(),
});

export const DecisionBody = Decision.refine((d) => d.value !== undefined || d.action === 'skip', { message: 'is required', path: ['value'] });

export const BulkBody = z.strictObject({
  decisions: z
    .array(Decision.extend({ request_id: z.string().min(1).max(600) }).refine((d) => d.value !== undefined || d.action === 'skip', { message: 'is required', path: ['value'] }))
    .min(1, 'must hold at least one decision')
    .max(100, 'must hold at most 100 decisions'),
});

export const ApprovalView = ApprovalItem.meta({ id: 'Approval' });
export const ApprovalPage = z.object({ data: z.array(ApprovalView), has_more: z.boolean(), next_cursor: z.string().nullable() });
export const DecisionAnswer = z.object({ approval: ApprovalView, run: RunResponse });
export const BulkAnswer = z.object({
  results: z.array(
    z.union([
      z.object({ request_id: z.string(), ok: z.literal(true), status: z.literal(200), approval: ApprovalView.optional(), run: z.object({ run_id: z.string(), status: RunStatus }) }),
      z.object({ request_id: z.string(), ok: z.literal(false), status: z.number().int(), error: z.object({ type: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }) }),
    ]),
  ),
  succeeded: z.number().int(),
  failed: z.number().int(),
});

// ── audit ───────────────────────────────────────────────────────────────────────────────────

export const AuditQuery = z.strictObject({
  workflow: Label.optional(),
  customer: Label.optional(),
  type: AuditEntryType.optional(),
  by: Label.optional(),
  since: Instant.optional(),
  until: Instant.optional(),
  ...paging(50),
});

const Chain = z.enum(['run', 'refusals']);
export const ChainVerification = z.object({
  ok: z.boolean(),
  chains: z.array(z.object({ run_id: z.string(), chain: Chain, entries: z.number().int(), head: z.string().nullable() })),
  problems: z.array(z.object({ run_id: z.string(), chain: Chain, seq: z.number().int(), problem: z.string() })),
});

export const RunAudit = z.object({ run_id: z.string(), entries: z.array(AuditEntry.meta({ id: 'AuditEntry' })), verification: ChainVerification });
export const AuditPage = z.object({ data: z.array(AuditEntry), has_more: z.boolean(), next_cursor: z.string().nullable() });

// ── webhooks ────────────────────────────────────────────────────────────────────────────────

export const WebhookParams = z.object({ id: z.string().regex(/^wh_[A-Za-z0-9_-]{1,40}$/, 'must be a webhook id ("wh_...")') });
export const DeliveryParams = WebhookParams.extend({ messageId: z.string().regex(/^msg_[A-Za-z0-9_-]{1,60}$/, 'must be a message id ("msg_...")') });
export const DeliveriesQuery = z.strictObject({
  ...paging(100),
  status: DeliveryStatusName.optional(),
});
export const RedeliverBody = z.strictObject({ run_id: z.string().min(1).max(255).optional() }).optional();
export { WebhookCreate, WebhookPatch };
export const WebhookView = Webhook.meta({ id: 'Webhook' });
export const WebhookList = z.object({ data: z.array(WebhookView) });
export const WebhookDeleted = z.object({ deleted: z.literal(true), webhook: WebhookView });
export const DeliveryView = z
  .object({
    message_id: z.string(),
    webhook_id: z.string(),
    event_type: WebhookEventType,
    run_id: z.string(),
    seq: z.number().int(),
    status: DeliveryStatusName,
    attempts: z.number().int(),
    response_status: z.number().int().optional(),
    response_excerpt: z.string().optional(),
    error: z.string().optional(),
    created_at: z.string(),
    delivered_at: z.string().optional(),
    next_retry_at: z.string().optional(),
    redeliveries: z.number().int().optional(),
  })
  .meta({ id: 'Delivery' });
export const DeliveryPage = z.object({ data: z.array(DeliveryView), has_more: z.boolean(), next_cursor: z.string().nullable() });

// ── workflows (definitions) ─────────────────────────────────────────────────────────────────

export const VersionQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
export const WorkflowListQuery = z.strictObject({ retired: z.enum(['true', 'false']).optional() });
export const RegisterQuery = z.strictObject({
  label: z.string().min(1).max(64).optional(),
  notes: z.string().max(2_000).optional(),
});

const StepOutline = z.object({ name: z.string(), type: z.string(), title: z.string().optional() });

export const WorkflowListItem = z
  .object({
    name: z.string(),
    type: z.literal('workflow'),
    title: z.string(),
    description: z.string().optional(),
    version: z.string().optional(),
    hash: z.string(),
    source: z.enum(['static', 'registered']),
    revision: z.number().int().optional(),
    revisions: z.number().int().optional(),
    retired: z.boolean().optional(),
    input_schema: JsonSchema.optional(),
    steps: z.array(StepOutline).optional(),
  })
  .meta({ id: 'WorkflowListItem' });
export const WorkflowList = z.object({ data: z.array(WorkflowListItem) });

export const WorkflowDetail = z
  .object({
    name: z.string(),
    type: z.literal('workflow'),
    title: z.string(),
    description: z.string().optional(),
    version: z.string().optional(),
    hash: z.string(),
    source: z.enum(['static', 'registered']),
    revision: z.number().int().optional(),
    retired: z.boolean().optional(),
    input_schema: JsonSchema,
    steps: z.array(StepOutline),
    definition: z.unknown().describe('The definition in full (see the Definition schema in the README)'),
    revisions: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .meta({ id: 'WorkflowDetail' });

/** The definition a caller registers (validated by the definition rules; errors name every problem). */
export const DefinitionBody = z.unknown().describe('A workflow definition (JSON); see README "Definitions"');
export const Registered = z.object({ name: z.string(), version: z.number().int(), hash: z.string(), created: z.boolean() });
export const Retired = z.object({
  name: z.string(),
  title: z.string().optional(),
  description: z.string().optional(),
  current_version: z.number().int(),
  hash: z.string(),
  versions: z.number().int(),
  retired: z.boolean(),
  registered_by: z.string(),
  updated_at: z.string(),
});

// ── policies ────────────────────────────────────────────────────────────────────────────────

export const PolicyView = z
  .object({
    id: z.number().int(),
    tool: z.string(),
    user_id: z.string().nullable(),
    source: z.enum(['api', 'remember']),
    created_by: z.string(),
    created_at: z.string(),
  })
  .meta({ id: 'ToolPolicy' });
export const PolicyList = z.object({ data: z.array(PolicyView) });
export const PolicyBody = z.strictObject({
  tool: z.string({ error: 'is required' }).min(1),
  /** The end user whose runs the tool is allowed in; null or absent: every run of the account. */
  user_id: EndUser.nullable().optional(),
});
export const PolicyQuery = z.strictObject({
  /** One end user's policies; absent: all (with `scope=account`: the account's). */
  user_id: EndUser.optional(),
  scope: z.enum(['account', 'all']).optional(),
});
export const PolicyDeleteQuery = z.strictObject({ user_id: EndUser.optional() });
export const PolicyParams = z.object({ id: z.coerce.number().int().positive('must be a policy id') });

/** Definitions are validated by the catalog (every problem named), not by this schema. */
export type DefinitionInput = z.input<typeof Definition>;
