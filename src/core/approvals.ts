import type { Client } from '@temporalio/client';
import type { ApprovalItem, ApprovalStatus } from '../contracts/approval';
import { APPROVAL_STATUS_OF, APPROVAL_STATUSES } from '../contracts/approval-states';
import { ErrorType, HoldpointError } from '../contracts/errors';
import type { PauseSummary } from '../contracts/memo';
import { ROLES_FOR, type Principal } from '../contracts/principal';
import type { Pause, RunStatus, RunView } from '../contracts/run';
import { assigneeKeys, keysFor, matchesAssignee } from '../lib/assignees';
import { currentRound } from '../lib/review-rounds';
import { authorize } from './authorize';
import type { DecisionInput, RunService } from './runs';
import { parseRequestId } from './ids';
import { label, quotedList, runsClauses, visiblePage } from './visibility';

export interface InboxParams {
  /** @default pending */
  status: ApprovalStatus | 'all';
  /** `mine` (the caller, their groups, and unassigned pauses), a principal, `user:<id>` or `group:<id>`. */
  assignee?: string | undefined;
  workflow?: string | undefined;
  customer?: string | undefined;
  created_after?: string | undefined;
  created_before?: string | undefined;
  timeout_after?: string | undefined;
  timeout_before?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface InboxPage {
  items: ApprovalItem[];
  next_cursor: string | null;
}


export interface BulkItem extends Omit<DecisionInput, 'step' | 'request_id'> {
  request_id: string;
}

export type BulkResult =
  | { request_id: string; ok: true; status: 200; approval: ApprovalItem | undefined; run: { run_id: string; status: RunStatus } }
  | { request_id: string; ok: false; status: number; error: HoldpointError };

/** The approvals inbox: pauses across runs, read from visibility and memo (one call per page). */
export class Approvals {
  constructor(
    private readonly client: Client,
    private readonly runs: RunService,
    private readonly taskQueue: string,
  ) {}

  async list(params: InboxParams, actor: Principal): Promise<InboxPage> {
    authorize(actor, 'read');
    const states: ApprovalStatus[] = params.status === 'all' ? [...APPROVAL_STATUSES] : [params.status];
    const wanted = assigneeFilter(params.assignee, actor);
    const clauses = [...runsClauses(this.taskQueue), `HoldpointApprovalStates IN (${quotedList('status', states)})`];
    if (params.status === 'pending') clauses.push(`ExecutionStatus = 'Running'`);
    if (wanted) clauses.push(`HoldpointAssignees IN (${quotedList('assignee', wanted)})`);
    if (params.workflow) clauses.push(`HoldpointWorkflow = '${label('workflow', params.workflow)}'`);
    if (params.customer) clauses.push(`HoldpointCustomer = '${label('customer', params.customer)}'`);
    if (params.status === 'pending') {
      // Exact for runs with one pending pause; the per-pause filter below makes it exact for all.
      if (params.created_after) clauses.push(`HoldpointPendingSince >= '${params.created_after}'`);
      if (params.timeout_before) clauses.push(`HoldpointNextTimeout <= '${params.timeout_before}'`);
    }

    const page = await visiblePage(this.client, clauses, params.limit, params.cursor);
    const items: ApprovalItem[] = [];
    for (const run of page.runs) {
      if (!run.memo) continue;
      for (const pause of run.memo.pauses) {
        const state = APPROVAL_STATUS_OF[pause.status];
        if (!states.includes(state)) continue;
        if (wanted && !assigneeKeys(pause.assignees).some((k) => wanted.includes(k))) continue;
        if (!inRange(pause.created_at, params.created_after, params.created_before)) continue;
        if ((params.timeout_after || params.timeout_before) && !inRange(pause.timeout_at, params.timeout_after, params.timeout_before)) continue;
        items.push(toItem({ ...run.memo, run_id: run.runId, status: run.status }, pause, actor));
      }
    }
    return { items, next_cursor: page.next_cursor };
  }

  /** One request in full (its whole context), read from its run. */
  async get(requestId: string, actor: Principal): Promise<ApprovalItem> {
    authorize(actor, 'read');
    const { run, pause } = await this.find(requestId, actor);
    return toItem(run, pause, actor);
  }

  async decide(requestId: string, input: Omit<DecisionInput, 'request_id' | 'step'>, waitMs: number, actor: Principal): Promise<{ approval: ApprovalItem; run: RunView }> {
    const run = await this.runs.decideRequest(requestId, input, waitMs, actor);
    const pause = run.pauses.find((p) => p.request_id === requestId) ?? (await this.find(requestId, actor)).pause;
    return { approval: toItem(run, pause, actor), run };
  }

