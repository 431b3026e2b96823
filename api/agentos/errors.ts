import { AgentOsErrorBody } from '../../src/contracts/http/agentos';

/** The error answers AgentOS' routes may give besides their own, all `{"detail": ...}`. */
export const AGENTOS_ERRORS = {
  400: { description: 'Bad input: a message the workflow cannot take, a malformed `step_requirements`, an unresolved requirement', schema: AgentOsErrorBody },
  401: { description: '`Authorization header required` or `Invalid authentication token`', schema: AgentOsErrorBody },
  403: { description: "The key's principal may not do this (role, approver rule)", schema: AgentOsErrorBody },
  404: { description: 'No such workflow, run, session, approval, component or config', schema: AgentOsErrorBody },
  405: { description: 'holdpoint keeps this with the runs; it cannot be changed on its own', schema: AgentOsErrorBody },
  409: { description: 'The run is not paused (already completed, cancelled, ...), or the approval is already resolved', schema: AgentOsErrorBody },
  422: { description: "A field fails FastAPI's validation (`detail` lists them), or a decision the pause cannot take", schema: AgentOsErrorBody },
  503: { description: 'Temporal or a worker did not answer in time', schema: AgentOsErrorBody },
} as const;

/** Some of them, for a route's `responses`: `...errorAnswers(401, 404)`. */
export function errorAnswers<S extends keyof typeof AGENTOS_ERRORS>(...statuses: S[]): Pick<typeof AGENTOS_ERRORS, S> {
  return Object.fromEntries(statuses.map((status) => [status, AGENTOS_ERRORS[status]])) as Pick<typeof AGENTOS_ERRORS, S>;
}
