import { refusal } from './failures';
import { APPROVE_OPTION, REJECT_OPTION } from '../contracts/options';
import type { DecisionRequest } from '../contracts/decision';
import { checkDecisionMessage, describeMessageIssue } from '../contracts/message-checks';
import { alreadyDecided, idempotencyConflict, sameComment, type DecisionRefusal } from '../contracts/message-rules';
import { ErrorType, type ErrorDetails } from '../contracts/errors';
import type { Pause } from '../contracts/run';
import { matchesAssignee } from '../lib/assignees';
import { currentRound, editOf } from '../lib/review-rounds';
import { checkAgainstSchema, describeViolations } from '../lib/json-schema';
import type { RunState } from './run-state';
import { roundCount, startsRound } from './pause-kinds/output-review';

/** Rejects a decision with one of the shared refusals (src/contracts/decision.ts). */
function refuse(refusal: DecisionRefusal): never {
  return reject(refusal.type, refusal.message, refusal.details);
}

/** Rejects a decision with a typed failure the gateway maps to an HTTP status. */
export function reject(type: ErrorType, message: string, details: ErrorDetails = {}): never {
  throw refusal({ type, message, details: [details], nonRetryable: true });
}

export interface CheckedDecision {
  request: DecisionRequest;
  pause: Pause;
  /** The same decision (same idempotency key, decider and content) was already taken: answer, change nothing. */
  duplicate: boolean;
}

/**
 * Finds the pause a decision is for and checks it against every rule. Throws (from the update validator:
 * nothing reaches history) when the run cannot take it. Synchronous, as validators must be.
 */
export function checkDecision(run: RunState, raw: unknown): CheckedDecision {
  const parsed = checkDecisionMessage(raw);
  if (!parsed.ok) {
    const { field, message } = describeMessageIssue(parsed.issue);
    reject(ErrorType.InvalidRequest, message, { field });
  }
  const request = parsed.value;

  const earlier = request.idempotency_key ? findByKey(run, request) : undefined;
  if (earlier) return earlier;

  if (run.ended) {
    reject(ErrorType.RunEnded, `run ${run.runId} has ${run.status}; nothing waits for a decision`, { status: run.status });
  }
  if (run.data.cancel_requested) {
    reject(ErrorType.RunEnded, `run ${run.runId} is being cancelled; it takes no more decisions`, { status: 'cancelling' });
  }

  const pause = findPause(run, request);
  if (request.digest !== undefined && request.digest !== pause.digest) {
    reject(ErrorType.DigestMismatch, `step "${pause.step}" now shows different content than the decision was made on; read it again and decide on what it shows`, {
      request_id: pause.request_id,
      digest: pause.digest,
      your_digest: request.digest,
    });
  }
  checkAssignees(pause, request);
  if (request.action === 'skip') {
    if (!pause.rules.allow_skip) {
      reject(ErrorType.InvalidDecision, `step "${pause.step}" may not be skipped (its definition does not set allow_skip)`, { field: 'action' });
    }
    return { request, pause, duplicate: false };
  }
  checkValue(pause, request.value);
  if (request.remember && !pause.tool?.gate) {
    reject(ErrorType.InvalidRequest, `remember applies to the tool gates a permission mode puts up; step "${pause.step}" is not one`, { field: 'remember' });
  }
  if (isApproval(pause)) checkApprovalRules(run, pause, request);
  return { request, pause, duplicate: false };
}

/** Pauses whose options include approving and rejecting, and so take approval rules. */
export function isApproval(pause: Pause): boolean {
  return pause.type === 'confirmation' || pause.type === 'decision' || pause.type === 'output_review' || pause.type === 'tool_approval';
}

/** Whether a value approves (anything but a rejection: another option, an edit). */
function approves(value: unknown): boolean {
  return value !== REJECT_OPTION;
}

