import type { Duration as TemporalDuration } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { AgentStep, ConditionStep, PauseStep, Step, TaskStep } from '../contracts/definition';
import { durationToMs } from '../contracts/duration';
import type { Frame, Pause, StepRecord } from '../contracts/run';
import type { TaskActivity, TaskFailureDetails } from '../contracts/tasks';
import { ExpressionEngine, ExpressionError } from '../lib/expressions';
import { AgentLoop } from './agent-loop';
import type { CarriedNotices } from './notifier';
import { ContinueAsNewNeeded, RunFailure } from './outcomes';
import { applyOutcome, newPause, timeOut, waitForDecision } from './pauses';
import type { RunState } from './run-state';

export interface InterpreterHooks {
  /** What the run shows changed (a pause opened or closed, a step started). */
  changed(runningStep?: { name: string; handler?: string }): void;
  /** The same before a task: what its activity call carries (the notices since the last hand-off, from behavior 4). */
  changedBeforeTask(runningStep: { name: string; handler: string }): CarriedNotices;
  /** True when history is long enough that the run should continue as new at the next safe point. */
  shouldContinueAsNew(): boolean;
}

const DEFAULT_TASK_TIMEOUT = '1m';

/**
 * Behavior 3 (see RunSettings.behavior): what a run shows is written before it waits, not after each
 * change on the way there. Runs started earlier replay with their extra writes.
 */
export function writesOnlyBeforeWaiting(run: RunState): boolean {
  return run.behavior >= 3;
}

/**
 * Walks a definition's steps from the frame stack in the run's state, so a continued-as-new execution
 * picks up exactly where the previous one stopped. Deterministic: every side effect is an activity.
 */
export class Interpreter {
  private readonly expressions = new ExpressionEngine();
  private readonly conditions = new Map<string, ConditionStep>();

  constructor(
    private readonly run: RunState,
    private readonly hooks: InterpreterHooks,
  ) {
    indexConditions(run.input.definition.steps, this.conditions);
  }

