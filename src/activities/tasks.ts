import { ApplicationFailure, Context } from '@temporalio/activity';
import { RESERVED_ACTIVITY_PREFIX, type NotifyInput } from '../contracts/notify';
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

/** Passes a run's notices on (the notify activity's work); see workflows/notifier.ts. */
export type HandOff = (notices: NotifyInput) => Promise<unknown>;

/**
 * Wraps each handler as a Temporal activity of the same name. A run may hand the call its notices
 * of what happened before the task (a decision, the run's start): with `handOff` they are passed on
 * beside the handler, and the result says so; without, the run sends them itself.
 */
export function createTaskActivities(handlers: TaskHandlers, handOff?: HandOff): Record<string, TaskActivity> {
  const reserved = Object.keys(handlers).find((name) => name.startsWith(RESERVED_ACTIVITY_PREFIX));
  if (reserved) throw new Error(`task handler "${reserved}": names starting with "${RESERVED_ACTIVITY_PREFIX}" are holdpoint's own`);
  return Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, wrap(name, handler, handOff)]));
}

/**
 * How long a task whose handler is done waits for its notices to be passed on. Past it the answer
 * says they were not, and the run sends them itself: a slow or failing hand-off (the hub not read
 * yet after a restart, Temporal away) never costs the task its result or an attempt.
 */
const HAND_OFF_WAIT_MS = 1_000;

function wrap(name: string, handler: TaskHandler, handOff: HandOff | undefined): TaskActivity {
  const activity = async (input: unknown, notices?: NotifyInput): Promise<TaskResult> => {
    const ctx = Context.current();
    const { attempt, workflowExecution, activityId } = ctx.info;
    // Beside the handler, not before it: the task does not wait for subscribers' workflows.
    const passing = notices && handOff ? passOn(handOff, notices, ctx.log) : undefined;
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
      const notified = passing ? await within(passing.passed, HAND_OFF_WAIT_MS) : false;
      return { output: output === undefined ? null : output, attempt, ...(notified ? { notified: true } : {}) };
    } catch (err) {
      throw withAttempt(err, attempt);
    } finally {
      // No hand-off outlives its attempt (a late one could reach a receiver that has closed since).
      passing?.stop();
    }
  };
  Object.defineProperty(activity, 'name', { value: name });
  return activity;
}

/** Passes the notices on, trying again shortly while it fails, until done or stopped. Never throws. */
function passOn(handOff: HandOff, notices: NotifyInput, log: Context['log']): { passed: Promise<boolean>; stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake = () => {};
  const passed = (async () => {
    for (let delay = 100; !stopped; delay = Math.min(delay * 2, 1_000)) {
      try {
        await handOff(notices);
        return true;
      } catch (err) {
        if (stopped) break;
        log.warn("could not pass the run's notices on yet; trying again", { error: String(err), retryInMs: delay });
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, delay);
        });
      }
    }
    return false;
  })();
  return {
    passed,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      wake();
    },
  };
}

/** The promise's answer, or false if it takes longer than `ms`. */
async function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
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
