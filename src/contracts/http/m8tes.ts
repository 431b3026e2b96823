import { z } from 'zod';
import { PERMISSION_MODES } from '../interaction';
import { DecisionChannel, Pause, PauseStatus } from '../run';
import { WEBHOOK_EVENT_TYPES } from '../webhook-messages';
import { DeliveryStatusName, WebhookEventType } from '../webhooks';

/**
 * m8tes' face (seed 004, mounted at `/api/v2` by default): every request and response schema, as m8tes'
 * own SDK sends and reads them. Requests ignore keys they do not know (the SDK grows new ones); ids are
 * integers, stable aliases of holdpoint's string ids. Shared components are named `M8tes…` so they
 * never collide with another face's in the one OpenAPI document.
 */

// ── shared pieces ───────────────────────────────────────────────────────────────────────────

/** m8tes' end-user scope (`"cust_123"`); the same rule as holdpoint's policy scopes. */
export const UserId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/, 'must be 1-200 letters, digits or "_.:@-"');

export const PermissionMode = z.enum(PERMISSION_MODES, { error: `must be one of ${PERMISSION_MODES.join(', ')}` });

/** An integer id (runs, agents, policies, webhooks): a JSON number, or its digits in a path or query. */
const IntId = z.coerce.number({ error: 'must be an integer id' }).int('must be an integer id').positive('must be an integer id');

/** An integer id as answers carry it. */
const Id = z.number().int().positive();

export const UserScopeQuery = z.looseObject({ user_id: UserId.optional().describe("Only the end user's (404 for another's)") });

export const RunParams = z.object({
  id: z.string().regex(/^(\d{1,16}|wfr_[A-Za-z0-9_-]{1,64})$/, 'must be an integer run id').describe("The run's integer id (or holdpoint's `wfr_…` id)"),
});

export const IdParams = z.object({ id: IntId });

export const IdempotencyKey = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');

/** m8tes' SDK sends a fresh `Idempotency-Key` with every create; a retry with the same key answers the first run. */
export const IdempotencyHeaders = z.looseObject({
  'idempotency-key': IdempotencyKey.optional().describe('A create repeated with the same key answers the first run (`Idempotent-Replay: true`)'),
});

export const PageQuery = z.looseObject({
  user_id: UserId.optional(),
  limit: z.coerce.number({ error: 'must be an integer' }).int().min(1, 'must be 1-100').max(100, 'must be 1-100').default(20),
  starting_after: IntId.optional(),
});

/** m8tes' list envelope: a page of items and the cursor of the next. */
function page<T extends z.ZodType>(item: T, cursor: z.ZodType) {
  return z.object({ data: z.array(item), has_more: z.boolean(), next_starting_after: cursor.nullable() });
}

/** The machine-readable codes this face raises by name (`details.error_code`; the SDK's `exc.code`). */
export const M8tesErrorCode = z.enum([
  'gate_not_found',
  'gate_resolved_otherwise',
  'gate_cancelled',
  'run_not_active',
  'auto_continued',
  'run_not_awaiting_approval',
  'run_still_active',
  'not_a_tool_gate',
  'not_a_question',
  'agent_not_found',
  'run_not_found',
  'webhook_not_found',
  'permission_not_found',
  'route_not_found',
  'unsupported_parameter',
  'invalid_permission_mode',
  'validation_error',
  'idempotency_conflict',
  'invalid_api_key',
  'permission_denied',
  'service_unavailable',
  'internal_error',
]);
export type M8tesErrorCode = z.infer<typeof M8tesErrorCode>;

/**
 * Every m8tes refusal: `code` is the HTTP status, `details.error_code` the machine-readable code the SDK
 * branches on (`exc.code`, `exc.error_code`), `details.holdpoint_type` holdpoint's own error type.
 */
export const M8tesError = z
  .object({
    error: z.object({
      type: z.enum(['validation_error', 'authentication_error', 'permission_error', 'not_found_error', 'conflict_error', 'api_error']),
      message: z.string(),
      code: z.number().int(),
      request_id: z.string().nullable(),
      details: z.looseObject({
        error_code: z.string().describe(`One of ${M8tesErrorCode.options.join(', ')}, or a holdpoint error type`),
        holdpoint_type: z.string(),
        field: z.string().optional(),
      }),
    }),
  })
  .meta({ id: 'M8tesError' });

