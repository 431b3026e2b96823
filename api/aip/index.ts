import { Router, type Response } from 'express';
import { z } from 'zod';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { ApprovalItem } from '../../src/contracts/approval';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Core } from '../../src/core';
import type { ListedDefinition } from '../../src/core/definitions';
import type { Logger } from '../../src/logger';
import { actor, authenticate } from '../auth';
import type { LiveRouteOptions } from '../v1/events';
import { SseStream } from '../streaming/sse';
import { errorBoundary, notFoundRoute, type ErrorFormatter } from '../errors';
import { agentIdOf, matchesAgent, presentAgent } from './agents';
import { streamAipRun } from './run-stream';

export interface AipOptions {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  live: LiveRouteOptions;
}

/**
 * GL AIP's HITL endpoints answer errors as `{"error": "<message>"}` (its demo server's shape); `message`
 * repeats it for GL AIP's Python client, which reads that key.
 */
const hitlError: ErrorFormatter = (error) => ({ error: error.message, message: error.message });

/** GL AIP's other endpoints use its envelope: `{"success": false, "error": <type>, "message"}`. */
const envelopeError: ErrorFormatter = (error) => ({
  success: false,
  error: error.type,
  message: error.message,
  ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
});

const DecisionBody = z.object({
  request_id: z.string({ error: 'is required' }).min(1),
  decision: z.string({ error: 'is required' }),
  operator_input: z.string().max(4_000).default(''),
  /** The caller's own correlation id; recorded in the log, not used. */
  run_id: z.string().max(255).nullable().optional(),
});

/** GL AIP's decision words, trimmed and lower-cased as its runtime does. */
const DECISIONS: Record<string, { value?: string; action?: 'skip' }> = {
  approved: { value: 'approve' },
  rejected: { value: 'reject' },
  skipped: { action: 'skip' },
};

/** The most pending requests one `GET /agents/hitl/pending` returns (AIP's API has no paging). */
const PENDING_LIMIT = 1_000;

/**
 * `POST /agents/{id}/run`'s body. GL AIP's client spreads any extra keyword argument into it
 * (`verbose`, `runtime_config`, `timeout`, ...), so unknown keys are ignored.
 */
const RunBody = z.looseObject({
  input: z.string({ error: 'is required' }).min(1, 'must not be empty').max(100_000, 'must be at most 100000 characters'),
  stream: z.boolean().optional(),
  chat_history: z.array(z.looseObject({ role: z.string(), content: z.unknown() })).max(1_000).optional(),
  user_id: z.string().min(1).max(255).optional(),
  memory_user_id: z.string().min(1).max(255).optional(),
});

const ListQuery = z.looseObject({
  name: z.string().max(255).optional(),
  agent_type: z.string().max(64).optional(),
  framework: z.string().max(64).optional(),
  version: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  page: z.coerce.number().int().min(1).default(1),
});

/** Seed 001, GL AIP: the HITL endpoints under `/agents/hitl`, and agents (holdpoint's workflows) with their run stream. */
export function aipRouter(options: AipOptions): { hitl: Router; agents: Router } {
  return { hitl: hitlRouter(options), agents: agentsRouter(options) };
}

/** `POST /agents/hitl/decision` and `GET /agents/hitl/pending`, over the same core as every face. */
function hitlRouter({ core, keys, logger }: AipOptions): Router {
  const router = Router();
  router.use(authenticate(keys));

  router.post('/decision', async (req, res) => {
    const parsed = DecisionBody.safeParse(req.body);
    if (!parsed.success) {
      validationError(res, parsed.error);
      return;
    }
    const { request_id, operator_input, run_id } = parsed.data;
    const decision = parsed.data.decision.trim().toLowerCase();
    const mapped = DECISIONS[decision];
    if (!mapped) {
      throw new HoldpointError(ErrorType.InvalidRequest, `decision must be one of approved, rejected, skipped (got "${parsed.data.decision}")`, { field: 'decision' });
    }
    if (run_id) req.log.info({ clientRunId: run_id, requestId: request_id }, 'AIP decision with a client run id');
    await core.runs.decideRequest(request_id, { ...mapped, via: 'aip', ...(operator_input ? { comment: operator_input } : {}) }, 0, actor(req));
    res.json({ status: 'ok', message: `Request ${request_id} ${decision}` });
  });

  router.get('/pending', async (req, res) => {
    const items: ApprovalItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await core.approvals.list({ status: 'pending', limit: 100, cursor }, actor(req));
      items.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && items.length < PENDING_LIMIT);
    res.json(items.slice(0, PENDING_LIMIT).map(presentPending));
  });

  router.use(notFoundRoute(hitlError));
  router.use(errorBoundary(logger, hitlError));
  return router;
}

/**
 * GL AIP's agents are holdpoint's workflows (the id is a UUID derived from the workflow's name; the
 * name works too). Mounted at the root with explicit paths, so other faces' routes pass through.
 */
