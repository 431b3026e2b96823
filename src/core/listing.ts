import type { Client } from '@temporalio/client';
import type { RunMemo } from '../contracts/memo';
import type { RunStatus, RunSummary } from '../contracts/run';
import { label, runsClauses, visiblePage, type VisibleRun } from './visibility';

export interface ListRunsParams {
  status?: RunStatus | undefined;
  workflow?: string | undefined;
  customer?: string | undefined;
  /** Runs of one session (AgentOS). */
  session?: string | undefined;
  /** Runs acting for one end user (m8tes, AgentOS `user_id`). */
  user?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface RunPage {
  runs: RunSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** Each status as visibility finds it: our search attribute, corrected by how the execution closed. */
const STATUS_FILTER: Record<RunStatus, string> = {
  running: `HoldpointStatus = 'running' AND ExecutionStatus = 'Running'`,
  paused: `HoldpointStatus = 'paused' AND ExecutionStatus = 'Running'`,
  completed: `ExecutionStatus = 'Completed'`,
  failed: `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`,
  cancelled: `ExecutionStatus = 'Canceled'`,
};

/** Lists runs newest first, one visibility call per page; each row comes from the run's memo. */
export async function listRuns(client: Client, taskQueue: string, params: ListRunsParams): Promise<RunPage> {
  const clauses = runsClauses(taskQueue);
  if (params.status) clauses.push(`(${STATUS_FILTER[params.status]})`);
  if (params.workflow) clauses.push(`HoldpointWorkflow = '${label('workflow', params.workflow)}'`);
  if (params.customer) clauses.push(`HoldpointCustomer = '${label('customer', params.customer)}'`);
  if (params.session) clauses.push(`HoldpointSession = '${label('session', params.session)}'`);
  if (params.user) clauses.push(`HoldpointEndUser = '${label('user', params.user)}'`);
  const page = await visiblePage(client, clauses, params.limit, params.cursor);
  return { runs: page.runs.map(summarise), next_cursor: page.next_cursor };
}

function summarise({ runId, status, terminated, memo, startedAt, endedAt }: VisibleRun): RunSummary {
  return {
    run_id: runId,
    workflow: memo?.workflow ?? 'unknown',
    status,
    task: memo?.task ?? '',
    ...(memo?.definition_hash ? { definition_hash: memo.definition_hash } : {}),
    ...(memo?.session_id ? { session_id: memo.session_id } : {}),
    ...(memo?.user_id ? { user_id: memo.user_id } : {}),
    pending: status === 'paused' ? (memo?.pauses ?? []).filter((p) => p.status === 'pending').map(pendingSummary) : [],
    error: terminated ? { type: 'terminated', message: 'the run was ended outside holdpoint (terminated or timed out)' } : (memo?.error ?? null),
    started_at: startedAt ?? '',
    ...(memo?.updated_at ? { updated_at: memo.updated_at } : {}),
    ...(endedAt ? { ended_at: endedAt } : {}),
  };
}

function pendingSummary(p: RunMemo['pauses'][number]): RunSummary['pending'][number] {
  return {
    request_id: p.request_id,
    step: p.step,
    type: p.type,
    message: p.message,
    ...(p.options ? { options: p.options } : {}),
    ...(p.assignees.length > 0 ? { assignees: p.assignees } : {}),
    created_at: p.created_at,
    ...(p.timeout_at ? { timeout_at: p.timeout_at } : {}),
  };
}
