import { isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from '../logger';

const EventType = temporal.api.enums.v1.EventType;
const ALL_EVENTS = temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT;

/** What a watcher reports: the workflow did something, ended, continued as new, or is not there. */
export type HistoryChange =
  | { kind: 'progressed' }
  | { kind: 'continued'; runId: string }
  | { kind: 'closed'; status: 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' }
  | { kind: 'missing' };

export interface WatchOptions {
  client: Client;
  workflowId: string;
  /** Ends the watch. */
  signal: AbortSignal;
  /** Called, and awaited, after each change; a throw is logged and the watch goes on. */
  onChange(change: HistoryChange): void | Promise<void>;
  logger: Logger;
  /** Keep watching a workflow that does not exist yet (an entity workflow about to be started). @default false */
  waitForStart?: boolean;
}

const CLOSE_STATUS: Partial<Record<number, 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out'>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: 'completed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: 'failed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: 'cancelled',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: 'terminated',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: 'timed_out',
};

/**
 * Follows a workflow's history with Temporal's long poll (`GetWorkflowExecutionHistory` with
 * `waitNewEvent`): the server answers the moment an event is appended, and nothing is written to the
 * workflow. Reports a change after each completed workflow task (the workflow's state may have moved)
 * and follows continue-as-new to the next run. Resolves once the workflow has closed or on abort.
 */
export async function watchHistory(options: WatchOptions): Promise<void> {
  const { client, workflowId, signal, logger } = options;
  const { connection } = client;
  let runId: string | undefined;
  let token: Uint8Array | undefined;
  let failures = 0;
  const report = async (change: HistoryChange) => {
    try {
      await options.onChange(change);
    } catch (err) {
      logger.warn({ err, workflowId }, 'a history watcher failed to handle a change');
    }
  };

  while (!signal.aborted) {
    let response: temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
    // One controller per call: the client adds an abort listener per call and never removes it, so
    // passing the long-lived signal itself would pile up a listener (and its call) every ~20 s.
    const call = new AbortController();
    const cancel = () => call.abort();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      response = await connection.withAbortSignal(call.signal, () =>
        // The server answers an idle long poll after ~20 s; the deadline only guards a lost connection.
        connection.withDeadline(Date.now() + 45_000, () =>
          connection.workflowService.getWorkflowExecutionHistory({
            namespace: client.options.namespace,
            execution: { workflowId, ...(runId ? { runId } : {}) },
            waitNewEvent: true,
            historyEventFilterType: ALL_EVENTS,
            skipArchival: true,
            ...(token ? { nextPageToken: token } : {}),
          }),
        ),
      );
      failures = 0;
    } catch (err) {
      if (signal.aborted) return;
      const code = isGrpcServiceError(err) ? err.code : undefined;
      if (code === GRPC_DEADLINE_EXCEEDED) continue;
      if (code === GRPC_NOT_FOUND) {
        if (!options.waitForStart) {
          await report({ kind: 'missing' });
          return;
        }
        token = undefined;
        runId = undefined;
      } else if (code === GRPC_INVALID_ARGUMENT && token) {
        // A page token the server no longer takes: start over from the latest run.
        token = undefined;
        runId = undefined;
        continue;
      } else {
        logger.debug({ err, workflowId }, 'history watch failed; retrying');
      }
      failures += 1;
      await pause(Math.min(250 * 2 ** failures, 5_000), signal);
      continue;
    } finally {
      signal.removeEventListener('abort', cancel);
    }

    const events = response.history?.events ?? [];
    let progressed = false;
    for (const event of events) {
      const type = event.eventType ?? 0;
      if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) progressed = true;
      if (type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
        const next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
        await report({ kind: 'continued', runId: next ?? '' });
        runId = next;
        token = undefined;
        progressed = false;
        break;
      }
      const closed = CLOSE_STATUS[type];
      if (closed) {
        await report({ kind: 'closed', status: closed });
        return;
      }
    }
    if (progressed) await report({ kind: 'progressed' });
    if (response.nextPageToken && response.nextPageToken.length > 0) token = response.nextPageToken;
    else if (!events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)) {
      // No token and not closed: the run changed under us; start over from the latest one.
      token = undefined;
      runId = undefined;
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      done();
    }, { once: true });
  });
}

const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_NOT_FOUND = 5;
const GRPC_INVALID_ARGUMENT = 3;