function agentsRouter({ core, keys, logger, live }: AipOptions): Router {
  const router = Router();
  const auth = authenticate(keys);

  router.get('/health-check', (_req, res) => {
    res.json({ success: true, data: { status: 'healthy' }, message: 'holdpoint is up' });
  });

  // GL AIP's client asks for language models before creating an agent; holdpoint's models live in definitions.
  router.get('/language-models/', auth, (_req, res) => {
    res.json({ success: true, data: [], message: 'models are set per agent step in a workflow definition' });
  });

  router.get(['/agents', '/agents/'], auth, async (req, res) => {
    const query = ListQuery.safeParse(req.query);
    if (!query.success) {
      validationError(res, query.error, 'query');
      return;
    }
    const { name, agent_type, framework, version, limit, page } = query.data;
    const all = (await core.definitions.list(actor(req))).map(presentAgent).filter(
      (agent) =>
        (!name || String(agent.name).toLowerCase().includes(name.toLowerCase())) &&
        (!agent_type || agent.type === agent_type) &&
        (!framework || agent.framework === framework) &&
        (!version || agent.version === version),
    );
    const data = all.slice((page - 1) * limit, page * limit);
    res.json({ success: true, data, message: `${all.length} agents`, total: all.length, page, limit, has_next: page * limit < all.length, has_prev: page > 1 });
  });

  router.get('/agents/:agentId', auth, async (req, res) => {
    const agent = await findAgent(core, String(req.params.agentId), actor(req));
    res.json({ success: true, data: presentAgent(agent), message: 'ok' });
  });

  router.post('/agents/:agentId/run', auth, async (req, res) => {
    if (req.is('multipart/form-data')) {
      throw new HoldpointError(ErrorType.InvalidRequest, 'file uploads are not supported: send JSON {"input": "..."} (a run\'s files belong in its state)', { field: 'body' });
    }
    const parsed = RunBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      validationError(res, parsed.error);
      return;
    }
    const caller = actor(req);
    const agent = await findAgent(core, String(req.params.agentId), caller);
    const { task, state } = taskAndState(parsed.data.input);
    const userId = parsed.data.user_id ?? parsed.data.memory_user_id;
    const { run } = await core.runs.start({ workflow: agent.name, task, state, waitMs: 0, ...(userId ? { userId } : {}) }, caller);
    req.log.info({ runId: run.run_id, workflow: agent.name }, 'AIP run started');
    res.setHeader('X-Run-Id', run.run_id);
    const stream = new SseStream(req, res, live);
    await streamAipRun(core, stream, run, caller, req.log);
  });

  // Agents are defined as workflows: creating or changing one goes through the workflow definitions.
  router.all(['/agents', '/agents/', '/agents/:agentId'], auth, (req, res) => {
    res
      .status(405)
      .setHeader('Allow', 'GET')
      .json({
        success: false,
        error: 'MethodNotAllowed',
        message: `${req.method} ${req.path}: holdpoint's agents are its workflows; register or retire one with POST/DELETE /v1/workflows`,
      });
  });

  router.use(errorBoundary(logger, envelopeError));
  return router;
}

async function findAgent(core: Core, id: string, caller: ReturnType<typeof actor>): Promise<ListedDefinition> {
  const found = (await core.definitions.list(caller)).find((d) => matchesAgent(id, d.name));
  if (!found) throw new HoldpointError(ErrorType.NotFound, `agent ${id} not found: GET /agents/ lists the workflows this gateway runs`, { agent_id: id });
  return found;
}

/**
 * AIP's `input` is a message. It is the run's task; when it is a JSON object, it is the run's state
 * instead (its `task` key, if any, the task), so workflows with an input schema can be run too.
 */
export function taskAndState(input: string): { task: string; state: Record<string, unknown> } {
  const trimmed = input.trim();
  if (trimmed.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const { task, ...state } = value as Record<string, unknown>;
        return { task: typeof task === 'string' && task ? task : input, state };
      }
    } catch {
      // Not JSON: a message that starts with a brace.
    }
  }
  return { task: input, state: {} };
}

/** FastAPI's validation error shape (422 with `detail`), which AIP clients render field by field. */
function validationError(res: Response, error: z.ZodError, source = 'body'): void {
  res.status(422).json({
    detail: error.issues.map((i) => ({ loc: [source, ...i.path.map(String)], msg: i.message, type: i.code })),
  });
}

function presentPending(item: ApprovalItem) {
  const args = item.tool
    ? item.tool.args
    : item.context && typeof item.context === 'object' && !Array.isArray(item.context)
      ? item.context
      : item.context === undefined
        ? {}
        : { value: item.context };
  const tool = item.tool?.name ?? item.step;
  const timeoutSeconds = item.timeout_at ? Math.round((Date.parse(item.timeout_at) - Date.parse(item.created_at)) / 1000) : null;
  return {
    request_id: item.request_id,
    tool,
    arguments: args,
    created_at: item.created_at,
    agent_id: item.workflow,
    agent_uuid: agentIdOf(item.workflow),
    run_id: item.run_id,
    hitl_metadata: { required: true, decision: 'pending', timeout_at: item.timeout_at ?? null, timeout_seconds: timeoutSeconds },
    additional_context: { tool_name: tool, arguments: args, agent_id: item.workflow, step: item.step, message: item.message },
  };
}