// ── runs ────────────────────────────────────────────────────────────────────────────────────

/** `POST /runs/` and `POST /runs/{id}/reply`. */
export const RunCreateBody = z.looseObject({
  message: z.string({ error: 'is required' }).min(1, 'must not be empty').max(100_000, 'must be at most 100000 characters'),
  /** @default true: answer with the run's event stream */
  stream: z.boolean({ error: 'must be true or false' }).default(true),
  teammate_id: z.number({ error: 'must be an integer agent id' }).int('must be an integer agent id').positive('must be an integer agent id').nullable().optional(),
  user_id: UserId.nullable().optional(),
  metadata: z.record(z.string(), z.unknown(), { error: 'must be an object' }).nullable().optional(),
  human_in_the_loop: z.boolean({ error: 'must be true or false' }).nullable().optional(),
  permission_mode: PermissionMode.nullable().optional(),
  name: z.string({ error: 'must be a string' }).max(200).nullable().optional(),
});
export type RunCreateBody = z.infer<typeof RunCreateBody>;

/** `GET /runs/`. */
export const RunListQuery = z.looseObject({
  teammate_id: IntId.optional(),
  agent_id: IntId.optional(),
  user_id: UserId.optional(),
  status: z.enum(['running', 'awaiting_approval', 'completed', 'failed', 'cancelled', 'closed'], { error: 'must be one of running, awaiting_approval, completed, failed, cancelled, closed' }).optional(),
  limit: z.coerce.number({ error: 'must be an integer' }).int().min(1, 'must be 1-100').max(100, 'must be 1-100').default(20),
  starting_after: z.string().max(4_000).optional().describe('A run id, or the `next_starting_after` of the previous page'),
});

/** m8tes' run statuses: holdpoint's, with `awaiting_approval` for `paused`. */
export const M8tesRunStatus = z.enum(['running', 'awaiting_approval', 'completed', 'failed', 'cancelled']);
export type M8tesRunStatus = z.infer<typeof M8tesRunStatus>;

/** holdpoint's own ids for cross-reference (the SDK ignores keys it does not know). */
const HoldpointRunRef = z.object({ run_id: z.string(), workflow: z.string(), session_id: z.string().optional(), pending: z.array(z.string()) });

export const M8tesRunUsage = z.object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int(), cost_usd: z.string() });

/** A run in m8tes' words (`started_by` is never sent: m8tes' names an agent run, holdpoint's a principal). */
export const M8tesRun = z
  .object({
    id: Id,
    teammate_id: Id,
    status: M8tesRunStatus,
    output: z.string().nullable(),
    output_data: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    error_code: z.string().nullable(),
    failure_kind: z.literal('error').nullable(),
    user_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string(),
    turn_started_at: z.string(),
    last_activity_at: z.string(),
    completed_at: z.string().nullable(),
    permission_mode: z.enum(PERMISSION_MODES),
    human_in_the_loop: z.boolean(),
    task_name: z.string(),
    needs_reply: z.boolean(),
    channel: z.literal('api'),
    retryable: z.boolean(),
    can_continue: z.boolean(),
    usage: M8tesRunUsage.optional(),
    holdpoint: HoldpointRunRef,
  })
  .meta({ id: 'M8tesRun' });

/** A run as a listing has it (read from visibility: no output, no interaction settings). */
export const M8tesRunListItem = z
  .object({
    id: Id,
    teammate_id: Id,
    status: M8tesRunStatus,
    output: z.null(),
    error: z.string().nullable(),
    error_code: z.string().nullable(),
    failure_kind: z.literal('error').nullable(),
    user_id: z.string().nullable(),
    metadata: z.null(),
    created_at: z.string(),
    updated_at: z.string(),
    started_at: z.string(),
    completed_at: z.string().nullable(),
    task_name: z.string(),
    needs_reply: z.boolean(),
    channel: z.literal('api'),
    holdpoint: HoldpointRunRef,
  })
  .meta({ id: 'M8tesRunListItem' });

