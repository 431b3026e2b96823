/**
 * The error taxonomy shared by workflows, the core and every REST face. A workflow rejects an update
 * with `ApplicationFailure.create({ type: ErrorType.X })`; the core turns failures into
 * {@link HoldpointError}; the gateway maps each type to an HTTP status in one exhaustive switch.
 */
export const ErrorType = {
  /** The request body, query or path does not match its schema (400). */
  InvalidRequest: 'invalid_request',
  /** The request body is larger than the gateway takes (413); the message names the limit. */
  PayloadTooLarge: 'payload_too_large',
  /** A decision's value breaks the pause's rule: not an offered option, or input failing its schema (422). */
  InvalidDecision: 'invalid_decision',
  /** A workflow definition is malformed (422 when registered through the API; a start-up error otherwise). */
  InvalidDefinition: 'invalid_definition',
  /** No run, workflow definition or pending request has that id (404). */
  NotFound: 'not_found',
  /** The run is not waiting for a decision: it is running, or it has ended (409). */
  NotPaused: 'not_paused',
  /** The run waits, but not at the step or request the decision names (409). */
  StepMismatch: 'step_mismatch',
  /** The pause was already decided; the details say by whom and when (409). */
  AlreadyDecided: 'already_decided',
  /** The decision carried a digest of content the pause no longer shows (409). */
  DigestMismatch: 'digest_mismatch',
  /** The run has ended (completed, failed or cancelled) and cannot take this action (409). */
  RunEnded: 'run_ended',
  /** An idempotency key was reused with a different request (409). */
  IdempotencyConflict: 'idempotency_conflict',
  /** The caller presented no valid credentials (401). */
  Unauthenticated: 'unauthenticated',
  /** The caller is known but may not do this (403). */
  Forbidden: 'forbidden',
  /** Temporal or a worker could not be reached in time (503). */
  Unavailable: 'unavailable',
  /** A bug on our side; the body says nothing more (500). */
  Internal: 'internal',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

const ERROR_TYPES = new Set<string>(Object.values(ErrorType));

export function isErrorType(value: unknown): value is ErrorType {
  return typeof value === 'string' && ERROR_TYPES.has(value);
}

/** Extra, machine-readable facts about an error: the offending field, the run's status, the options... */
export type ErrorDetails = Record<string, unknown>;

/** An expected failure with a stable type and a message a user can act on. */
export class HoldpointError extends Error {
  override readonly name = 'HoldpointError';
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }
}
