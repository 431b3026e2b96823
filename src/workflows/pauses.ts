import { condition } from '@temporalio/workflow';
import type { PauseStep } from '../contracts/definition';
import { APPROVE_OPTION, DEFAULT_OPTIONS, REJECT_OPTION, REVIEW_OPTIONS } from '../contracts/options';
import { durationToMs } from '../contracts/duration';
import type { ToolPauseInfo } from '../contracts/agent';
import type { DecisionRecord, Pause, StepRecord } from '../contracts/run';
import { digestOf } from '../lib/digest';
import { editOf } from '../lib/review-rounds';
import { ContinueAsNewNeeded, RunEnd, RunFailure } from './outcomes';
import type { RunState } from './run-state';

export interface PauseContent {
  message: string;
  context: unknown;
  /** A pause an agent's tool call raised: its kind is `tool_approval` (or `input`) and it carries the call. */
  tool?: ToolPauseInfo;
}

/** Builds a pending pause: content, approval rules with defaults, escalation deadlines, digest. */
export function newPause(run: RunState, step: PauseStep, requestId: string, content: PauseContent): Pause {
  const createdAt = new Date();
  const at = (duration: string | undefined) => (duration ? new Date(createdAt.getTime() + durationToMs(duration)).toISOString() : undefined);
  const approval = step.type === 'confirmation' || step.type === 'decision' || step.type === 'output_review' ? step : undefined;
  const type: Pause['type'] = content.tool && content.tool.hitl === 'confirmation' ? 'tool_approval' : step.type;
  const shown = {
    step: step.name,
    type,
    message: content.message,
    ...(step.type === 'confirmation' || step.type === 'decision' ? { options: [...(step.options ?? DEFAULT_OPTIONS)] } : {}),
    ...(step.type === 'output_review' ? { options: [...REVIEW_OPTIONS], review: reviewOf(run, step) } : {}),
    ...(step.type === 'input' ? { input_schema: step.input_schema } : {}),
    ...(step.type === 'question' ? { questions: step.questions } : {}),
    ...(content.context !== undefined ? { context: content.context } : {}),
    ...(content.tool ? { tool: content.tool } : {}),
  };
  const escalation = step.escalation
    ? {
        ...(step.escalation.remind_after ? { remind_at: at(step.escalation.remind_after) } : {}),
        ...(step.escalation.reassign_after ? { reassign_at: at(step.escalation.reassign_after), reassign_to: step.escalation.reassign_to } : {}),
      }
    : undefined;
  return {
    request_id: requestId,
    run_id: run.runId,
    workflow: run.workflow,
    ...shown,
    ...(step.title ? { title: step.title } : {}),
    assignees: [...(step.assignees ?? [])],
    rules: {
      approvals_required: approval?.approvals_required ?? 1,
      rejections_required: approval?.rejections_required ?? 1,
      // A person confirms their own agent's actions; separation of duties is for approvals of others' work.
      allow_self_approval: approval?.allow_self_approval ?? content.tool !== undefined,
      reject_requires_comment: approval?.reject_requires_comment ?? false,
      allow_skip: step.allow_skip ?? false,
    },
    votes: [],
    ...(escalation ? { escalation } : {}),
    ...(run.input.started_by ? { started_by: run.input.started_by } : {}),
    digest: digestOf(shownContent(shown)),
    ...(step.slack ? { slack_channels: [...step.slack.channels] } : {}),
    status: 'pending',
    created_at: createdAt.toISOString(),
    ...(step.timeout ? { timeout_at: at(step.timeout) } : {}),
    on_timeout: step.on_timeout ?? 'fail',
  };
}

/**
 * The digest of what a pause shows now (what a decision binds to): its content as {@link newPause}
 * built it, and for an output review the output it shows since an edit (the task's original and the
 * edit's author are not content).
 */
export function reviewDigest(pause: Pause): string {
  return digestOf(shownContent(pause));
}

