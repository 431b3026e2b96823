import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ErrorType, HoldpointError } from '../contracts/errors';
import type { RunMemo } from '../contracts/memo';
import type { RunStatus, RunSummary } from '../contracts/run';
import { RUN_MEMO_KEY, RUN_WORKFLOW_TYPE } from '../contracts/temporal';

const ExecutionStatus = temporal.api.enums.v1.WorkflowExecutionStatus;

export interface ListRunsParams {
  status?: RunStatus | undefined;
  workflow?: string | undefined;
  customer?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface RunPage {
  runs: RunSummary[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** Visibility filter values are spliced into a query string, so only plain labels are accepted. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** Each status as visibility finds it: our search attribute, corrected by how the execution closed. */
const STATUS_FILTER: Record<RunStatus, string> = {
  running: `HoldpointStatus = 'running' AND ExecutionStatus = 'Running'`,
  paused: `HoldpointStatus = 'paused' AND ExecutionStatus = 'Running'`,
  completed: `ExecutionStatus = 'Completed'`,
  failed: `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`,
  cancelled: `ExecutionStatus = 'Canceled'`,
};

/** Lists runs newest first, one visibility call per page; each row comes from the run's memo. */
export async function listRuns(client: Client, params: ListRunsParams): Promise<RunPage> {
  const clauses = [`WorkflowType = '${RUN_WORKFLOW_TYPE}'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (params.status) clauses.push(`(${STATUS_FILTER[params.status]})`);
  if (params.workflow) clauses.push(`HoldpointWorkflow = '${label('workflow', params.workflow)}'`);
  if (params.customer) clauses.push(`HoldpointCustomer = '${label('customer', params.customer)}'`);

  const query = clauses.join(' AND ');
  const nextPageToken = params.cursor ? decodeCursor(params.cursor, query) : undefined;
  let response: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
  try {
    response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: params.limit,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
  } catch (err) {
    // A well-formed cursor whose token the server no longer accepts (it expired, or was edited).
    if (nextPageToken && [2, 3].includes((err as { code?: number }).code ?? 0)) throw badCursor();
    throw err;
  }
  const converter = client.options.loadedDataConverter.payloadConverter;
  const runs = response.executions.map((execution) => {
    const payload = execution.memo?.fields?.[RUN_MEMO_KEY];
    const memo = payload ? (converter.fromPayload(payload) as RunMemo) : undefined;
    return summarise(execution, memo);
  });
  const token = response.nextPageToken;
  return { runs, next_cursor: token && token.length > 0 ? encodeCursor(token, query) : null };
}

function summarise(execution: temporal.api.workflow.v1.IWorkflowExecutionInfo, memo: RunMemo | undefined): RunSummary {
  const status = statusOf(execution.status ?? 0, memo?.status);
  const terminated = execution.status === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED || execution.status === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
  const endedAt = timestamp(execution.closeTime);
  return {
    run_id: execution.execution?.workflowId ?? '',
    workflow: memo?.workflow ?? 'unknown',
    status,
    task: memo?.task ?? '',
    ...(memo?.definition_hash ? { definition_hash: memo.definition_hash } : {}),
    pending: status === 'paused' ? (memo?.pending ?? []) : [],
    error: terminated ? { type: 'terminated', message: 'the run was ended outside holdpoint (terminated or timed out)' } : (memo?.error ?? null),
    started_at: memo?.started_at ?? timestamp(execution.startTime) ?? '',
    ...(memo?.updated_at ? { updated_at: memo.updated_at } : {}),
    ...(endedAt ? { ended_at: endedAt } : {}),
  };
}

function statusOf(executionStatus: number, memoStatus: RunStatus | undefined): RunStatus {
  switch (executionStatus) {
    case ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING:
      return memoStatus === 'paused' ? 'paused' : 'running';
    case ExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return 'completed';
    case ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED:
      return 'cancelled';
    default:
      return 'failed';
  }
}

function timestamp(ts: temporal.api.workflow.v1.IWorkflowExecutionInfo['startTime']): string | undefined {
  if (!ts?.seconds) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

function label(field: string, value: string): string {
  if (!LABEL.test(value)) {
    throw new HoldpointError(ErrorType.InvalidRequest, `${field}: must be 1-128 letters, digits or "_.:@-"`, { field });
  }
  return value;
}

/** A cursor carries Temporal's page token and a tag of the query it pages, so it cannot page another listing. */
function encodeCursor(token: Uint8Array, query: string): string {
  return Buffer.from(JSON.stringify({ q: queryTag(query), t: Buffer.from(token).toString('base64') })).toString('base64url');
}

function decodeCursor(cursor: string, query: string): Uint8Array {
  let decoded: { q?: unknown; t?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { q?: unknown; t?: unknown };
  } catch {
    throw badCursor();
  }
  if (typeof decoded?.t !== 'string' || typeof decoded.q !== 'string') throw badCursor();
  if (decoded.q !== queryTag(query)) {
    throw new HoldpointError(ErrorType.InvalidRequest, 'cursor: belongs to a listing with other filters; keep the filters while paging', {
      field: 'cursor',
    });
  }
  return Buffer.from(decoded.t, 'base64');
}

function queryTag(query: string): string {
  return createHash('sha256').update(query).digest('base64url').slice(0, 12);
}

function badCursor(): HoldpointError {
  return new HoldpointError(ErrorType.InvalidRequest, 'cursor: is not a cursor this API returned', { field: 'cursor' });
}
