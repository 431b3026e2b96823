import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { z } from 'zod';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { AgentOsIssue } from '../../src/contracts/http/agentos';
import type { Logger } from '../../src/logger';
import { httpStatus, toHoldpointError } from '../errors';

/**
 * AgentOS speaks FastAPI: every error is `{"detail": "<text>"}`, and a request that fails its schema
 * is a 422 with `{"detail": [{type, loc, msg, input}]}`. This file is that edge: auth, errors, validation.
 */

/** An answer AgentOS gives with a status of its own (401 texts, 405, 422 issue lists). */
export class AgentOsError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | AgentOsIssue[],
  ) {
    super(typeof detail === 'string' ? detail : 'request validation failed');
  }
}

/** A not-found in AgentOS' words. */
export const notFound = (what: 'Workflow' | 'Run' | 'Session' | 'Approval' | 'Component' | 'Config'): HoldpointError =>
  new HoldpointError(ErrorType.NotFound, `${what} not found`);

/**
 * `Authorization: Bearer <key>`, the bare key in `Authorization` (AgentOS accepts both), or holdpoint's
 * own `X-API-Key`. The key's principal is who starts, decides and cancels.
 */
export function agentOsAuth(keys: ApiKeyRing): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization') ?? req.get('x-api-key');
    if (!header) throw new AgentOsError(401, 'Authorization header required');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = bearer ? bearer[1] : /\s/.test(header.trim()) ? undefined : header.trim();
    const principal = key ? keys.authenticate(key) : undefined;
    if (!principal) throw new AgentOsError(401, 'Invalid authentication token');
    req.principal = principal;
    req.log = req.log.child({ principal: principal.id });
    next();
  };
}

/** Where FastAPI says a value came from (`loc[0]`). */
const LOC = { params: 'path', query: 'query', headers: 'header', body: 'body' } as const;

/**
 * A request that fails its schema, as FastAPI answers it: 422 naming every bad field under its
 * source. The face's `invalid` (see `agentOsTable`).
 */
export function invalidRequest(error: z.ZodError, source: keyof typeof LOC, req: Request): never {
  const input = ((source === 'body' ? req.body : req[source]) ?? {}) as Record<string, unknown>;
  throw new AgentOsError(
    422,
    error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
      const given = path.reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined), input);
      const missing = given === undefined && issue.code === 'invalid_type';
      return {
        type: missing ? 'missing' : fastApiType(issue),
        loc: [LOC[source], ...path],
        msg: missing ? 'Field required' : issue.message,
        input: missing ? null : (given ?? null),
      };
    }),
  );
}

/** Pydantic's names for the problems zod finds (the ones AgentOS' fields can have). */
function fastApiType(issue: z.ZodError['issues'][number]): string {
  switch (issue.code) {
    case 'invalid_format':
      return 'string_pattern_mismatch';
    case 'invalid_type':
      return issue.expected === 'number' || issue.expected === 'int' ? 'int_parsing' : issue.expected === 'string' ? 'string_type' : issue.code;
    case 'too_small':
      return issue.origin === 'string' ? 'string_too_short' : 'greater_than_equal';
    case 'too_big':
      return issue.origin === 'string' ? 'string_too_long' : 'less_than_equal';
    case 'invalid_value':
      return 'enum';
    default:
      return issue.code;
  }
}

/** The error boundary of the face: `{"detail": ...}` with the status the taxonomy (or AgentOS) gives. */
export function agentOsErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const log = (req as Request).log ?? logger;
    if (err instanceof AgentOsError) {
      log.warn({ status: err.status, detail: err.detail }, 'request refused');
      if (!res.headersSent) res.status(err.status).json({ detail: err.detail });
      return;
    }
    const { error, expected } = toHoldpointError(err);
    const status = error.type === ErrorType.InvalidRequest && (err as { type?: string })?.type === 'entity.parse.failed' ? 422 : httpStatus(error.type);
    if (expected) log.warn({ type: error.type, status, message: error.message }, 'request refused');
    else log.error({ err }, 'request failed unexpectedly');
    if (res.headersSent) return;
    res.status(status).json({ detail: expected ? error.message : 'Internal server error' });
  };
}

/** FastAPI's answer for a path it has no route for. */
export const agentOsNotFound: RequestHandler = (_req, res) => {
  res.status(404).json({ detail: 'Not Found' });
};

/** Epoch seconds, as AgentOS writes `created_at`. */
export function epoch(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : Date.now();
  return Math.floor((Number.isNaN(ms) ? Date.now() : ms) / 1000);
}