  /** Many decisions, each answered on its own; a refusal of one never stops the others. */
  async decideMany(items: BulkItem[], actor: Principal, concurrency = 8): Promise<BulkResult[]> {
    const results: BulkResult[] = new Array(items.length);
    let next = 0;
    const work = async () => {
      while (next < items.length) {
        const index = next++;
        const { request_id, ...input } = items[index]!;
        try {
          const run = await this.runs.decideRequest(request_id, input, 0, actor);
          const pause = run.pauses.find((p) => p.request_id === request_id);
          results[index] = {
            request_id,
            ok: true,
            status: 200,
            approval: pause ? toItem(run, pause, actor) : undefined,
            run: { run_id: run.run_id, status: run.status },
          };
        } catch (err) {
          if (!(err instanceof HoldpointError)) throw err;
          results[index] = { request_id, ok: false, status: 0, error: err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, work));
    return results;
  }

  private async find(requestId: string, actor: Principal): Promise<{ run: RunView; pause: Pause }> {
    const parsed = parseRequestId(requestId);
    const missing = () => new HoldpointError(ErrorType.NotFound, `no request ${requestId}`, { request_id: requestId });
    if (!parsed) throw missing();
    let run: RunView;
    try {
      run = await this.runs.get(parsed.runId, actor);
    } catch (err) {
      if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw missing();
      throw err;
    }
    const pause = run.pauses.find((p) => p.request_id === requestId);
    if (!pause) throw missing();
    return { run, pause };
  }
}

function assigneeFilter(assignee: string | undefined, actor: Principal): string[] | undefined {
  if (!assignee) return undefined;
  if (assignee === 'mine') return keysFor(actor.id, actor.groups);
  return assigneeKeys([label('assignee', assignee)]);
}

function inRange(at: string | undefined, after: string | undefined, before: string | undefined): boolean {
  if (!after && !before) return true;
  if (!at) return false;
  return (!after || at >= after) && (!before || at <= before);
}

/** Whether the caller may decide now: a vote before an edit of an output review was on other content, so it does not count. */
function mayDecide(actor: Principal, status: ApprovalStatus, pause: PauseSummary): boolean {
  return (
    status === 'pending' &&
    actor.roles.some((r) => ROLES_FOR.decide.includes(r)) &&
    matchesAssignee(pause.assignees, actor.id, actor.groups) &&
    !currentRound(pause).some((v) => v.by === actor.id)
  );
}

/** The run an inbox item belongs to, as either a memo or a full view describes it. */
interface RunSide {
  run_id: string;
  workflow: string;
  status: RunStatus;
  task: string;
  state: unknown;
  started_by?: string | undefined;
  customer?: string | undefined;
  started_at: string;
}

/** One inbox item: the pause, who may decide it (and whether the caller may), and its run. */
function toItem(run: RunSide, pause: PauseSummary, actor: Principal): ApprovalItem {
  const status = APPROVAL_STATUS_OF[pause.status];
  const votes = (pause.votes ?? []).map((v) => ({ ...(v.by ? { by: v.by } : {}), value: v.value, at: v.at }));
  const may = mayDecide(actor, status, pause);
  return {
    request_id: pause.request_id,
    run_id: run.run_id,
    workflow: run.workflow,
    step: pause.step,
    type: pause.type,
    ...(pause.title ? { title: pause.title } : {}),
    message: pause.message,
    ...(pause.options ? { options: pause.options } : {}),
    ...(pause.input_schema !== undefined ? { input_schema: pause.input_schema } : {}),
    ...(pause.questions !== undefined ? { questions: pause.questions } : {}),
    ...(pause.review ? { review: pause.review } : {}),
    ...(pause.context !== undefined ? { context: pause.context } : {}),
    ...(pause.tool ? { tool: pause.tool } : {}),
    status,
    created_at: pause.created_at,
    ...(pause.timeout_at ? { timeout_at: pause.timeout_at } : {}),
    on_timeout: pause.on_timeout,
    ...(pause.digest ? { digest: pause.digest } : {}),
    who_may_decide: { ...pause.rules, assignees: pause.assignees, ...(run.started_by ? { started_by: run.started_by } : {}) },
    votes,
    ...(pause.round_from ? { round_from: pause.round_from } : {}),
    ...(pause.escalation ? { escalation: pause.escalation } : {}),
    ...(pause.decision ? { decision: pause.decision } : {}),
    you_may_decide: may,
    you_may_approve: may && (pause.rules.allow_self_approval || run.started_by !== actor.id),
    run: {
      status: run.status,
      task: run.task,
      state: run.state,
      ...(run.started_by ? { started_by: run.started_by } : {}),
      ...(run.customer ? { customer: run.customer } : {}),
      started_at: run.started_at,
    },
  };
}