  /** Runs every remaining step. Throws {@link RunFailure}, {@link RunEnd} or {@link ContinueAsNewNeeded}. */
  async execute(): Promise<void> {
    const frames = this.run.data.frames;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const list = this.stepsOf(frame);
      if (frame.index >= list.length) {
        frames.pop();
        continue;
      }
      const step = list[frame.index]!;
      const resuming = this.resumablePause(step) !== undefined || (step.type === 'agent' && this.run.data.agents?.[step.name] !== undefined);
      if (!resuming && this.hooks.shouldContinueAsNew()) throw new ContinueAsNewNeeded();

      if (step.type === 'condition') {
        const branch = await this.runCondition(step);
        frame.index += 1;
        if (branch !== undefined) frames.push({ parent: step.name, branch, index: 0 });
        continue;
      }
      if (step.type === 'task') await this.runTask(step);
      else if (step.type === 'agent') await this.runAgent(step);
      else await this.runPause(step);
      frame.index += 1;
    }
  }

  /** The run's result once all steps are done: the definition's `result`, or the last task's output. */
  async result(): Promise<unknown> {
    const { definition } = this.run.input;
    if (definition.result) return this.evaluate('result', 'result', definition.result);
    const lastTask = [...this.run.data.steps].reverse().find((s) => (s.type === 'task' || s.type === 'agent') && s.status === 'completed');
    return lastTask?.output ?? null;
  }

  private stepsOf(frame: Frame): Step[] {
    if (frame.parent === null) return this.run.input.definition.steps;
    const parent = this.conditions.get(frame.parent);
    if (!parent) throw new Error(`frame names unknown condition step "${frame.parent}"`);
    return (frame.branch === null ? parent.otherwise : parent.branches[frame.branch]) ?? [];
  }

  // ── task ─────────────────────────────────────────────────────────────────────

  private async runTask(step: TaskStep): Promise<void> {
    const record = this.run.startStep(step);
    const notices = this.hooks.changedBeforeTask({ name: step.name, handler: step.handler });
    const input = step.input === undefined ? this.run.context() : await this.evaluate(step.name, 'input', step.input, record);

    const retry = step.retry;
    const activities = proxyActivities<Record<string, TaskActivity>>({
      summary: step.title ?? step.name,
      startToCloseTimeout: duration(step.timeout ?? DEFAULT_TASK_TIMEOUT),
      ...(step.total_timeout ? { scheduleToCloseTimeout: duration(step.total_timeout) } : {}),
      ...(step.heartbeat_timeout ? { heartbeatTimeout: duration(step.heartbeat_timeout) } : {}),
      retry: {
        maximumAttempts: retry?.maximum_attempts ?? 5,
        initialInterval: duration(retry?.initial_interval ?? '1s'),
        backoffCoefficient: retry?.backoff_coefficient ?? 2,
        maximumInterval: duration(retry?.maximum_interval ?? '1m'),
        ...(retry?.non_retryable_errors ? { nonRetryableErrorTypes: retry.non_retryable_errors } : {}),
      },
    });

    try {
      const { output, attempt } = await notices.call((...riding) => activities[step.handler]!(input, ...riding));
      this.run.completeStep(record, output, { attempts: attempt });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = describeTaskFailure(err);
      this.run.failStep(record, { type: failure.type, message: failure.message }, failure.attempts);
      throw new RunFailure({ type: 'step_failed', message: `step "${step.name}" failed: ${failure.message}`, step: step.name });
    }
  }

  // ── agent ────────────────────────────────────────────────────────────────────

  private async runAgent(step: AgentStep): Promise<void> {
    await new AgentLoop(this.run, step, {
      changed: (runningStep) => this.hooks.changed(runningStep),
      changedBeforeTask: (runningStep) => this.hooks.changedBeforeTask(runningStep),
      shouldContinueAsNew: () => this.hooks.shouldContinueAsNew(),
      render: (stepName, field, template, record, extra) => this.render(stepName, field, template, record, extra),
    }).execute();
  }

  // ── condition ────────────────────────────────────────────────────────────────

  /** Returns the branch key to enter, `null` for `otherwise`, or undefined to go on after the step. */
  private async runCondition(step: ConditionStep): Promise<string | null | undefined> {
    const record = this.run.startStep(step);
    const value = await this.evaluate(step.name, 'expression', step.expression, record);
    const key = branchKey(value);
    const branch = Object.hasOwn(step.branches, key) ? key : step.otherwise ? null : undefined;
    this.run.completeStep(record, value, { branch: branch ?? null });
    this.run.record('branch_taken', { step: step.name, data: { value, branch: branch ?? null } });
    return branch;
  }

  // ── pauses ───────────────────────────────────────────────────────────────────

  private async runPause(step: PauseStep): Promise<void> {
    const pause = this.resumablePause(step) ?? (await this.openPause(step));
    const record = this.run.data.steps.find((s) => s.request_id === pause.request_id)!;
    const decidedInTime = await waitForDecision(this.run, pause, {
      changed: () => this.hooks.changed(),
      shouldContinueAsNew: () => this.hooks.shouldContinueAsNew(),
    });
    if (!decidedInTime && !timeOut(this.run, step, pause, record)) {
      this.hooks.changed();
      return;
    }
    applyOutcome(this.run, step, pause, record);
    // From behavior 3 the decision is written with whatever comes next: every step that waits (task,
    // agent, pause) and the run's end write what changed before they wait, so this would be a second
    // search-attribute and memo upsert (history events, visibility writes) in the same workflow task.
    if (!writesOnlyBeforeWaiting(this.run)) this.hooks.changed();
  }

  /** A pause this execution inherited (continue-as-new while it waited) rather than one to open. */
  private resumablePause(step: Step): Pause | undefined {
    const record = this.run.stepRecord(step.name);
    if (!record || record.status !== 'paused' || !record.request_id) return undefined;
    return this.run.findPause(record.request_id);
  }

  private async openPause(step: PauseStep): Promise<Pause> {
    const requestId = this.run.nextRequestId(step.name);
    const record = this.run.startStep(step, 'paused');
    record.request_id = requestId;
    const message = await this.render(step.name, 'message', step.message, record);
    const context = step.context === undefined ? undefined : await this.evaluate(step.name, 'context', step.context, record);
    const pause = newPause(this.run, step, requestId, { message, context });
    this.run.data.pauses.push(pause);
    this.run.record('paused', {
      step: step.name,
      request_id: requestId,
      data: { type: pause.type, message, timeout_at: pause.timeout_at, assignees: pause.assignees },
    });
    this.run.audit('requested', {
      step: step.name,
      request_id: requestId,
      data: { type: pause.type, message, digest: pause.digest, assignees: pause.assignees, timeout_at: pause.timeout_at ?? null },
    });
    this.hooks.changed();
    return pause;
  }

  // ── expressions ──────────────────────────────────────────────────────────────

  private async evaluate(
    stepName: string,
    field: string,
    source: string | Record<string, string>,
    record?: StepRecord,
  ): Promise<unknown> {
    try {
      return await this.expressions.evaluateMapping(source, this.run.context());
    } catch (err) {
      throw this.expressionFailure(stepName, field, err, record);
    }
  }

  private async render(stepName: string, field: string, template: string, record: StepRecord, extra?: Record<string, unknown>): Promise<string> {
    try {
      return await this.expressions.render(template, extra ? { ...this.run.context(), ...extra } : this.run.context());
    } catch (err) {
      throw this.expressionFailure(stepName, field, err, record);
    }
  }

  private expressionFailure(stepName: string, field: string, err: unknown, record?: StepRecord): unknown {
    if (!(err instanceof ExpressionError)) return err;
    const message = `step "${stepName}" ${field} expression failed: ${err.message}`;
    if (record) this.run.failStep(record, { type: 'expression_failed', message });
    return new RunFailure({ type: 'expression_failed', message, step: stepName });
  }
}

/** Our durations ("90s", "24h") are a subset of what Temporal's `ms` strings accept. */
function duration(value: string): TemporalDuration {
  return durationToMs(value);
}

function indexConditions(steps: Step[], into: Map<string, ConditionStep>): void {
  for (const step of steps) {
    if (step.type !== 'condition') continue;
    into.set(step.name, step);
    for (const branch of Object.values(step.branches)) indexConditions(branch, into);
    if (step.otherwise) indexConditions(step.otherwise, into);
  }
}

/** A condition's value as a branch key: strings as they are, everything else as JSON (`true`, `3`). */
function branchKey(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

function describeTaskFailure(err: unknown): { type: string; message: string; attempts?: number } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as Partial<TaskFailureDetails> | undefined;
    return {
      type: cause.type ?? 'Error',
      message: cause.message,
      ...(typeof details?.attempt === 'number' ? { attempts: details.attempt } : {}),
    };
  }
  if (cause instanceof TimeoutFailure) return { type: 'timeout', message: `timed out (${String(cause.timeoutType)})` };
  if (cause instanceof Error) return { type: cause.name, message: cause.message };
  return { type: 'Error', message: String(cause) };
}