/** `next_starting_after`: an opaque `c_…` cursor, or the last run's id when the page was asked after one. */
export const M8tesRunPage = page(M8tesRunListItem, z.union([z.string(), Id]));

export const M8tesNeedsYou = z.object({
  count: z.number().int(),
  items: z.array(z.object({ run_id: Id, title: z.string(), mate_name: z.string(), holdpoint_run_id: z.string() })),
});

// ── gates ───────────────────────────────────────────────────────────────────────────────────

/** `POST /runs/{id}/approve`. */
export const ApproveBody = z.looseObject({
  request_id: z.string({ error: 'is required' }).min(1, 'is required').max(500),
  decision: z.enum(['allow', 'deny'], { error: 'must be "allow" or "deny"' }).default('allow'),
  remember: z.boolean({ error: 'must be true or false' }).default(false),
  reason: z.string({ error: 'must be a string' }).max(4_000).nullable().optional(),
});

/** `POST /runs/{id}/answer`. */
export const AnswerBody = z.looseObject({
  answers: z.record(z.string(), z.string({ error: 'each answer must be a string (an option label or your own words)' }), { error: 'is required: {"<question>": "<answer>"}' }),
  request_id: z.string().min(1).max(500).nullable().optional(),
});

/** `PATCH /runs/{id}/permission-mode`. */
export const PermissionModeBody = z.looseObject({ permission_mode: PermissionMode });

/** A gate's status: `pending`, then `allowed`/`denied` (tool gates) or `answered` (questions), `skipped`, `cancelled`, `timeout`. */
export const M8tesGateStatus = z.enum(['pending', 'allowed', 'denied', 'answered', 'skipped', 'cancelled', 'timeout']);
export type M8tesGateStatus = z.infer<typeof M8tesGateStatus>;

/** One of m8tes' AskUserQuestion questions (a tool gate's `tool_input` is the tool's arguments instead). */
export const M8tesQuestion = z.object({
  question: z.string(),
  header: z.string(),
  options: z.array(z.object({ label: z.string(), description: z.string().optional() })),
  multiSelect: z.boolean(),
});

/** A holdpoint pause as m8tes' PermissionRequest: a tool gate, or an `AskUserQuestion` gate. */
export const M8tesPermissionRequest = z
  .object({
    request_id: z.string(),
    tool_name: z.string(),
    tool_input: z.record(z.string(), z.unknown()).describe('A tool gate: the call\'s arguments. A question: `{questions: [...], answers?: {...}}`'),
    status: M8tesGateStatus,
    created_at: z.string(),
    resolved_at: z.string().nullable(),
    tool_use_id: z.string().nullable(),
    display_name: z.string(),
    mate_name: z.string(),
    task_name: z.string(),
    consequence: z.string(),
    ask_reason: z.string(),
    prose: z.string().optional(),
    fields: z.array(z.tuple([z.string(), z.string()])),
    can_remember: z.boolean(),
    remember_default: z.boolean(),
    timeout_seconds: z.number().int().optional(),
    auto_resolved: z.boolean(),
    remembered: z.boolean().nullable(),
    /** `POST /approve` only: whether the decision moved the run on. */
    resumed: z.boolean().optional(),
    holdpoint: z.object({
      step: z.string(),
      type: Pause.shape.type,
      status: PauseStatus,
      assignees: z.array(z.string()),
      digest: z.string(),
      decided_by: z.string().nullable().optional(),
      channel: DecisionChannel.optional(),
      value: z.unknown().optional(),
      plan_revision: z.number().int().optional(),
    }),
  })
  .meta({ id: 'M8tesPermissionRequest' });

export const M8tesPermissionRequests = z.array(M8tesPermissionRequest);

export const M8tesAnswerResult = z.object({ status: z.literal('ok'), resumed: z.boolean(), request_id: z.string() });

export const M8tesPermissionModeResult = z.object({
  permission_mode: z.enum(PERMISSION_MODES),
  status: M8tesRunStatus,
  /** The gates the switch let through (a switch to `autonomous` allows what waited). */
  allowed: z.array(z.string()),
});

