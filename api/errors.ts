import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ErrorType, HoldpointError } from '../src/contracts/errors';
import type { Logger } from '../src/logger';

/** The one place error types become HTTP statuses; a new type fails to compile until mapped here. */
export function httpStatus(type: ErrorType): number {
  switch (type) {
    case ErrorType.InvalidRequest:
      return 400;
    case ErrorType.PayloadTooLarge:
      return 413;
    case ErrorType.Unauthenticated:
      return 401;
    case ErrorType.Forbidden:
      return 403;
    case ErrorType.NotFound:
      return 404;
    case ErrorType.NotPaused:
    case ErrorType.StepMismatch:
    case ErrorType.AlreadyDecided:
    case ErrorType.DigestMismatch:
    case ErrorType.RunEnded:
    case ErrorType.IdempotencyConflict:
      return 409;
    case ErrorType.InvalidDecision:
    case ErrorType.InvalidDefinition:
      return 422;
    case ErrorType.Unavailable:
      return 503;
    case ErrorType.Internal:
      return 500;
    default:
      return assertNever(type);
  }
}

function assertNever(value: never): never {
  throw new Error(`unmapped error type ${String(value)}`);
}

/** How a REST face writes an error body; faces that document their own shape bring their own. */
export type ErrorFormatter = (error: HoldpointError, status: number) => unknown;

export const holdpointErrorBody: ErrorFormatter = (error) => ({
  error: { type: error.type, message: error.message, ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}) },
});

/** Normalises anything thrown in a route: our errors, body-parser errors, and bugs (a generic 500). */
export function toHoldpointError(err: unknown): { error: HoldpointError; expected: boolean } {
  if (err instanceof HoldpointError) return { error: err, expected: true };
  const e = err as { type?: string; status?: number; message?: string; limit?: number; length?: number };
  if (e?.type === 'entity.parse.failed') {
    return { error: new HoldpointError(ErrorType.InvalidRequest, `body: is not valid JSON (${e.message ?? 'parse error'})`, { field: 'body' }), expected: true };
  }
  if (e?.type === 'entity.too.large') {
    // The body parsers (`1mb` in app.ts, the Slack and AgentOS form routes) say which limit it broke.
    const limit = e.limit ? `${e.limit} bytes (${+(e.limit / 1_048_576).toFixed(2)} MB)` : '1 MB';
    const size = e.length ? `${e.length} bytes, ` : '';
    return {
      error: new HoldpointError(ErrorType.PayloadTooLarge, `body: is ${size}over the gateway's limit of ${limit}`, { field: 'body', ...(e.limit ? { limit_bytes: e.limit } : {}) }),
      expected: true,
    };
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return { error: new HoldpointError(ErrorType.InvalidRequest, `body: ${e.message ?? 'unsupported encoding'}`, { field: 'body' }), expected: true };
  }
  return { error: new HoldpointError(ErrorType.Internal, 'internal error; the gateway log has the details'), expected: false };
}

export function errorBoundary(logger: Logger, format: ErrorFormatter = holdpointErrorBody): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { error, expected } = toHoldpointError(err);
    const status = httpStatus(error.type);
    const log = (req as { log?: Logger }).log ?? logger;
    if (expected) log.warn({ type: error.type, status, message: error.message }, 'request refused');
    else log.error({ err }, 'request failed unexpectedly');
    if (res.headersSent) return;
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="holdpoint"');
    res.status(status).json(format(error, status));
  };
}

export function notFoundRoute(format: ErrorFormatter = holdpointErrorBody): RequestHandler {
  return (req, res) => {
    const error = new HoldpointError(ErrorType.NotFound, `no route ${req.method} ${req.originalUrl.split('?')[0]}`);
    res.status(404).json(format(error, 404));
  };
}
