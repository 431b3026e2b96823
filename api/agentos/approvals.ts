import type { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import {
  AgentOsApproval,
  AgentOsApprovalCount,
  AgentOsApprovalPage,
  AgentOsApprovalState,
  type AgentOsApprovalStatus,
  ApprovalCountQuery,
  ApprovalParams,
  ApprovalsQuery,
  ResolveBody,
} from '../../src/contracts/http/agentos';
import type { Principal } from '../../src/contracts/principal';
import type { Pause, RunView } from '../../src/contracts/run';
import { parseRequestId, type Core, type InboxParams } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { AGENTOS_ERRORS, errorAnswers } from './errors';
import { AgentOsError, epoch, notFound } from './http';
import { agentOsStatus, sessionOf, type LayoutCache } from './layout';
import { executorRequirement } from './requirements';

/**
 * AgentOS' approval records are holdpoint's tool pauses: those of `@approval` tools (`approval:
 * required` or `audit`) and every tool confirmation. The record's id is the pause's request id, and
 * resolving it is the decision itself (the approver rules apply, the run goes on), taken by the key's
 * principal, who must be an admin as in AgentOS.
 */

type Status = AgentOsApprovalStatus;

/** How many inbox items a listing reads at most to find the records it shows. */
const SCAN_LIMIT = 1_000;

export function approvalRoutes(table: RouteTable, core: Core, layouts: LayoutCache): void {
  const recordOf = async (run: RunView, pause: Pause, caller: Principal) => approvalRecord(run, pause, (await layouts.forRun(run, caller)).stepTitle(pause.tool!.agent_step));

  table.add({
    method: 'get',
    path: '/approvals',
    summary: 'Approval records (tool pauses), newest first: paged, filtered by status, workflow, run, agent, user',
    query: ApprovalsQuery,
    responses: { 200: { description: 'A page of approval records', schema: AgentOsApprovalPage }, ...errorAnswers(401, 422, 503) },
    handler: async ({ query, actor }) => {
      const found = await findApprovals(core, actor, query.status, query.workflow_id, query.run_id);
      const records = (await Promise.all(found.map(({ run, pause }) => recordOf(run, pause, actor)))).filter(
        (r) =>
          (!query.status || r.status === query.status) &&
          (!query.source_type || r.source_type === query.source_type) &&
          (!query.approval_type || r.approval_type === query.approval_type) &&
          (!query.pause_type || r.pause_type === query.pause_type) &&
          (!query.agent_id || r.agent_id === query.agent_id) &&
          (!query.user_id || r.user_id === query.user_id) &&
          !query.team_id &&
          !query.schedule_id,
      );
      records.sort((a, b) => b.created_at - a.created_at);
      return answer(200, {
        data: records.slice((query.page - 1) * query.limit, query.page * query.limit),
        meta: { page: query.page, limit: query.limit, total_pages: Math.ceil(records.length / query.limit), total_count: records.length, search_time_ms: 0 },
      });
    },
  });

  table.add({
    method: 'get',
    path: '/approvals/count',
    summary: 'How many approvals are pending (of one end user)',
    query: ApprovalCountQuery,
    responses: { 200: { description: 'The count', schema: AgentOsApprovalCount }, ...errorAnswers(401, 422, 503) },
    handler: async ({ query, actor }) => {
      const found = await findApprovals(core, actor, 'pending');
      return answer(200, { count: found.filter(({ run }) => !query.user_id || run.user_id === query.user_id).length });
    },
  });

  table.add({
    method: 'get',
    path: '/approvals/:approvalId/status',
    summary: "An approval's status: who resolved it and when",
    params: ApprovalParams,
    responses: { 200: { description: 'The status', schema: AgentOsApprovalState }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => {
      const { run, pause } = await approvalOf(core, params.approvalId, actor);
      const record = await recordOf(run, pause, actor);
      return answer(200, { approval_id: record.id, status: record.status, run_id: record.run_id, resolved_at: record.resolved_at, resolved_by: record.resolved_by });
    },
  });

  table.add({
    method: 'get',
    path: '/approvals/:approvalId',
    summary: 'One approval record (`ApprovalResponse`)',
    params: ApprovalParams,
    responses: { 200: { description: 'The record', schema: AgentOsApproval }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => {
      const { run, pause } = await approvalOf(core, params.approvalId, actor);
      return answer(200, await recordOf(run, pause, actor));
    },
  });

  table.add({
    method: 'post',
    path: '/approvals/:approvalId/resolve',
    summary: "Resolve an approval (admins): the decision itself, taken by the key's principal; the run goes on",
    params: ApprovalParams,
    body: ResolveBody,
    responses: { 200: { description: 'The record, resolved', schema: AgentOsApproval }, ...errorAnswers(401, 403, 404, 409, 422, 503) },
    handler: async ({ params, body, actor }) => {
      if (!actor.roles.includes('admin')) throw new AgentOsError(403, `${actor.id} may not resolve approvals: that needs the admin role`);
      const { run, pause } = await approvalOf(core, params.approvalId, actor);
      const settled = async (view: RunView) => {
        const now = view.pauses.find((p) => p.request_id === pause.request_id)!;
        return new AgentOsError(409, `Approval is already '${statusOf(now)}' and cannot be resolved`);
      };
      if (pause.status !== 'pending') throw await settled(run);
      const data = body.resolution_data ?? {};
      const comment = ['comment', 'note', 'reason'].map((k) => data[k]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
      try {
        const view = await core.runs.decide(run.run_id, { request_id: pause.request_id, value: resolutionValue(pause, body.status as 'approved' | 'rejected', data), ...(comment ? { comment } : {}), via: 'agentos' }, 0, actor);
        return answer(200, await recordOf(view, view.pauses.find((p) => p.request_id === pause.request_id)!, actor));
      } catch (err) {
        if (err instanceof HoldpointError && (err.type === ErrorType.AlreadyDecided || err.type === ErrorType.NotPaused || err.type === ErrorType.RunEnded)) {
          throw await settled(await core.runs.get(run.run_id, actor));
        }
        throw err;
      }
    },
  });

  table.add({
    method: 'delete',
    path: '/approvals/:approvalId',
    summary: "Delete an approval: not in holdpoint (405), whose approvals are pauses kept with their run's audit trail",
    params: ApprovalParams,
    responses: { 405: AGENTOS_ERRORS[405], ...errorAnswers(401) },
    handler: () => answer(405, { detail: "holdpoint's approvals are pauses of runs, kept with the run's audit trail; they cannot be deleted" }),
  });
}

export type ApprovalRecord = z.input<typeof AgentOsApproval>;

/** AgentOS' approval record of a tool pause. */
export function approvalRecord(run: RunView, pause: Pause, agentName: string): ApprovalRecord {
  const tool = pause.tool!;
  const decision = pause.decision;
  return {
    id: pause.request_id,
    run_id: run.run_id,
    session_id: sessionOf(run),
    status: statusOf(pause),
    source_type: 'agent',
    approval_type: tool.approval ?? 'required',
    pause_type: tool.hitl,
    tool_name: tool.name,
    tool_args: tool.args,
    expires_at: pause.timeout_at ? epoch(pause.timeout_at) : null,
    agent_id: tool.agent_step,
    team_id: null,
    workflow_id: run.workflow,
    user_id: run.user_id ?? null,
    schedule_id: null,
    schedule_run_id: null,
    source_name: agentName,
    requirements: [executorRequirement(pause)],
    context: { tool_names: [tool.name], source_name: agentName },
    resolution_data: decision ? { value: decision.value, ...(decision.comment ? { comment: decision.comment } : {}), channel: decision.via ?? decision.channel } : null,
    resolved_by: decision?.by ?? null,
    resolved_at: decision ? epoch(decision.at) : null,
    created_at: epoch(pause.created_at),
    updated_at: epoch(decision?.at ?? pause.created_at),
    run_status: agentOsStatus(run.status),
  };
}

function statusOf(pause: Pause): Status {
  if (pause.status === 'pending') return 'pending';
  if (pause.status === 'cancelled' || pause.status === 'skipped') return 'cancelled';
  if (pause.status === 'timed_out') return 'expired';
  return pause.decision?.value === 'reject' ? 'rejected' : 'approved';
}

const isApproval = (pause: Pause): boolean => pause.tool !== undefined && (pause.tool.approval !== undefined || pause.type === 'tool_approval');

/** What an approval resolves to: approve or reject; the values of a user-input tool, the result of an external one. */
function resolutionValue(pause: Pause, status: 'approved' | 'rejected', data: Record<string, unknown>): unknown {
  if (status === 'rejected') return 'reject';
  if (pause.tool!.hitl === 'user_input') return (data.values as Record<string, unknown> | undefined) ?? data;
  if (pause.tool!.hitl === 'external_execution') return data.result ?? null;
  return 'approve';
}

async function approvalOf(core: Core, id: string, caller: Principal): Promise<{ run: RunView; pause: Pause }> {
  const parsed = parseRequestId(id);
  if (!parsed) throw notFound('Approval');
  const run = await core.runs.get(parsed.runId, caller).catch((err: unknown) => {
    if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw notFound('Approval');
    throw err;
  });
  const pause = run.pauses.find((p) => p.request_id === id);
  if (!pause || !isApproval(pause)) throw notFound('Approval');
  return { run, pause };
}

/** Approval pauses across runs (from the inbox, then each run read once), or of one run. */
async function findApprovals(core: Core, caller: Principal, status?: Status, workflow?: string, runId?: string): Promise<{ run: RunView; pause: Pause }[]> {
  if (runId) {
    const run = await core.runs.get(runId, caller).catch(() => undefined);
    return run ? run.pauses.filter(isApproval).map((pause) => ({ run, pause })) : [];
  }
  const inbox: InboxParams['status'] = status === 'approved' || status === 'rejected' ? 'decided' : status === 'expired' ? 'expired' : status ?? 'all';
  const runIds = new Set<string>();
  let cursor: string | undefined;
  let scanned = 0;
  do {
    const page = await core.approvals.list({ status: inbox, workflow, limit: 100, cursor }, caller);
    for (const item of page.items) {
      const context = item.context as { tool?: unknown } | undefined;
      if (item.type === 'tool_approval' || (context && typeof context === 'object' && 'tool' in context)) runIds.add(item.run_id);
    }
    scanned += page.items.length;
    cursor = page.next_cursor ?? undefined;
  } while (cursor && scanned < SCAN_LIMIT);
  const runs = await Promise.all([...runIds].map((id) => core.runs.get(id, caller).catch(() => undefined)));
  return runs.flatMap((run) => (run ? run.pauses.filter(isApproval).map((pause) => ({ run, pause })) : []));
}
