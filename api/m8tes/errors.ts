import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { z } from 'zod';
import { ErrorType, HoldpointError, type ErrorDetails } from '../../src/contracts/errors';
import { M8tesError, type M8tesErrorCode } from '../../src/contracts/http/m8tes';
import type { Logger } from '../../src/logger';
import { httpStatus, toHoldpointError } from '../errors';
import type { Source } from '../route';

/**
 * m8tes' error edge. Every refusal is `{"error": {type, message, code, request_id, details: {error_code,
 * ...}}}`: `code` is the HTTP status, and the machine-readable code the SDK branches on is
 * `details.error_code` (`exc.code` and `exc.error_code` in the SDK). Validation is a 422, as m8tes
 * answers it.
 */

/** The codes m8tes' SDK knows by name, and the ones this face adds for holdpoint's own refusals. */
export type M8tesCode = M8tesErrorCode;

/** The error answers every m8tes route may give besides its own (each in m8tes' envelope). */
export const M8TES_ERRORS = {
  401: { description: 'No key, or a key holdpoint does not know (`invalid_api_key`)', schema: M8tesError },
  403: { description: "The caller's role refuses it (`permission_denied`)", schema: M8tesError },
  404: { description: 'No such run, gate, agent, policy or webhook (`run_not_found`, `gate_not_found`, `gate_resolved_otherwise`, …)', schema: M8tesError },
  409: { description: 'A state conflict (`run_not_active`, `run_still_active`, `auto_continued`, `idempotency_conflict`, …)', schema: M8tesError },
  422: { description: 'Bad input: the message and `details.field` name the field (`validation_error`, `invalid_permission_mode`, …)', schema: M8tesError },
  503: { description: 'Temporal or a worker did not answer in time (`service_unavailable`)', schema: M8tesError },
} as const;

/** A refusal with m8tes' code; `type` picks the status (404, 409, 422...). */
export function refusal(type: ErrorType, code: M8tesCode, message: string, details: ErrorDetails = {}): HoldpointError {
  return new HoldpointError(type, message, { error_code: code, ...details });
}

/** The m8tes face answers every validation problem with 422. */
export function m8tesStatus(type: ErrorType): number {
  return type === ErrorType.InvalidRequest ? 422 : httpStatus(type);
}

/** The code of a holdpoint error that carries none of m8tes' own. */
function codeOf(error: HoldpointError): string {
  const given = error.details.error_code;
  if (typeof given === 'string') return given;
  switch (error.type) {
    case ErrorType.InvalidRequest:
    case ErrorType.InvalidDecision:
    case ErrorType.InvalidDefinition:
      return 'validation_error';
    case ErrorType.NotFound:
      return 'not_found';
    case ErrorType.NotPaused:
      return 'run_not_awaiting_approval';
    case ErrorType.StepMismatch:
      return 'gate_not_found';
    case ErrorType.AlreadyDecided:
      return 'gate_already_resolved';
    case ErrorType.DigestMismatch:
      return 'digest_mismatch';
    case ErrorType.RunEnded:
      return 'run_not_active';
    case ErrorType.IdempotencyConflict:
      return 'idempotency_conflict';
    case ErrorType.Unauthenticated:
      return 'invalid_api_key';
    case ErrorType.Forbidden:
      return 'permission_denied';
    case ErrorType.Unavailable:
      return 'service_unavailable';
    case ErrorType.Internal:
      return 'internal_error';
    default:
      return error.type;
  }
}

/** m8tes' `error.type`, a word per status class. */
function kindOf(status: number): z.input<typeof M8tesError>['error']['type'] {
  if (status === 400 || status === 422) return 'validation_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 409) return 'conflict_error';
  return 'api_error';
}

export function errorBody(error: HoldpointError, status: number, requestId: string | undefined): z.input<typeof M8tesError> {
  const { error_code: _code, ...rest } = error.details;
  return {
    error: {
      type: kindOf(status),
      message: error.message,
      code: status,
      request_id: requestId ?? null,
      details: { error_code: codeOf(error), holdpoint_type: error.type, ...rest },
    },
  };
}

export function m8tesErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { error, expected } = toHoldpointError(err);
    const status = m8tesStatus(error.type);
    const log = (req as Request).log ?? logger;
    if (expected) log.warn({ type: error.type, status, code: error.details.error_code, message: error.message }, 'm8tes request refused');
    else log.error({ err }, 'm8tes request failed unexpectedly');
    if (res.headersSent) return;
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="holdpoint"');
    res.status(status).json(errorBody(error, status, (req as Request).id));
  };
}

/** An unknown path under the prefix: the envelope (a bare 404 reads to the SDK as a wrong base_url). */
export const m8tesNotFound: RequestHandler = (req, res) => {
  const error = refusal(ErrorType.NotFound, 'route_not_found', `no route ${req.method} ${req.baseUrl}${req.path}`);
  res.status(404).json(errorBody(error, 404, req.id));
};

/**
 * A request that fails its schema, as m8tes answers it: a 422 naming the first bad field (`path.id`,
 * `query.limit`, `body.message`), every issue in the details.
 */
export function invalidM8tesRequest(error: z.ZodError, source: Source): never {
  const where = source === 'params' ? 'path' : source;
  const issues = error.issues.map((issue) => ({ field: [where, ...issue.path.map(String)].join('.'), message: issue.message }));
  const first = issues[0]!;
  throw refusal(ErrorType.InvalidRequest, 'validation_error', `${first.field}: ${first.message}`, { field: first.field, issues });
}
