import { allHandlersFinished, CancellationScope, condition, continueAsNew, isCancellation, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { refusal } from './failures';
import {
  awaitSettledUpdate,
  decideSignal,
  decideUpdate,
  getAuditQuery,
  getEventsQuery,
  getRunQuery,
  requestCancelUpdate,
  setPermissionModeUpdate,
} from '../contracts/messages';
import type { RunInput, RunView } from '../contracts/run';
import { checkRunInput } from './run-input';
import { Interpreter, writesOnlyBeforeWaiting } from './interpreter';
import { ContinueAsNewNeeded, RunEnd, RunFailure } from './outcomes';
import { mark, RunHandlers } from './run-handlers';
import { RunState } from './run-state';

/**
 * One holdpoint run: interprets the definition snapshot it was started with, pausing for people.
 * Decisions arrive as the `decide` update (validated before history) or signal; reads are queries.
 */
export async function holdpointRun(rawInput: RunInput): Promise<RunView> {
  const input = checkRunInput(rawInput);
  const run = new RunState(input);
  const on = new RunHandlers(run);
  const { changed, notifier } = on;

  // Handlers first, before any await: an update that arrives with no handler is rejected.
  setHandler(getRunQuery, on.view, { description: 'The run: status, steps, pending pauses, result or error.' });
  setHandler(getAuditQuery, on.audit, { description: "The run's hash-chained audit trail." });
  setHandler(getEventsQuery, on.events, { description: 'The run\'s numbered event log after a sequence number: {"after": 0, "limit": 100}.' });
  setHandler(decideUpdate, on.decideByUpdate, {
    validator: on.checkDecision,
    description:
      'Decide a pending pause: {"step" or "request_id", "value" (or "action": "skip"), "by", "groups"?, "comment"?, "digest"?, "idempotency_key"?, "wait_ms"?}. Refused before history when invalid.',
  });
  setHandler(decideSignal, on.decideBySignal, { description: 'Decide a pending pause, fire-and-forget; an invalid decision is recorded as decision_rejected.' });
  setHandler(awaitSettledUpdate, on.awaitSettled, { validator: on.checkAwaitSettled, description: 'The run once it is paused or has ended, waiting at most {"wait_ms"}.' });
  setHandler(requestCancelUpdate, on.requestCancel, { validator: on.checkCancel, description: 'Record who cancels and why ({"by"?, "reason"?}) before the execution is cancelled.' });
  setHandler(setPermissionModeUpdate, on.setPermissionMode, {
    validator: on.checkPermissionMode,
    description: 'Switch the permission mode of the run\'s agent steps: {"permission_mode": "autonomous" | "approval" | "plan", "by"}; autonomous allows the tool gates waiting now.',
  });

  if (!input.carried) run.record('run_started', { data: { workflow: run.workflow, definition_hash: input.definition_hash } });
  // The start itself set the search attributes and memo of a running run; from behavior 3 the first
  // step that waits writes them (and hands `run_started` to subscribers with its own events).
  if (input.carried || !writesOnlyBeforeWaiting(run)) changed();

  const interpreter = new Interpreter(run, {
    changed,
    changedBeforeTask: on.changedBeforeTask,
    shouldContinueAsNew: () => {
      const info = workflowInfo();
      const limit = input.settings.continue_as_new_after_events;
      return info.continueAsNewSuggested || (limit !== undefined && info.historyLength >= limit);
    },
  });

  try {
    await withinLifetime(input, () => interpreter.execute());
    run.complete(await interpreter.result());
  } catch (err) {
    if (err instanceof ContinueAsNewNeeded) {
      on.continuingAsNew = true;
      run.record('continued_as_new', { data: { history_length: workflowInfo().historyLength } });
      await notifier.drain();
      await condition(allHandlersFinished);
      return await continueAsNew<typeof holdpointRun>({ ...input, carried: run.data });
    }
    if (err instanceof RunEnd) {
      run.complete(err.result);
    } else if (err instanceof RunFailure) {
      run.fail(err.error);
    } else if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        run.cancel();
        changed();
        const cancel = run.data.cancel_requested;
        await mark(run, { kind: 'cancelled', summary: `cancelled${cancel?.by ? ` by ${cancel.by}` : ''}${cancel?.reason ? `: ${cancel.reason}` : ''}`.slice(0, 400), data: { ...(cancel ?? {}) } });
        await notifier.drain();
        await condition(allHandlersFinished);
      });
      throw err;
    } else {
      // A bug in holdpoint: fail the workflow task so it retries once the code is fixed.
      throw err;
    }
  }

  changed();
  await notifier.drain();
  await condition(allHandlersFinished);
  if (run.data.error) {
    // The final view rides along, so a failed run reads from its history even with no worker running.
    throw refusal({
      type: run.data.error.type,
      message: run.data.error.message,
      details: [run.data.error, run.view()],
      nonRetryable: true,
    });
  }
  return run.view();
}

/** Runs the body, failing the run once its maximum lifetime (counted from its first start) passes. */
async function withinLifetime(input: RunInput, body: () => Promise<void>): Promise<void> {
  const remaining = Date.parse(input.started_at) + input.settings.max_lifetime_ms - Date.now();
  const lifetime = new CancellationScope();
  const work = new CancellationScope();
  let expired = false;
  const lifetimeLabel = formatDays(input.settings.max_lifetime_ms / 86_400_000);
  const timer = lifetime.run(() => sleep(Math.max(remaining, 1), { summary: `run lifetime (${lifetimeLabel}): the run fails when it passes` })).then(() => {
    expired = true;
    work.cancel();
  });
  timer.catch(() => undefined);
  try {
    await work.run(body);
  } catch (err) {
    if (expired && isCancellation(err)) {
      const days = input.settings.max_lifetime_ms / 86_400_000;
      throw new RunFailure({ type: 'lifetime_exceeded', message: `run exceeded its maximum lifetime (${formatDays(days)})` });
    }
    throw err;
  } finally {
    lifetime.cancel();
  }
}

function formatDays(days: number): string {
  if (days >= 1) return `${Number(days.toFixed(2))}d`;
  const seconds = days * 86_400;
  return seconds >= 60 ? `${Number((seconds / 60).toFixed(1))}m` : `${Number(seconds.toFixed(1))}s`;
}



