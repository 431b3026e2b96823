import { z } from 'zod';

/**
 * GL AIP's face (seed 001): the HITL endpoints under `/agents/hitl` and the agents (holdpoint's
 * workflows) with their run stream. Every request and response schema, shared by the gateway
 * (validation, OpenAPI) and any client. Names are GL AIP's (`request_id`, `operator_input`,
 * `hitl_metadata`, `agent_config`); GL AIP's Python client (PyPI `glaip-sdk`) is the judge of shapes.
 */

// ── errors ──────────────────────────────────────────────────────────────────────────────────

/**
 * The HITL endpoints' error: `{"error": "<message>"}` (GL AIP's demo server's shape), with `message`
 * repeating it for GL AIP's Python client, which reads that key.
 */
export const AipHitlError = z.object({ error: z.string(), message: z.string() }).meta({ id: 'AipHitlError' });
export type AipHitlError = z.infer<typeof AipHitlError>;

/** The agents endpoints' error: GL AIP's envelope with `success: false` and a machine-readable `error`. */
export const AipError = z
  .object({
    success: z.literal(false),
    /** holdpoint's error type (`not_found`, `forbidden`, ...), or `MethodNotAllowed`. */
    error: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AipError' });
export type AipError = z.infer<typeof AipError>;

/** A request that fails its schema: FastAPI's 422 (`detail`), which GL AIP's clients render field by field. */
export const AipValidationError = z
  .object({
    detail: z.array(
      z.object({
        /** Where the bad value is: `["body", "request_id"]`, `["query", "limit"]`, `["path", "agentId"]`. */
        loc: z.array(z.union([z.string(), z.number().int()])),
        msg: z.string(),
        type: z.string(),
      }),
    ),
  })
  .meta({ id: 'AipValidationError' });
export type AipValidationError = z.infer<typeof AipValidationError>;

// ── HITL ────────────────────────────────────────────────────────────────────────────────────

/** `POST /agents/hitl/decision`. */
export const HitlDecisionBody = z.object({
  request_id: z.string({ error: 'is required' }).min(1),
  /** `approved`, `rejected` or `skipped`, trimmed and lower-cased as GL AIP's runtime does. */
  decision: z.string({ error: 'is required' }),
  /** The operator's note; recorded as the decision's comment. @default "" */
  operator_input: z.string().max(4_000).default(''),
  /** The caller's own correlation id; recorded in the log, not used. */
  run_id: z.string().max(255).nullable().optional(),
});
export type HitlDecisionBody = z.infer<typeof HitlDecisionBody>;

export const HitlDecisionAnswer = z.object({ status: z.literal('ok'), message: z.string() });
export type HitlDecisionAnswer = z.infer<typeof HitlDecisionAnswer>;

/** One item of `GET /agents/hitl/pending` (a bare array of these). */
export const AipPendingRequest = z
  .object({
    request_id: z.string(),
    /** The tool's name, or the paused step's. */
    tool: z.string(),
    arguments: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    /** The workflow's name (GL AIP's agent id), and its agent UUID. */
    agent_id: z.string(),
    agent_uuid: z.string(),
    run_id: z.string(),
    hitl_metadata: z.object({
      required: z.literal(true),
      decision: z.literal('pending'),
      timeout_at: z.string().nullable(),
      timeout_seconds: z.number().int().nullable(),
    }),
    additional_context: z.object({
      tool_name: z.string(),
      arguments: z.record(z.string(), z.unknown()),
      agent_id: z.string(),
      step: z.string(),
      message: z.string(),
    }),
  })
  .meta({ id: 'AipPendingRequest' });
export type AipPendingRequest = z.infer<typeof AipPendingRequest>;

export const AipPendingList = z.array(AipPendingRequest);

// ── agents ──────────────────────────────────────────────────────────────────────────────────

export const AgentParams = z.object({ agentId: z.string().min(1).max(255).describe("The agent's UUID, or its workflow's name") });
export type AgentParams = z.infer<typeof AgentParams>;

/** `GET /agents/`: GL AIP's filters and paging; other keys its client sends (`sync_langflow_agents`) are ignored. */
export const AgentListQuery = z.looseObject({
  name: z.string().max(255).optional().describe('Agents whose name contains this (case-insensitive)'),
  agent_type: z.string().max(64).optional(),
  framework: z.string().max(64).optional(),
  version: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  page: z.coerce.number().int().min(1).default(1),
});
export type AgentListQuery = z.infer<typeof AgentListQuery>;

/**
 * `POST /agents/{id}/run`'s body. GL AIP's client spreads any extra keyword argument into it
 * (`verbose`, `runtime_config`, `timeout`, ...), so unknown keys are ignored.
 */
export const AgentRunBody = z.looseObject({
  /** The message: the run's task; a JSON object is the run's state instead (its `task` key the task). */
  input: z.string({ error: 'is required' }).min(1, 'must not be empty').max(100_000, 'must be at most 100000 characters'),
  stream: z.boolean().optional(),
  chat_history: z.array(z.looseObject({ role: z.string(), content: z.unknown() })).max(1_000).optional(),
  /** The end user the run acts for (pre-approvals are per end user). */
  user_id: z.string().min(1).max(255).optional(),
  memory_user_id: z.string().min(1).max(255).optional(),
});
export type AgentRunBody = z.infer<typeof AgentRunBody>;

/** A tool of a workflow's agent step, as GL AIP lists an agent's tools; `hitl` when a person must act first. */
export const AipAgentTool = z.object({
  name: z.string(),
  description: z.string().optional(),
  step: z.string(),
  hitl: z.enum(['confirmation', 'user_input', 'external_execution']).optional(),
});
export type AipAgentTool = z.infer<typeof AipAgentTool>;

/** An agent as GL AIP lists and reads it (`AgentResponse`): one per workflow a run can start from. */
export const AipAgent = z
  .object({
    /** A UUID derived from the workflow's name: the same on every gateway. */
    id: z.string(),
    name: z.string(),
    instruction: z.string(),
    description: z.string().nullable(),
    type: z.literal('config'),
    framework: z.literal('holdpoint'),
    version: z.string(),
    tools: z.array(AipAgentTool),
    agents: z.array(z.unknown()),
    mcps: z.array(z.unknown()),
    metadata: z.object({
      type: z.literal('holdpoint_workflow'),
      workflow: z.string(),
      source: z.enum(['static', 'registered']),
      hash: z.string(),
      title: z.string().optional(),
      retired: z.literal(true).optional(),
    }),
    agent_config: z.object({ hitl_enabled: z.boolean() }),
    created_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .meta({ id: 'AipAgent' });
export type AipAgent = z.infer<typeof AipAgent>;

export const AipAgentPage = z.object({
  success: z.literal(true),
  data: z.array(AipAgent),
  message: z.string(),
  total: z.number().int(),
  page: z.number().int(),
  limit: z.number().int(),
  has_next: z.boolean(),
  has_prev: z.boolean(),
});

export const AipAgentAnswer = z.object({ success: z.literal(true), data: AipAgent, message: z.string() });

export const AipHealth = z.object({ success: z.literal(true), data: z.object({ status: z.literal('healthy') }), message: z.string() });

/** Always empty: holdpoint's models are set per agent step in a workflow definition. */
export const AipLanguageModels = z.object({ success: z.literal(true), data: z.array(z.record(z.string(), z.unknown())), message: z.string() });
