import { Router } from 'express';
import { z } from 'zod';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { ApprovalItem } from '../../src/contracts/approval';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import { actor, authenticate } from '../auth';
import { errorBoundary, notFoundRoute, type ErrorFormatter } from '../errors';

/** GL AIP's HITL endpoints answer errors as `{"error": "<message>"}` (its demo server's shape). */
const aipError: ErrorFormatter = (error) => ({ error: error.message });

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

/** Seed 001: `POST /agents/hitl/decision` and `GET /agents/hitl/pending`, over the same core. */
export function aipRouter({ core, keys, logger }: { core: Core; keys: ApiKeyRing; logger: Logger }): Router {
  const router = Router();
  router.use(authenticate(keys));

  router.post('/decision', async (req, res) => {
    const parsed = DecisionBody.safeParse(req.body);
    if (!parsed.success) {
      // FastAPI's validation error shape, which AIP clients already handle.
      res.status(422).json({
        detail: parsed.error.issues.map((i) => ({ loc: ['body', ...i.path.map(String)], msg: i.message, type: i.code })),
      });
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

  router.use(notFoundRoute(aipError));
  router.use(errorBoundary(logger, aipError));
  return router;
}

function presentPending(item: ApprovalItem) {
  const args = item.context && typeof item.context === 'object' ? item.context : item.context === undefined ? {} : { value: item.context };
  const timeoutSeconds = item.timeout_at ? Math.round((Date.parse(item.timeout_at) - Date.parse(item.created_at)) / 1000) : null;
  return {
    request_id: item.request_id,
    tool: item.step,
    arguments: args,
    created_at: item.created_at,
    agent_id: item.workflow,
    run_id: item.run_id,
    hitl_metadata: { required: true, decision: 'pending', timeout_at: item.timeout_at ?? null, timeout_seconds: timeoutSeconds },
    additional_context: { tool_name: item.step, arguments: args, agent_id: item.workflow, message: item.message },
  };
}