// ── agents ──────────────────────────────────────────────────────────────────────────────────

/** An agent ("teammate"): one of holdpoint's workflows, its id `numericId(name)`. */
export const M8tesAgent = z
  .object({
    id: Id,
    name: z.string(),
    instructions: z.string().nullable(),
    tools: z.array(z.string()),
    role: z.string().nullable(),
    goals: z.string().nullable(),
    user_id: z.null(),
    metadata: z.object({ workflow: z.string(), source: z.enum(['static', 'registered']), hash: z.string(), version: z.number().int().optional() }),
    allowed_senders: z.null(),
    default_permission_mode: z.enum(PERMISSION_MODES),
    status: z.literal('enabled'),
    can_execute: z.boolean(),
    can_manage: z.boolean(),
    created_at: z.string(),
    updated_at: z.string().nullable(),
  })
  .meta({ id: 'M8tesAgent' });

export const M8tesAgentPage = page(M8tesAgent, Id);

// ── tool pre-approvals (`/permissions/`) ────────────────────────────────────────────────────

/** `POST /permissions/`. */
export const PolicyBody = z.looseObject({
  tool: z.string({ error: 'is required' }).min(1, 'is required').max(128),
  user_id: UserId.nullable().optional(),
});

export const M8tesPermissionPolicy = z
  .object({
    id: Id,
    user_id: z.string().nullable(),
    tool_name: z.string(),
    created_at: z.string(),
    /** `run_approval`: allowed with `remember` on a gate. */
    source: z.enum(['api', 'run_approval']),
    created_by: z.string(),
  })
  .meta({ id: 'M8tesPermissionPolicy' });

export const M8tesPermissionPolicyPage = page(M8tesPermissionPolicy, Id);

// ── webhooks ────────────────────────────────────────────────────────────────────────────────

const WebhookEvent = z.enum(WEBHOOK_EVENT_TYPES, { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` });

/** `POST /webhooks/`. */
export const WebhookBody = z.looseObject({
  url: z.string({ error: 'is required' }).max(2_048).url('must be an absolute http(s) URL').refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL'),
  events: z.array(WebhookEvent).min(1, 'must name at least one event').max(WEBHOOK_EVENT_TYPES.length).nullable().optional(),
  user_id: UserId.nullable().optional(),
});

/** `PATCH /webhooks/{id}`. */
export const WebhookPatchBody = z.looseObject({
  url: WebhookBody.shape.url.optional(),
  events: z.array(WebhookEvent).min(1, 'must name at least one event').max(WEBHOOK_EVENT_TYPES.length).optional(),
  active: z.boolean({ error: 'must be true or false' }).optional(),
  rotate_secret: z.boolean({ error: 'must be true or false' }).optional(),
});

export const DeliveriesQuery = z.looseObject({
  user_id: UserId.optional(),
  limit: z.coerce.number({ error: 'must be an integer' }).int().min(1, 'must be 1-100').max(100, 'must be 1-100').default(20),
  starting_after: z.string().max(4_000, 'must be at most 4000 characters').regex(/^c_/, 'must be the next_starting_after of the previous page').optional(),
});

export const M8tesWebhook = z
  .object({
    id: Id,
    url: z.string(),
    events: z.array(WebhookEventType),
    /** On create and after `rotate_secret` only. */
    secret: z.string().optional(),
    active: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    user_id: z.string().nullable(),
    holdpoint_id: z.string(),
  })
  .meta({ id: 'M8tesWebhook' });

export const M8tesWebhookPage = page(M8tesWebhook, Id);

export const M8tesWebhookDelivery = z
  .object({
    id: Id,
    webhook_endpoint_id: Id,
    event_type: WebhookEventType,
    event_id: z.string(),
    run_id: Id,
    status: DeliveryStatusName,
    response_status_code: z.number().int().nullable(),
    response_body: z.string().nullable(),
    attempts: z.number().int(),
    next_retry_at: z.string().nullable(),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
    holdpoint_run_id: z.string(),
  })
  .meta({ id: 'M8tesWebhookDelivery' });

export const M8tesWebhookDeliveryPage = page(M8tesWebhookDelivery, z.string());
