import type { Principal } from '../contracts/principal';
import type { RunView } from '../contracts/run';
import { ErrorType, HoldpointError } from '../contracts/errors';
import { digestOf as contentHash } from '../lib/digest';
import { alreadyDecided, idempotencyConflict, sameComment, type DecisionRefusal } from '../contracts/decision';
import type { DecisionInput } from './runs';

/**
 * A decision repeated (same caller, same key) after the run ended: the run as it ended if it is the same
 * decision; an idempotency conflict if the key was used for another one.
 */
export function replayOf(run: RunView, actor: Principal, input: DecisionInput): RunView | undefined {
  for (const pause of run.pauses) {
    const vote = pause.votes.find((v) => v.idempotency_key === input.idempotency_key && v.by === actor.id);
    if (!vote) continue;
    const value = input.action === 'skip' ? 'skipped' : input.value;
    if (JSON.stringify(vote.value) === JSON.stringify(value) && sameComment(vote.comment, input.comment)) return run;
    throw asError(idempotencyConflict(input.idempotency_key!, pause));
  }
  return undefined;
}

/** Why an ended run refused a decision: its step was decided (by whom, when), or the run is simply over. */
export function whyEnded(run: RunView, input: DecisionInput): HoldpointError {
  const pause = [...run.pauses].reverse().find((p) => (input.request_id ? p.request_id === input.request_id : p.step === input.step));
  if (pause?.decision && pause.status === 'decided') {
    return asError(alreadyDecided(pause));
  }
  return new HoldpointError(ErrorType.RunEnded, `run ${run.run_id} has ${run.status}; it takes no more decisions`, { run_id: run.run_id, status: run.status });
}

/**
 * Temporal answers a repeated update id with the first outcome. The id holds the caller, the key and a
 * hash of the decision, so the same key with a different decision reaches the validator (and is refused
 * as an idempotency conflict) instead of silently getting the first answer.
 */
export function updateIdFor(actor: Principal, input: DecisionInput): string {
  const { idempotency_key, ...decision } = input;
  return `${actor.id}:${idempotency_key}:${contentHash(decision).slice(7, 23)}`;
}

const asError = (refusal: DecisionRefusal) => new HoldpointError(refusal.type, refusal.message, refusal.details);