/** The part of a pause its digest covers. */
function shownContent(pause: Pick<Pause, 'step' | 'type' | 'message' | 'options' | 'review' | 'input_schema' | 'questions' | 'context' | 'tool'>): Record<string, unknown> {
  const { step, type, message, options, review, input_schema, questions, context, tool } = pause;
  return {
    step,
    type,
    message,
    ...(options ? { options } : {}),
    ...(review ? { review: { step: review.step, output: review.output, ...(review.output_schema ? { output_schema: review.output_schema } : {}) } } : {}),
    ...(input_schema !== undefined ? { input_schema } : {}),
    ...(questions ? { questions } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(tool ? { tool } : {}),
  };
}

function reviewOf(run: RunState, step: Extract<PauseStep, { type: 'output_review' }>): Pause['review'] {
  const reviewed = run.stepRecord(step.review);
  if (!reviewed || reviewed.status !== 'completed') {
    throw new RunFailure({ type: 'expression_failed', message: `step "${step.name}" reviews step "${step.review}", which has not completed`, step: step.name });
  }
  return { step: step.review, output: reviewed.output, ...(step.output_schema ? { output_schema: step.output_schema } : {}) };
}

/**
 * Waits for the pause to settle, firing its escalation rungs (remind, reassign) on the way. True once
 * decided; false when the timeout passed first. Throws {@link ContinueAsNewNeeded} to move to a new execution.
 */
export async function waitForDecision(
  run: RunState,
  pause: Pause,
  hooks: { changed(): void; shouldContinueAsNew(): boolean },
): Promise<boolean> {
  const settled = () => pause.status !== 'pending';
  for (;;) {
    const rung = nextRung(pause);
    const woken = () => settled() || hooks.shouldContinueAsNew();
    if (rung === undefined) {
      await condition(woken);
    } else {
      const wokenInTime = await condition(woken, Math.max(0, Date.parse(rung.at) - Date.now()), { summary: rungSummary(pause, rung.kind) });
      if (!wokenInTime) {
        if (rung.kind === 'timeout') return false;
        fireRung(run, pause, rung.kind);
        hooks.changed();
        continue;
      }
    }
    if (settled()) return true;
    throw new ContinueAsNewNeeded();
  }
}

type Rung = { kind: 'remind' | 'reassign' | 'timeout'; at: string };

/** What a pause's timer is for, as the Web UI shows it beside the timer. */
function rungSummary(pause: Pause, kind: Rung['kind']): string {
  switch (kind) {
    case 'timeout':
      return `timeout of step ${pause.step} (${pause.request_id}), then ${pause.on_timeout}`;
    case 'remind':
      return `reminder for step ${pause.step} (${pause.request_id})`;
    case 'reassign':
      return `reassign step ${pause.step} (${pause.request_id}) to ${(pause.escalation?.reassign_to ?? []).join(', ')}`;
  }
}

function nextRung(pause: Pause): Rung | undefined {
  const e = pause.escalation;
  const rungs: Rung[] = [];
  if (e?.remind_at && !e.reminded_at) rungs.push({ kind: 'remind', at: e.remind_at });
  if (e?.reassign_at && !e.reassigned_at) rungs.push({ kind: 'reassign', at: e.reassign_at });
  if (pause.timeout_at) rungs.push({ kind: 'timeout', at: pause.timeout_at });
  return rungs.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
}

function fireRung(run: RunState, pause: Pause, kind: 'remind' | 'reassign'): void {
  const escalation = pause.escalation!;
  const at = new Date().toISOString();
  const ref = { step: pause.step, request_id: pause.request_id };
  if (kind === 'remind') {
    escalation.reminded_at = at;
    run.record('reminded', { ...ref, data: { assignees: pause.assignees, timeout_at: pause.timeout_at } });
    run.audit('reminded', { ...ref, channel: 'escalation', data: { assignees: pause.assignees } });
    return;
  }
  const from = pause.assignees;
  pause.assignees = [...(escalation.reassign_to ?? [])];
  escalation.reassigned_at = at;
  run.record('escalated', { ...ref, data: { from, to: pause.assignees } });
  run.audit('escalated', { ...ref, channel: 'escalation', data: { from, to: pause.assignees } });
}

/** The pause's timeout passed: apply its `on_timeout` policy. Returns the decision to apply, if any. */
export function timeOut(run: RunState, step: PauseStep, pause: Pause, record: StepRecord): DecisionRecord | undefined {
  const waited = step.timeout ?? 'its timeout';
  run.record('timed_out', { step: step.name, request_id: pause.request_id, data: { on_timeout: pause.on_timeout } });
  run.audit('timed_out', { step: step.name, request_id: pause.request_id, channel: 'timeout', data: { on_timeout: pause.on_timeout } });
  const system = (value: unknown): DecisionRecord => ({ value, by: 'system', at: new Date().toISOString(), comment: `no decision within ${waited}`, channel: 'timeout' });
  switch (pause.on_timeout) {
    case 'fail': {
      pause.status = 'timed_out';
      const message = `no decision on step "${step.name}" within ${waited}`;
      run.failStep(record, { type: 'timed_out', message });
      throw new RunFailure({ type: 'timed_out', message, step: step.name });
    }
    case 'skip':
    case 'timeout_skip':
      run.settle(pause, system(pause.on_timeout === 'skip' ? 'skipped' : 'timeout_skip'), 'timed_out');
      run.skipStep(record, `no decision within ${waited}`);
      return undefined;
    default: {
      const decision = system(pause.on_timeout === 'reject' ? REJECT_OPTION : pause.on_timeout);
      run.settle(pause, decision, 'timed_out');
      return decision;
    }
  }
}

/**
 * An output review settled other than by a rejection: ships an edit, and completes the step (true), or
 * leaves an approval of the task's own output to the caller (false). Before behavior 5 an edit settled
 * the review, and the decision's value is what ships. From behavior 5 what ships is what the review
 * shows, whatever settled it (the approval that completes a round, an edit, an approving timeout): the
 * latest edit once there is one.
 */
function shipReview(run: RunState, step: Extract<PauseStep, { type: 'output_review' }>, pause: Pause, record: StepRecord): boolean {
  const decision = pause.decision!;
  const reviewed = run.stepRecord(step.review)!;
  if (run.behavior < 5) {
    const value = decision.value;
    if (!value || typeof value !== 'object' || !('edit' in value)) return false;
    reviewed.original_output = reviewed.output;
    reviewed.output = (value as { edit: unknown }).edit;
    reviewed.edited_by = decision.by ?? 'an unnamed sender';
    run.completeStep(record, 'edit');
    return true;
  }
  const review = pause.review!;
  if (review.edited_by !== undefined) {
    reviewed.original_output = review.original;
    reviewed.output = review.output;
    reviewed.edited_by = review.edited_by;
    run.completeStep(record, 'edit');
    return true;
  }
  // An edit that changed nothing is an approval.
  if (!editOf(decision.value)) return false;
  run.completeStep(record, APPROVE_OPTION);
  return true;
}

/** What the decided pause does to the run: complete its step, apply an edit, or end the run on a rejection. */
export function applyOutcome(run: RunState, step: PauseStep, pause: Pause, record: StepRecord): void {
  const decision = pause.decision!;
  if (pause.status === 'skipped') {
    run.skipStep(record, `skipped by ${decision.by ?? 'an unnamed sender'}`);
    return;
  }
  const value = decision.value;
  if (step.type === 'output_review' && value !== REJECT_OPTION && shipReview(run, step, pause, record)) return;
  run.completeStep(record, value);
  if (step.type === 'input' || step.type === 'question' || value !== REJECT_OPTION) return;

  const onReject = step.on_reject ?? 'fail';
  if (onReject === 'continue') return;
  const by = decision.channel === 'timeout' ? 'timeout' : (decision.by ?? 'an unnamed sender');
  if (onReject === 'complete') {
    throw new RunEnd({ rejected: { step: step.name, by, at: decision.at, comment: decision.comment ?? null } });
  }
  const why = decision.comment ? `: ${decision.comment}` : '';
  throw new RunFailure({ type: 'rejected', message: `step "${step.name}" was rejected by ${by}${why}`, step: step.name });
}
