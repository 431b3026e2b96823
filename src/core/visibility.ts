import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { ErrorType, HoldpointError } from '../contracts/errors';
import type { RunMemo } from '../contracts/memo';
import { getRunQuery } from '../contracts/messages';
import type { RunStatus } from '../contracts/run';
import { RUN_MEMO_KEY, RUN_WORKFLOW_TYPE } from '../contracts/temporal';

const ExecutionStatus = temporal.api.enums.v1.WorkflowExecutionStatus;

/** One run as visibility returns it: its id, how its execution stands, and its memo. */
export interface VisibleRun {
  runId: string;
  status: RunStatus;
  /** Ended outside holdpoint (terminated, timed out): the memo could not say so. */
  terminated: boolean;
  /** The execution is still running. */
  open: boolean;
  memo: RunMemo | undefined;
  startedAt: string | undefined;
  endedAt: string | undefined;
}

/**
 * Runs of this deployment only (its task queue: gateways of another deployment on the same namespace
 * list their own), never their continued-as-new predecessors; callers add their own clauses.
 */
export function runsClauses(taskQueue: string): string[] {
  return [`WorkflowType = '${RUN_WORKFLOW_TYPE}'`, `ExecutionStatus != 'ContinuedAsNew'`, `TaskQueue = '${label('task queue', taskQueue)}'`];
}

/** Visibility filter values are spliced into a query string, so only plain labels are accepted. */
const LABEL = /^[A-Za-z0-9*][A-Za-z0-9_.:@-]{0,200}$/;

export function label(field: string, value: string): string {
  if (!LABEL.test(value)) throw new HoldpointError(ErrorType.InvalidRequest, `${field}: must be letters, digits or "_.:@-"`, { field });
  return value;
}

export function quotedList(field: string, values: readonly string[]): string {
  return values.map((v) => `'${label(field, v)}'`).join(', ');
}

/** A page of runs matching the clauses, newest first: one visibility call. */
export async function visiblePage(
  client: Client,
  clauses: string[],
  limit: number,
  cursor: string | undefined,
  memoKey: string = RUN_MEMO_KEY,
): Promise<{ runs: VisibleRun[]; next_cursor: string | null }> {
  const query = clauses.join(' AND ');
  const nextPageToken = cursor ? decodeCursor(cursor, query) : undefined;
  let response: temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
  try {
    response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: limit,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
  } catch (err) {
    // A well-formed cursor whose token the server no longer accepts (it expired, or was edited).
    if (nextPageToken && [2, 3].includes((err as { code?: number }).code ?? 0)) throw badCursor();
    throw err;
  }
  const converter = client.options.loadedDataConverter.payloadConverter;
  const runs = await Promise.all(response.executions.map(async (execution): Promise<VisibleRun> => {
    const payload = execution.memo?.fields?.[memoKey];
    const runId = execution.execution?.workflowId ?? '';
    const memo = payload ? await withAllPauses(client, runId, converter.fromPayload(payload) as RunMemo) : undefined;
    const code = execution.status ?? 0;
    const endedAt = timestamp(execution.closeTime);
    return {
      runId,
      status: statusOf(code, memo?.status),
      terminated: code === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED || code === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
      open: code === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      memo,
      startedAt: memo?.started_at ?? timestamp(execution.startTime),
      endedAt,
    };
  }));
  const token = response.nextPageToken;
  return { runs, next_cursor: token && token.length > 0 ? encodeCursor(token, query) : null };
}

/**
 * A run's memo with every pending pause: a run with more at once than its memo holds (see
 * `fittedMemo` in the workflow) leaves some out and counts them, and those come from the run itself.
 */
async function withAllPauses(client: Client, runId: string, memo: RunMemo): Promise<RunMemo> {
  if (!memo.pauses_omitted) return memo;
  try {
    const { pauses } = await client.workflow.getHandle(runId).query(getRunQuery);
    return { ...memo, pauses };
  } catch {
    throw new HoldpointError(ErrorType.Unavailable, `run ${runId} has more pending pauses than its memo holds and could not be read just now; retry the request`, { run_id: runId });
  }
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
