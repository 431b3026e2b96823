import type { z } from 'zod';
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { refusal } from './failures';
import { AwaitSettledRequest, CancelRequest, describeIssue, EventsQuery, PermissionModeRequest, type DecisionRequest } from '../contracts/decision';
import { ErrorType } from '../contracts/errors';
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
import { interactionProblem } from '../contracts/interaction';
import { MARK_ACTIVITY, type MarkActivities, type MarkInput } from '../contracts/markers';
import { APPROVE_OPTION } from '../contracts/options';
import type { DecisionChannel, RunInput, RunView } from '../contracts/run';
import { checkRunInput } from './run-input';
import { checkDecision, reject } from './decisions';
import { Interpreter } from './interpreter';
import { RunMetrics } from './metrics';
import { Notifier } from './notifier';
import { ContinueAsNewNeeded, RunEnd, RunFailure } from './outcomes';
import { RunState } from './run-state';
import { Visibility } from './visibility';

/**
 * One holdpoint run: interprets the definition snapshot it was started with, pausing for people.
 * Decisions arrive as the `decide` update (validated before history) or signal; reads are queries.
 */
export async function holdpointRun(rawInput: RunInput): Promise<RunView> {
  const input = checkRunInput(rawInput);
  const run = new RunState(input);
  const metrics = new RunMetrics(run);
  const visibility = new Visibility(run);
  const notifier = new Notifier(run);
  /** What Temporal shows and what subscribers hear, after every change. */
  const changed = (runningStep?: { name: string; handler?: string }) => {
    visibility.sync(runningStep);
    notifier.flush();
  };
  let continuingAsNew = false;
  const settled = () => run.status !== 'running' || continuingAsNew;
  const waitUntilSettled = async (waitMs: number): Promise<RunView> => {
    if (waitMs > 0) await condition(settled, waitMs, { summary: `awaitSettled: up to ${waitMs} ms for the next pause or the end` });
    return run.view();
  };
  const decide = (raw: DecisionRequest, channel: DecisionChannel) => {
    // The checked request: nulls dropped, groups in their canonical form.
    const { pause, duplicate, request } = checkDecision(run, raw);
    if (duplicate) return;
    const skip = request.action === 'skip';
    run.castVote(
      pause,
      {
        value: skip ? 'skipped' : request.value,
        ...(request.by ? { by: request.by } : {}),
        at: new Date().toISOString(),
        ...(request.comment ? { comment: request.comment } : {}),
        channel,
        ...(request.via ? { via: request.via } : {}),
        ...(request.idempotency_key ? { idempotency_key: request.idempotency_key } : {}),
        ...(request.remember && request.value === APPROVE_OPTION ? { remember: true } : {}),
      },
      skip,
    );
    // A vote that does not settle the pause still changes what the inbox shows.
    if (pause.status === 'pending') changed();
  };

  // Handlers first, before any await: an update that arrives with no handler is rejected.
  setHandler(getRunQuery, () => run.view(), { description: 'The run: status, steps, pending pauses, result or error.' });
  setHandler(getAuditQuery, () => run.data.audit, { description: 'The run\'s hash-chained audit trail.' });
  setHandler(getEventsQuery, (query) => {
    const { after, limit } = parseOrReject(EventsQuery, query ?? {});
    return run.events(after, limit);
  }, {
    description: 'The run\'s numbered event log after a sequence number: {"after": 0, "limit": 100}.',
  });
  setHandler(
    decideUpdate,
    async (request) => {
      decide(request, 'update');
      return waitUntilSettled(request.wait_ms ?? 0);
    },
    {
      validator: (request) => {
        try {
          checkDecision(run, request);
        } catch (err) {
          // Validators run only for new updates, never on replay: each refusal is counted once.
          metrics.refused(err);
          throw err;
        }
      },
      description:
        'Decide a pending pause: {"step" or "request_id", "value" (or "action": "skip"), "by", "groups"?, "comment"?, "digest"?, "idempotency_key"?, "wait_ms"?}. Refused before history when invalid.',
    },
  );
  setHandler(decideSignal, async (request) => {
    try {
      decide(request, 'signal');
    } catch (err) {
      // A signal cannot be refused; record why it was not taken and carry on.
      metrics.refused(err);
      const reason = err instanceof ApplicationFailure ? { type: err.type, message: err.message } : { type: 'invalid', message: String(err) };
      const by = describeSender(request);
      run.record('decision_rejected', { ...pauseRef(request), data: { ...reason, by } });
      const value = request && typeof request === 'object' ? (request as { value?: unknown }).value : undefined;
      run.audit('refused', { ...pauseRef(request), ...(by ? { by } : {}), ...(value !== undefined ? { value } : {}), channel: 'signal', data: { ...reason } });
      log.warn('decision signal rejected', { runId: run.runId, ...reason });
      notifier.flush();
      // A refused signal changes nothing else; the marker makes it visible in the history as refused.
      await mark(run, { kind: 'decision_refused', summary: `decide signal refused (${reason.type})${by ? ` from ${by}` : ''}: ${reason.message}`.slice(0, 400), data: { ...pauseRef(request), ...(by ? { by } : {}), reason } });
    }
  }, { description: 'Decide a pending pause, fire-and-forget; an invalid decision is recorded as decision_rejected.' });
  setHandler(awaitSettledUpdate, (request) => waitUntilSettled(request.wait_ms), {
    validator: (request) => void parseOrReject(AwaitSettledRequest, request),
    description: 'The run once it is paused or has ended, waiting at most {"wait_ms"}.',
  });
  setHandler(
    requestCancelUpdate,
    (request) => {
      if (!run.data.cancel_requested) {
        run.data.cancel_requested = { ...request, at: new Date().toISOString() };
        run.record('cancel_requested', { data: { ...request } });
        notifier.flush();
      }
      return run.view();
    },
    {
      validator: (request) => {
        parseOrReject(CancelRequest, request);
        if (run.ended) reject(ErrorType.RunEnded, `run ${run.runId} has ${run.status}; it cannot be cancelled`, { status: run.status });
      },
      description: 'Record who cancels and why ({"by"?, "reason"?}) before the execution is cancelled.',
    },
  );

  setHandler(
    setPermissionModeUpdate,
    (request) => {
      const interaction = run.interaction;
      const from = interaction.permission_mode;
      interaction.permission_mode = request.permission_mode;
      const allowed: string[] = [];
      if (request.permission_mode === 'autonomous') {
        // Autonomous runs tools unasked: the gates the mode put up are allowed by whoever switched.
        for (const pause of run.pending()) {
          if (!pause.tool?.gate) continue;
          run.castVote(pause, {
            value: APPROVE_OPTION,
            ...(request.by ? { by: request.by } : {}),
            at: new Date().toISOString(),
            comment: 'permission mode switched to autonomous',
            channel: 'update',
            ...(request.via ? { via: request.via } : {}),
          });
          allowed.push(pause.request_id);
        }
      }
      const data = { from, to: request.permission_mode, ...(allowed.length > 0 ? { allowed } : {}) };
      run.record('permission_mode_changed', { data: { ...data, ...(request.by ? { by: request.by } : {}) } });
      run.audit('permission_mode_changed', { ...(request.by ? { by: request.by } : {}), value: request.permission_mode, channel: 'update', data });
      changed();
      return run.view();
    },
    {
      validator: (request) => {
        parseOrReject(PermissionModeRequest, request);
        if (run.ended) reject(ErrorType.RunEnded, `run ${run.runId} has ${run.status}; its permission mode no longer matters`, { status: run.status });
        if (run.data.cancel_requested) reject(ErrorType.RunEnded, `run ${run.runId} is being cancelled`, { status: 'cancelling' });
        const problem = interactionProblem({ human_in_the_loop: run.currentInteraction().human_in_the_loop, permission_mode: request.permission_mode });
        if (problem) reject(ErrorType.InvalidRequest, problem, { field: 'permission_mode', rule: 'human_in_the_loop' });
      },
      description: 'Switch the permission mode of the run\'s agent steps: {"permission_mode": "autonomous" | "approval" | "plan", "by"}; autonomous allows the tool gates waiting now.',
    },
  );

  if (!input.carried) run.record('run_started', { data: { workflow: run.workflow, definition_hash: input.definition_hash } });
  changed();

  const interpreter = new Interpreter(run, {
    changed,
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
      continuingAsNew = true;
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

/** Records a marker in the run's history (see contracts/markers.ts); never fails the run. */
async function mark(run: RunState, input: MarkInput): Promise<void> {
  // Runs started before markers existed replay without them.
  if ((run.input.settings.behavior ?? 1) < 2) return;
  try {
    await proxyLocalActivities<MarkActivities>({ startToCloseTimeout: '5s', summary: input.summary, retry: { maximumAttempts: 3 } })[MARK_ACTIVITY](input);
  } catch (err) {
    log.warn('could not record a marker', { kind: input.kind, error: String(err) });
  }
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

function parseOrReject<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const shape = (schema as unknown as { def?: { out?: { shape?: Record<string, unknown> } } }).def?.out?.shape ?? {};
    const { field, message } = describeIssue(result.error.issues[0]!, Object.keys(shape));
    reject(ErrorType.InvalidRequest, message, { field });
  }
  return result.data;
}

function pauseRef(request: unknown): { step?: string; request_id?: string } {
  if (!request || typeof request !== 'object') return {};
  const { step, request_id } = request as Record<string, unknown>;
  return {
    ...(typeof step === 'string' ? { step } : {}),
    ...(typeof request_id === 'string' ? { request_id } : {}),
  };
}

function describeSender(request: unknown): string | undefined {
  const by = request && typeof request === 'object' ? (request as Record<string, unknown>).by : undefined;
  return typeof by === 'string' ? by : undefined;
}
