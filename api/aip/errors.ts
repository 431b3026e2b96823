import { AipError, AipHitlError, AipValidationError } from '../../src/contracts/http/aip';

/** The error answers of the HITL endpoints (`{error, message}`); bad input is FastAPI's 422. */
export const HITL_ERRORS = {
  400: { description: 'A decision GL AIP does not know (approved, rejected, skipped), or a body that is not JSON', schema: AipHitlError },
  401: { description: 'No key, or a key holdpoint does not know', schema: AipHitlError },
  403: { description: "The caller's role or the pause's approver rules refuse it", schema: AipHitlError },
  404: { description: 'No such request', schema: AipHitlError },
  409: { description: 'Already decided (by whom), or the run has ended', schema: AipHitlError },
  422: { description: "FastAPI's validation error naming the field, or a decision the pause cannot take", schema: AipValidationError.or(AipHitlError) },
  503: { description: 'Temporal or a worker did not answer in time', schema: AipHitlError },
} as const;

/** The error answers of the agents endpoints (GL AIP's envelope); bad input is FastAPI's 422. */
export const AGENT_ERRORS = {
  400: { description: 'Bad input (a file upload, a state the workflow refuses): the message names the field', schema: AipError },
  401: { description: 'No key, or a key holdpoint does not know', schema: AipError },
  403: { description: "The caller's role refuses it", schema: AipError },
  404: { description: 'No such agent (workflow)', schema: AipError },
  422: { description: "FastAPI's validation error naming the field", schema: AipValidationError.or(AipError) },
  503: { description: 'Temporal or a worker did not answer in time', schema: AipError },
} as const;