function findByKey(run: RunState, request: DecisionRequest): CheckedDecision | undefined {
  for (const pause of run.data.pauses) {
    for (const vote of pause.votes) {
      // Keys are the caller's own: another person's decision under the same key is not a repeat of it.
      if (vote.idempotency_key !== request.idempotency_key || vote.by !== request.by) continue;
      // A repeat names the same pause (or none it could mean otherwise): a key reused on another pause is a conflict.
      const samePause = (request.request_id ?? pause.request_id) === pause.request_id && (request.step ?? pause.step) === pause.step;
      const same = samePause && sameJson(vote.value, request.action === 'skip' ? 'skipped' : request.value) && sameComment(vote.comment, request.comment);
      if (!same) refuse(idempotencyConflict(request.idempotency_key!, pause, vote));
      // A vote from before an edit, repeated on the edited content (its digest): not a retry of it.
      if (pause.status === 'pending' && pause.votes.indexOf(vote) < (pause.round_from ?? 0) && request.digest === pause.digest) {
        reject(ErrorType.IdempotencyConflict, `idempotency key "${request.idempotency_key}" was used for a decision on step "${pause.step}" before its edit; a decision on the edited output needs a new key`, {
          request_id: pause.request_id,
        });
      }
      return { request, pause, duplicate: true };
    }
  }
  return undefined;
}

function findPause(run: RunState, request: DecisionRequest): Pause {
  const pending = run.pending();
  const waitingAt = pending.map((p) => p.step);

  if (request.request_id !== undefined) {
    const pause = run.findPause(request.request_id);
    if (!pause) {
      reject(ErrorType.NotFound, `run ${run.runId} has no request ${request.request_id}`, { request_id: request.request_id });
    }
    if (pause.status !== 'pending') alreadySettled(pause);
    if (request.step !== undefined && request.step !== pause.step) {
      reject(ErrorType.StepMismatch, `request ${pause.request_id} is for step "${pause.step}", not "${request.step}"`, {
        step: request.step,
        waiting_at: waitingAt,
      });
    }
    return pause;
  }

  const step = request.step!;
  const candidates = pending.filter((p) => p.step === step);
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    reject(ErrorType.StepMismatch, `step "${step}" has ${candidates.length} pending requests; name one with request_id`, {
      request_ids: candidates.map((p) => p.request_id),
    });
  }
  const last = [...run.data.pauses].reverse().find((p) => p.step === step);
  if (last) alreadySettled(last);
  if (pending.length === 0) {
    reject(ErrorType.NotPaused, `run ${run.runId} is ${run.status}; no step waits for a decision`, { status: run.status });
  }
  reject(ErrorType.StepMismatch, `step "${step}" is not waiting for a decision; the run waits at ${quoteList(waitingAt)}`, {
    step,
    waiting_at: waitingAt,
  });
}

function alreadySettled(pause: Pause): never {
  if (pause.decision) refuse(alreadyDecided(pause));
  reject(ErrorType.NotPaused, `request ${pause.request_id} is ${pause.status.replace('_', ' ')}; it takes no decision`, {
    request_id: pause.request_id,
    status: pause.status,
  });
}

function checkAssignees(pause: Pause, request: DecisionRequest): void {
  if (matchesAssignee(pause.assignees, request.by, request.groups)) return;
  const who = request.by ?? 'an unnamed sender';
  reject(ErrorType.Forbidden, `${who} may not decide step "${pause.step}": it is assigned to ${pause.assignees.join(', ')} (rule: assignees)`, {
    rule: 'assignees',
    assignees: pause.assignees,
  });
}

function checkApprovalRules(run: RunState, pause: Pause, request: DecisionRequest): void {
  const { rules } = pause;
  const value = request.value;
  if (value === REJECT_OPTION && rules.reject_requires_comment && !request.comment?.trim()) {
    reject(ErrorType.InvalidDecision, `a rejection of step "${pause.step}" must say why: add a comment (rule: reject_requires_comment)`, {
      field: 'comment',
      rule: 'reject_requires_comment',
    });
  }
  if (approves(value) && !rules.allow_self_approval && request.by !== undefined && request.by === pause.started_by) {
    reject(ErrorType.Forbidden, `${request.by} started this run and may not approve step "${pause.step}" (rule: separation of duties; the definition does not set allow_self_approval)`, {
      rule: 'allow_self_approval',
    });
  }
  const needsVotes = rules.approvals_required > 1 || rules.rejections_required > 1;
  if (!needsVotes) return;
  if (request.by === undefined) {
    reject(ErrorType.Forbidden, `step "${pause.step}" needs decisions from distinct named principals; this one names none (rule: approvals_required)`, {
      rule: 'approvals_required',
    });
  }
  // Votes before an edit were cast on other content: their authors vote again on what it shows now,
  // and an edit that changes it starts a round of its own, whoever sends it.
  if (startsRound(run, pause, value)) return checkEditCount(pause);
  const round = currentRound(pause);
  const earlier = round.find((v) => v.by === request.by);
  if (earlier) {
    const approvals = roundCount(run, pause, APPROVE_OPTION);
    reject(ErrorType.AlreadyDecided, `${request.by} already decided ${JSON.stringify(earlier.value)} on step "${pause.step}" at ${earlier.at}; it needs ${rules.approvals_required} distinct approvers (${approvals} so far)`, {
      request_id: pause.request_id,
      decided_by: earlier.by,
      decided_at: earlier.at,
      value: earlier.value,
      rule: 'approvals_required',
    });
  }
}

