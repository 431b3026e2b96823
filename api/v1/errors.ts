import { V1Error } from '../../src/contracts/http/v1';

/** The error answers every /v1 route may give besides its own. */
export const V1_ERRORS = {
  400: { description: 'Bad input: the message names the field', schema: V1Error },
  401: { description: 'No key, or a key holdpoint does not know', schema: V1Error },
  403: { description: "The caller's role or an approver rule refuses it", schema: V1Error },
  404: { description: 'No such run, request, workflow or webhook', schema: V1Error },
  409: { description: 'A state conflict: not paused, already decided (by whom), digest mismatch, run ended', schema: V1Error },
  422: { description: 'A decision the pause cannot take, or an invalid definition', schema: V1Error },
  503: { description: 'Temporal or a worker did not answer in time', schema: V1Error },
} as const;
