import type { ApprovalItem } from '../../src/contracts/approval';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { AipPendingList, HitlDecisionAnswer, HitlDecisionBody, type AipPendingRequest } from '../../src/contracts/http/aip';
import type { Core } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { agentIdOf } from './agents';
import { HITL_ERRORS } from './errors';

/** GL AIP's decision words, trimmed and lower-cased as its runtime does. */
const DECISIONS: Record<string, { value?: string; action?: 'skip' }> = {
  approved: { value: 'approve' },
  rejected: { value: 'reject' },
  skipped: { action: 'skip' },
};

/** The most pending requests one `GET /agents/hitl/pending` returns (AIP's API has no paging). */
const PENDING_LIMIT = 1_000;

/** `POST /agents/hitl/decision` and `GET /agents/hitl/pending`, over the same core as every face. */
export function hitlRoutes(table: RouteTable, core: Core, base: string): void {
  table.add({
    method: 'post',
    path: `${base}/decision`,
    summary: 'Decide a pending request: approved, rejected or skipped, with the operator\'s note',
    description: "Answers at once (GL AIP's answer carries no run state); the run goes on in the background and its stream carries the decision.",
    body: HitlDecisionBody,
    responses: { 200: { description: 'Recorded', schema: HitlDecisionAnswer }, ...HITL_ERRORS },
    handler: async ({ body, actor, req }) => {
      const { request_id, operator_input, run_id } = body;
      const decision = body.decision.trim().toLowerCase();
      const mapped = DECISIONS[decision];
      if (!mapped) {
        throw new HoldpointError(ErrorType.InvalidRequest, `decision must be one of approved, rejected, skipped (got "${body.decision}")`, { field: 'decision' });
      }
      if (run_id) req.log.info({ clientRunId: run_id, requestId: request_id }, 'AIP decision with a client run id');
      await core.runs.decideRequest(request_id, { ...mapped, via: 'aip', ...(operator_input ? { comment: operator_input } : {}) }, 0, actor);
      return answer(200, { status: 'ok' as const, message: `Request ${request_id} ${decision}` });
    },
  });

  table.add({
    method: 'get',
    path: `${base}/pending`,
    summary: 'The pending requests the caller can see, as a bare array (no paging; at most 1000)',
    responses: { 200: { description: 'The pending requests', schema: AipPendingList }, 401: HITL_ERRORS[401], 403: HITL_ERRORS[403], 503: HITL_ERRORS[503] },
    handler: async ({ actor }) => {
      const items: ApprovalItem[] = [];
      let cursor: string | undefined;
      do {
        const page = await core.approvals.list({ status: 'pending', limit: 100, cursor }, actor);
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && items.length < PENDING_LIMIT);
      return answer(200, items.slice(0, PENDING_LIMIT).map(presentPending));
    },
  });
}

function presentPending(item: ApprovalItem): AipPendingRequest {
  const args = item.tool
    ? item.tool.args
    : item.context && typeof item.context === 'object' && !Array.isArray(item.context)
      ? (item.context as Record<string, unknown>)
      : item.context === undefined
        ? {}
        : { value: item.context };
  // A reviewer approves what an output review shows now (an edit, from behavior 5): it is among the arguments.
  const review = item.type === 'output_review' && item.review && typeof item.review === 'object' ? (item.review as { output?: unknown }) : undefined;
  const reviewed = review && 'output' in review ? { output_to_review: review.output } : {};
  const tool = item.tool?.name ?? item.step;
  const timeoutSeconds = item.timeout_at ? Math.round((Date.parse(item.timeout_at) - Date.parse(item.created_at)) / 1000) : null;
  return {
    request_id: item.request_id,
    tool,
    arguments: { ...args, ...reviewed },
    created_at: item.created_at,
    agent_id: item.workflow,
    agent_uuid: agentIdOf(item.workflow),
    run_id: item.run_id,
    hitl_metadata: { required: true, decision: 'pending', timeout_at: item.timeout_at ?? null, timeout_seconds: timeoutSeconds },
    additional_context: { tool_name: tool, arguments: args, agent_id: item.workflow, step: item.step, message: item.message },
  };
}