/**
 * Edits a review with several approvers takes: each starts a round and is kept in its votes, events
 * and audit, so one person alternating two versions must not grow the run without end.
 */
export const MAX_REVIEW_EDITS = 20;

function checkEditCount(pause: Pause): void {
  const edits = pause.votes.filter((v) => editOf(v.value) !== undefined).length;
  if (edits < MAX_REVIEW_EDITS) return;
  reject(ErrorType.InvalidDecision, `step "${pause.step}" was edited ${edits} times, the most a review takes; approve or reject what it shows (rule: edits_per_review)`, {
    rule: 'edits_per_review',
    limit: MAX_REVIEW_EDITS,
  });
}

function checkValue(pause: Pause, value: unknown): void {
  switch (pause.type) {
    case 'input': {
      const violations = checkAgainstSchema(pause.input_schema ?? {}, value);
      if (violations.length > 0) invalidValue(pause, `the input does not match its schema: ${describeViolations(violations)}`, { violations });
      return;
    }
    case 'question':
      return checkAnswers(pause, value);
    case 'output_review': {
      if (value === APPROVE_OPTION || value === REJECT_OPTION) return;
      const edit = editOf(value)?.edit;
      if (edit === undefined) invalidValue(pause, 'value must be "approve", "reject" or {"edit": <the corrected output>}', { options: ['approve', 'reject', 'edit'] });
      const violations = pause.review?.output_schema ? checkAgainstSchema(pause.review.output_schema, edit, 'value.edit') : [];
      if (violations.length > 0) invalidValue(pause, `the edited output does not match its schema: ${describeViolations(violations)}`, { violations });
      return;
    }
    default: {
      const options = pause.options ?? [];
      if (typeof value !== 'string' || !options.includes(value)) invalidValue(pause, `value must be one of ${quoteList(options)}`, { options });
    }
  }
}

function checkAnswers(pause: Pause, value: unknown): void {
  const questions = pause.questions ?? [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    invalidValue(pause, 'value must map each question to its answer: {"<question>": "<option label or text>"}', {
      questions: questions.map((q) => q.question),
    });
  }
  const answers = value as Record<string, unknown>;
  const problems: { question: string; message: string }[] = [];
  for (const q of questions) {
    const answer = answers[q.question];
    const labels = q.options.map((o) => o.label);
    if (answer === undefined) problems.push({ question: q.question, message: 'is not answered' });
    else if (typeof answer !== 'string' || answer.trim() === '') problems.push({ question: q.question, message: 'must be answered with text' });
    else if (!q.allow_free_text && !labels.includes(answer)) problems.push({ question: q.question, message: `must be one of ${quoteList(labels)}` });
  }
  for (const key of Object.keys(answers)) {
    if (!questions.some((q) => q.question === key)) problems.push({ question: key, message: 'is not a question of this step' });
  }
  if (problems.length > 0) {
    invalidValue(pause, problems.map((p) => `"${p.question}" ${p.message}`).join('; '), { problems });
  }
}

function invalidValue(pause: Pause, message: string, details: ErrorDetails): never {
  reject(ErrorType.InvalidDecision, `step "${pause.step}": ${message}`, { field: 'value', ...details });
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function quoteList(items: readonly string[]): string {
  return items.map((i) => `"${i}"`).join(', ');
}
