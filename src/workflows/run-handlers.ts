import { ApplicationFailure, condition, log, proxyLocalActivities } from '@temporalio/workflow';
import type { AwaitSettledRequest, CancelRequest, DecisionRequest, EventsQuery, PermissionModeRequest } from '../contracts/decision';
import { checkAwaitSettledMessage, checkCancelMessage, checkEventsQuery, checkPermissionModeMessage, describeMessageIssue, type Checked } from '../contracts/message-checks';
import { ErrorType } from '../contracts/errors';
import { interactionProblem } from '../contracts/interaction';
import { MARK_ACTIVITY, type MarkActivities, type MarkInput } from '../contracts/markers';
import { APPROVE_OPTION } from '../contracts/options';
import type { DecisionChannel, RunView } from '../contracts/run';
import { checkDecision, reject } from './decisions';
import { RunMetrics } from './metrics';
import { Notifier, type CarriedNotices } from './notifier';
import type { RunState } from './run-state';
import { Visibility } from './visibility';

/**
 * What a run answers to while it runs: its queries, its `decide` update and signal, and the updates
 * that wait for it, cancel it or switch its permission mode. Each is a method over the run's state;
 * validators refuse before anything reaches history. `holdpointRun` registers them and runs the
 * definition.
 */
export class RunHandlers {
  readonly metrics: RunMetrics;
  readonly notifier: Notifier;
  private readonly visibility: Visibility;
  /** Set once the run hands over to its next execution: waiters answer then. */
  continuingAsNew = false;

  constructor(private readonly run: RunState) {
    this.metrics = new RunMetrics(run);
    this.visibility = new Visibility(run);
    this.notifier = new Notifier(run);
  }

  /** What Temporal shows and what subscribers hear, after every change. */
  changed = (runningStep?: { name: string; handler?: string }): void => {
    this.visibility.sync(runningStep);
    this.notifier.flush();
  };

  /** As {@link changed}, before a task: from behavior 4 the notices ride with the task's activity. */
  changedBeforeTask = (runningStep: { name: string; handler: string }): CarriedNotices => {
    this.visibility.sync(runningStep);
    return this.notifier.carry();
  };

  // ── queries ──

  view = (): RunView => this.run.view();

  audit = () => this.run.data.audit;

  events = (query: EventsQuery | undefined) => {
    const { after, limit } = parseOrReject(checkEventsQuery(query ?? {}));
    return this.run.events(after, limit);
  };

  // ── decisions ──

  /** The `decide` update's validator: every rule, before history. */
  checkDecision = (request: DecisionRequest): void => {
    try {
      checkDecision(this.run, request);
    } catch (err) {
      // Validators run only for new updates, never on replay: each refusal is counted once.
      this.metrics.refused(err);
      throw err;
    }
  };

  decideByUpdate = async (request: DecisionRequest): Promise<RunView> => {
    this.decide(request, 'update');
    return this.waitUntilSettled(request.wait_ms ?? 0);
  };

  decideBySignal = async (request: DecisionRequest): Promise<void> => {
    try {
      this.decide(request, 'signal');
    } catch (err) {
      // A signal cannot be refused; record why it was not taken and carry on.
      this.metrics.refused(err);
      const run = this.run;
      const reason = err instanceof ApplicationFailure ? { type: err.type, message: err.message } : { type: 'invalid', message: String(err) };
      const by = describeSender(request);
      run.record('decision_rejected', { ...pauseRef(request), data: { ...reason, by } });
      const value = request && typeof request === 'object' ? (request as { value?: unknown }).value : undefined;
      run.audit('refused', { ...pauseRef(request), ...(by ? { by } : {}), ...(value !== undefined ? { value } : {}), channel: 'signal', data: { ...reason } });
      log.warn('decision signal rejected', { runId: run.runId, ...reason });
      this.notifier.flush();
      // A refused signal changes nothing else; the marker makes it visible in the history as refused.
      await mark(run, { kind: 'decision_refused', summary: `decide signal refused (${reason.type})${by ? ` from ${by}` : ''}: ${reason.message}`.slice(0, 400), data: { ...pauseRef(request), ...(by ? { by } : {}), reason } });
    }
  };

  private decide(raw: DecisionRequest, channel: DecisionChannel): void {
    const run = this.run;
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
    if (pause.status === 'pending') this.changed();
  }

  // ── waiting, cancelling, switching modes ──

  checkAwaitSettled = (request: AwaitSettledRequest): void => void parseOrReject(checkAwaitSettledMessage(request));

  awaitSettled = (request: AwaitSettledRequest): Promise<RunView> => this.waitUntilSettled(request.wait_ms);

  checkCancel = (request: CancelRequest): void => {
    parseOrReject(checkCancelMessage(request));
    if (this.run.ended) reject(ErrorType.RunEnded, `run ${this.run.runId} has ${this.run.status}; it cannot be cancelled`, { status: this.run.status });
  };

  requestCancel = (request: CancelRequest): RunView => {
    const run = this.run;
    if (!run.data.cancel_requested) {
      run.data.cancel_requested = { ...request, at: new Date().toISOString() };
      run.record('cancel_requested', { data: { ...request } });
      this.notifier.flush();
    }
    return run.view();
  };

  checkPermissionMode = (request: PermissionModeRequest): void => {
    const run = this.run;
    parseOrReject(checkPermissionModeMessage(request));
    if (run.ended) reject(ErrorType.RunEnded, `run ${run.runId} has ${run.status}; its permission mode no longer matters`, { status: run.status });
    if (run.data.cancel_requested) reject(ErrorType.RunEnded, `run ${run.runId} is being cancelled`, { status: 'cancelling' });
    const problem = interactionProblem({ human_in_the_loop: run.currentInteraction().human_in_the_loop, permission_mode: request.permission_mode });
    if (problem) reject(ErrorType.InvalidRequest, problem, { field: 'permission_mode', rule: 'human_in_the_loop' });
  };

  setPermissionMode = (request: PermissionModeRequest): RunView => {
    const run = this.run;
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
    this.changed();
    return run.view();
  };

  /** The run once it is paused or has ended (or hands over to its next execution), waiting at most `waitMs`. */
  private async waitUntilSettled(waitMs: number): Promise<RunView> {
    const settled = () => this.run.status !== 'running' || this.continuingAsNew;
    if (waitMs > 0) await condition(settled, waitMs, { summary: `awaitSettled: up to ${waitMs} ms for the next pause or the end` });
    return this.run.view();
  }
}

/** Records a marker in the run's history (see contracts/markers.ts); never fails the run. */
export async function mark(run: RunState, input: MarkInput): Promise<void> {
  // Runs started before markers existed replay without them.
  if (run.behavior < 2) return;
  try {
    await proxyLocalActivities<MarkActivities>({ startToCloseTimeout: '5s', summary: input.summary, retry: { maximumAttempts: 3 } })[MARK_ACTIVITY](input);
  } catch (err) {
    log.warn('could not record a marker', { kind: input.kind, error: String(err) });
  }
}

function parseOrReject<T>(checked: Checked<T>): T {
  if (!checked.ok) {
    const { field, message } = describeMessageIssue(checked.issue);
    reject(ErrorType.InvalidRequest, message, { field });
  }
  return checked.value;
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
