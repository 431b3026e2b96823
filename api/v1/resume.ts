import type { Core } from '../../src/core';
import type { DecisionRequest } from '../../src/contracts/decision';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Principal } from '../../src/contracts/principal';
import type { Pause } from '../../src/contracts/run';
import { parse } from '../validate';
import { ResumeStep } from './schemas';

type Decision = Omit<DecisionRequest, 'by' | 'groups' | 'wait_ms' | 'idempotency_key' | 'digest'>;

/**
 * Translates seed 002's two documented resume bodies into one decision:
 * `{input: {resume: {step, input}}}` (the concepts page) names the step; `{input: {...}}` (the API
 * reference) answers the run's only pending pause, read first so the decision names its request.
 */
export async function resumeDecision(core: Core, runId: string, input: Record<string, unknown>, comment: string | undefined, actor: Principal): Promise<Decision> {
  if ('resume' in input) {
    const resume = parse(ResumeStep, input.resume, 'body');
    const note = resume.comment ?? comment;
    return {
      step: resume.step,
      value: resume.input,
      ...(resume.request_id ? { request_id: resume.request_id } : {}),
      ...(note ? { comment: note } : {}),
    };
  }
  const run = await core.runs.get(runId, actor);
  if (run.pending.length === 0) {
    throw new HoldpointError(ErrorType.NotPaused, `run ${runId} is ${run.status}; no step waits for input`, { status: run.status });
  }
  if (run.pending.length > 1) {
    throw new HoldpointError(
      ErrorType.StepMismatch,
      `run ${runId} waits at ${run.pending.length} steps (${run.pending.map((p) => p.step).join(', ')}); name one with {"input": {"resume": {"step": ..., "input": ...}}}`,
      { waiting_at: run.pending.map((p) => p.step) },
    );
  }
  const pause = run.pending[0]!;
  return { request_id: pause.request_id, value: valueFor(pause, input), ...(comment ? { comment } : {}) };
}

function valueFor(pause: Pause, input: Record<string, unknown>): unknown {
  if (pause.type === 'input') return input;
  const options = pause.options ?? [];
  if (typeof input.approved === 'boolean') {
    const value = input.approved ? 'approve' : 'reject';
    if (options.includes(value)) return value;
  }
  for (const key of ['option', 'decision', 'value'] as const) {
    if (typeof input[key] === 'string') return input[key];
  }
  throw new HoldpointError(
    ErrorType.InvalidRequest,
    `body.input: step "${pause.step}" takes one of ${options.map((o) => `"${o}"`).join(', ')}; send {"resume": {"step": "${pause.step}", "input": "<option>"}}, {"option": "<option>"} or {"approved": true|false}`,
    { field: 'body.input', options },
  );
}
