import { ApplicationFailure } from '@temporalio/common';
import type { PauseStep, Step } from '../../src/contracts/definition';
import type { Pause, RunInput, StepRecord } from '../../src/contracts/run';
import { newPause } from '../../src/workflows/pauses';
import { RunState } from '../../src/workflows/run-state';

/**
 * A run's state built outside any workflow: the decision rules, the pause builder and the state
 * object are plain functions of it, so the unit tier drives them directly.
 */
export function newRun(steps: Step[], fields: Partial<RunInput> = {}): RunState {
  return new RunState({
    run_id: 'wfr_unit',
    definition: { name: 'unit-flow', steps },
    definition_hash: 'sha256:unit',
    task: 'a unit test',
    state: {},
    started_by: 'starter',
    started_at: '2026-01-01T00:00:00.000Z',
    settings: { max_lifetime_ms: 86_400_000 },
    ...fields,
  });
}

/** Opens a pause the way the interpreter does: request id, a paused step record, the pause itself. */
export function openPause(run: RunState, step: PauseStep, content: Partial<Parameters<typeof newPause>[3]> = {}): { pause: Pause; record: StepRecord } {
  const requestId = run.nextRequestId(step.name);
  const record = run.startStep(step, 'paused');
  record.request_id = requestId;
  const pause = newPause(run, step, requestId, { message: step.message, context: undefined, ...content });
  run.data.pauses.push(pause);
  return { pause, record };
}

export interface Refused {
  type: string | undefined | null;
  message: string;
  details: Record<string, unknown>;
  nonRetryable: boolean | undefined | null;
}

/** Runs a rule that should refuse; returns the typed failure it threw (and fails the test if it did not). */
export function refusalOf(attempt: () => unknown): Refused {
  try {
    attempt();
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    return { type: err.type, message: err.message, details: (err.details?.[0] ?? {}) as Record<string, unknown>, nonRetryable: err.nonRetryable };
  }
  throw new Error('expected a refusal, but the rule accepted');
}

export const confirm = (name: string, extra: Partial<Extract<PauseStep, { type: 'confirmation' }>> = {}): PauseStep => ({
  name,
  type: 'confirmation',
  message: `Confirm ${name}?`,
  ...extra,
});
