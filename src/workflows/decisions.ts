import { ApplicationFailure } from '@temporalio/workflow';
import { DecisionRequest } from '../contracts/decision';
import { ErrorType, type ErrorDetails } from '../contracts/errors';
import type { Pause } from '../contracts/run';
import { checkAgainstSchema, describeViolations } from '../lib/json-schema';
import type { RunState } from './run-state';

/** Rejects a decision with a typed failure the gateway maps to an HTTP status. */
export function reject(type: ErrorType, message: string, details: ErrorDetails = {}): never {
  throw ApplicationFailure.create({ type, message, details: [details], nonRetryable: true });
}

/**
 * Finds the pause a decision is for and checks the decision against it. Throws (from the update
 * validator: nothing reaches history) when the run cannot take it. Synchronous, as validators must be.
 */
export function checkDecision(run: RunState, raw: unknown): { request: DecisionRequest; pause: Pause } {
  const parsed = DecisionRequest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'body';
    reject(ErrorType.InvalidRequest, `${field}: ${issue.message}`, { field });
  }
  const request = parsed.data;

  if (run.ended) {
    reject(ErrorType.RunEnded, `run ${run.runId} has ${run.status}; nothing waits for a decision`, { status: run.status });
  }
  if (run.data.cancel_requested) {
    reject(ErrorType.RunEnded, `run ${run.runId} is being cancelled; it takes no more decisions`, { status: 'cancelling' });
  }

  const pause = findPause(run, request);
  checkValue(pause, request.value);
  return { request, pause };
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
  if (pause.status === 'decided' && pause.decision) {
    const by = pause.decision.by ?? 'an unnamed sender';
    reject(ErrorType.AlreadyDecided, `step "${pause.step}" was already decided by ${by} at ${pause.decision.at}`, {
      request_id: pause.request_id,
      decided_by: pause.decision.by ?? null,
      decided_at: pause.decision.at,
      value: pause.decision.value,
    });
  }
  reject(ErrorType.NotPaused, `request ${pause.request_id} is ${pause.status.replace('_', ' ')}; it takes no decision`, {
    request_id: pause.request_id,
    status: pause.status,
  });
}

function checkValue(pause: Pause, value: unknown): void {
  if (pause.type === 'input') {
    const violations = checkAgainstSchema(pause.input_schema ?? {}, value);
    if (violations.length > 0) {
      reject(ErrorType.InvalidDecision, `the input for step "${pause.step}" does not match its schema: ${describeViolations(violations)}`, {
        field: 'value',
        violations,
      });
    }
    return;
  }
  const options = pause.options ?? [];
  if (typeof value !== 'string' || !options.includes(value)) {
    reject(ErrorType.InvalidDecision, `value must be one of ${quoteList(options)} for step "${pause.step}"`, {
      field: 'value',
      options,
    });
  }
}

function quoteList(items: readonly string[]): string {
  return items.map((i) => `"${i}"`).join(', ');
}
