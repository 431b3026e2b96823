import { z } from 'zod';
import { PERMISSION_MODES } from '../../src/contracts/interaction';
import { WEBHOOK_EVENT_TYPES } from '../../src/contracts/webhook-messages';

/** What m8tes' SDK sends, as this face accepts it. Unknown keys are ignored (the SDK grows new ones). */

/** m8tes' end-user scope (`"cust_123"`); the same rule as holdpoint's policy scopes. */
export const UserId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/, 'must be 1-200 letters, digits or "_.:@-"');

export const PermissionMode = z.enum(PERMISSION_MODES, { error: `must be one of ${PERMISSION_MODES.join(', ')}` });

/** An integer id (runs, agents, policies, webhooks): a JSON number, or its digits in a path or query. */
const IntId = z.coerce.number({ error: 'must be an integer id' }).int('must be an integer id').positive('must be an integer id');

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

/**
 * Parameters m8tes uses to define an agent on the fly. holdpoint's agents are workflow definitions, so
 * these are refused by name rather than ignored (the run would not do what they ask).
 */
export const DEFINITION_PARAMETERS: Record<string, string> = {
  tools: "a holdpoint agent's tools are its workflow definition's; register a definition with those tools (POST /v1/workflows) and name it with teammate_id",
  instructions: "a holdpoint agent's instructions are its workflow definition's; register one (POST /v1/workflows) and name it with teammate_id",
  model: "a holdpoint agent's model is set in its workflow definition (or HOLDPOINT_MODEL on the worker for model \"default\")",
  output_schema: "a structured answer is the agent step's `output.schema` in its workflow definition",
  skill: 'holdpoint has no skills; an agent is a workflow definition',
  files: 'file uploads are not supported; put what the agent needs in the message (a JSON object message becomes the run\'s state)',
};

/** `GET /runs/`. */
export const RunListQuery = z.looseObject({
  teammate_id: IntId.optional(),
  agent_id: IntId.optional(),
  user_id: UserId.optional(),
  status: z.enum(['running', 'awaiting_approval', 'completed', 'failed', 'cancelled', 'closed'], { error: 'must be one of running, awaiting_approval, completed, failed, cancelled, closed' }).optional(),
  limit: z.coerce.number({ error: 'must be an integer' }).int().min(1, 'must be 1-100').max(100, 'must be 1-100').default(20),
  starting_after: z.string().max(4_000).optional(),
});

export const UserScopeQuery = z.looseObject({ user_id: UserId.optional() });

export const RunParams = z.object({
  id: z.string().regex(/^(\d{1,16}|wfr_[A-Za-z0-9_-]{1,64})$/, 'must be an integer run id'),
});

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

/** `POST /permissions/`. */
export const PolicyBody = z.looseObject({
  tool: z.string({ error: 'is required' }).min(1, 'is required').max(128),
  user_id: UserId.nullable().optional(),
});

export const PageQuery = z.looseObject({
  user_id: UserId.optional(),
  limit: z.coerce.number({ error: 'must be an integer' }).int().min(1, 'must be 1-100').max(100, 'must be 1-100').default(20),
  starting_after: IntId.optional(),
});

export const IdParams = z.object({ id: IntId });

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

export const IdempotencyKey = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters').optional();
