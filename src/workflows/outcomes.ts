import type { RunError } from '../contracts/run';

/**
 * Control flow of the interpreter, thrown up to the workflow function. They never leave the workflow:
 * it turns each into the run's end (or a continue-as-new).
 */

/** The run fails with this error. */
export class RunFailure extends Error {
  override readonly name = 'RunFailure';
  constructor(readonly error: RunError) {
    super(error.message);
  }
}

/** The run completes early (a rejection whose `on_reject` is `complete`) with this result. */
export class RunEnd extends Error {
  override readonly name = 'RunEnd';
  constructor(readonly result: unknown) {
    super('run ended early');
  }
}

/** History is long: carry the state into a fresh execution at the next safe point. */
export class ContinueAsNewNeeded extends Error {
  override readonly name = 'ContinueAsNewNeeded';
  constructor() {
    super('continue as new');
  }
}
