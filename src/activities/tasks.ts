import { ApplicationFailure, Context } from '@temporalio/activity';
import { RESERVED_ACTIVITY_PREFIX } from '../contracts/notify';
import type { TaskActivity, TaskFailureDetails, TaskResult } from '../contracts/tasks';

/** What a task handler gets besides its input. */
export interface TaskContext {
  runId: string;
  /** The task's name (the activity type). */
  handler: string;
  /** 1 on the first try, then 2, 3... */
  attempt: number;
  /**
   * The same on every attempt of this call (and different for every other call): key side effects by
   * it (a payment's idempotency key, a message id) so a retry after a crash does them once.
   */
  idempotencyKey: string;
  /** Aborted when the run is cancelled or the attempt times out; pass it to fetch() and friends. */
  signal: AbortSignal;
  /** Report progress from a long handler (requires the step's `heartbeat_timeout`). */
  heartbeat(details?: unknown): void;
  log: Context['log'];
}

/**
 * A task step's implementation: takes the step's mapped input, returns its output (plain JSON).
 * Throw to fail the attempt; the step's retry policy decides whether it is tried again. Throw
 * `ApplicationFailure.nonRetryable(...)` (or an error named in `retry.non_retryable_errors`) to stop.
 */
export type TaskHandler = (input: any, context: TaskContext) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export type TaskHandlers = Record<string, TaskHandler>;

/** Wraps each handler as a Temporal activity of the same name. */
export function createTaskActivities(handlers: TaskHandlers): Record<string, TaskActivity> {
  const reserved = Object.keys(handlers).find((name) => name.startsWith(RESERVED_ACTIVITY_PREFIX));
  if (reserved) throw new Error(`task handler "${reserved}": names starting with "${RESERVED_ACTIVITY_PREFIX}" are holdpoint's own`);
  return Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, wrap(name, handler)]));
}

function wrap(name: string, handler: TaskHandler): TaskActivity {
  const activity = async (input: unknown): Promise<TaskResult> => {
    const ctx = Context.current();
    const { attempt, workflowExecution, activityId } = ctx.info;
    try {
      const output = await handler(input, {
        runId: workflowExecution?.workflowId ?? '',
        handler: name,
        attempt,
        idempotencyKey: `${workflowExecution?.workflowId ?? ''}/${workflowExecution?.runId ?? ''}/${activityId}`,
        signal: ctx.cancellationSignal,
        heartbeat: (details) => ctx.heartbeat(details),
        log: ctx.log,
      });
      return { output: output === undefined ? null : output, attempt };
    } catch (err) {
      throw withAttempt(err, attempt);
    }
  };
  Object.defineProperty(activity, 'name', { value: name });
  return activity;
}

/** Re-throws as an ApplicationFailure that keeps the error's type and retryability and adds the attempt. */
function withAttempt(err: unknown, attempt: number): ApplicationFailure {
  const details: TaskFailureDetails[] = [{ attempt }];
  if (err instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: err.message,
      type: err.type ?? 'Error',
      nonRetryable: err.nonRetryable ?? false,
      details,
      ...(err.nextRetryDelay != null ? { nextRetryDelay: err.nextRetryDelay } : {}),
    });
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ message: error.message, type: error.name, details, cause: error });
}
