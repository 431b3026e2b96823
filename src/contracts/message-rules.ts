import { ErrorType, type ErrorDetails } from './errors';

/**
 * The decision rules' shared parts that need no schema library: the workflow (which must not load
 * zod, see message-checks.ts) and the core both use them, so refusals read the same from either.
 */

/** The longest a caller may ask a decision or start to wait for the run's next pause or its end. */
export const MAX_WAIT_MS = 300_000;

/**
 * Official SDKs send `null` for an unset optional field (Python dataclasses, Java, Go without
 * `omitempty`): in a message, `null` means absent. `keep` names fields where null is a value.
 */
export function nullMeansAbsent(value: unknown, keep: readonly string[] = []): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key, v]) => v !== null || keep.includes(key)));
}

/** An empty comment is no comment (a vote is recorded without one), so a retry that sends "" again is the same decision. */
export function sameComment(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a || null) === (b || null);
}

/** A refusal as data: the workflow throws it as a failure, the core as a HoldpointError; the words are the same. */
export interface DecisionRefusal {
  type: ErrorType;
  message: string;
  details: ErrorDetails;
}

/** A decision for a pause someone already decided: who, when and what, in the words every face shows. */
export function alreadyDecided(pause: { step: string; request_id: string; decision?: { by?: string | undefined; at: string; value: unknown } | null | undefined }): DecisionRefusal {
  const decision = pause.decision!;
  return {
    type: ErrorType.AlreadyDecided,
    message: `step "${pause.step}" was already decided by ${decision.by ?? 'an unnamed sender'} at ${decision.at}`,
    details: { request_id: pause.request_id, decided_by: decision.by ?? null, decided_at: decision.at, value: decision.value },
  };
}

/** An idempotency key the caller already used for another decision (named when the caller may see it). */
export function idempotencyConflict(key: string, pause: { step: string; request_id: string }, earlier?: { value: unknown; by?: string | undefined }): DecisionRefusal {
  const what = earlier ? ` (${JSON.stringify(earlier.value)} by ${earlier.by ?? 'an unnamed sender'} on step "${pause.step}")` : ` on step "${pause.step}"`;
  return { type: ErrorType.IdempotencyConflict, message: `idempotency key "${key}" was already used for another decision${what}; use a new key`, details: { request_id: pause.request_id } };
}
