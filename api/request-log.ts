import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../src/logger';

declare module 'express-serve-static-core' {
  interface Request {
    /** A child logger carrying this request's id: handlers log through it, so each line says which request it belongs to. */
    log: Logger;
    id: string;
  }
}

/** A caller's X-Request-Id is kept when it is a plain token; anything else gets a fresh id. */
const SANE_ID = /^[\w.:-]{1,128}$/;
/** Probes and scrapes log at debug: they would drown the lines that matter. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** Belt and braces: no line carries a key, whoever logs a request or its headers. */
const REDACTED = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'headers.authorization', 'headers["x-api-key"]', 'headers.cookie'];

/**
 * One structured line per request (pino-http), and a request id on every line logged while it runs:
 * the caller's X-Request-Id when sane, else a new one, echoed back in the X-Request-Id header.
 * Lines carry the method, the path (never the query, which may hold tokens), the declared route, the
 * status and the time taken; never headers.
 */
export function requestLog(logger: Logger): RequestHandler {
  const middleware = pinoHttp({
    logger,
    redact: REDACTED,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customAttributeKeys: { reqId: 'requestId' },
    // Child loggers carry the request id alone; the request's fields are on its one closing line.
    quietReqLogger: true,
    quietResLogger: true,
    // Whoever logs `{ req }` gets these (pino-http hands the standard serialization over): no headers.
    serializers: { req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, path: (req.url ?? '/').split('?')[0] }) },
    customLogLevel: (req, res, err) => {
      if (err || res.statusCode >= 500) return 'error';
      return QUIET_PATHS.has(pathOf(req)) ? 'debug' : 'info';
    },
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, fields: { responseTime: number }) => lineOf(req, res, fields.responseTime),
    customErrorObject: (req, res, err, fields: { responseTime: number }) => ({ ...lineOf(req, res, fields.responseTime), err }),
  });
  return middleware as unknown as RequestHandler;
}

function lineOf(req: IncomingMessage, res: ServerResponse, ms: number): Record<string, unknown> {
  const route = (res as { locals?: { route?: unknown } }).locals?.route;
  const principal = (req as { principal?: { id: string } }).principal?.id;
  return { method: req.method, path: pathOf(req), ...(typeof route === 'string' ? { route } : {}), status: res.statusCode, ms, ...(principal ? { principal } : {}) };
}

/** The path asked for, without the query; Express' `originalUrl`, as routers rewrite `url` on the way. */
function pathOf(req: IncomingMessage): string {
  return ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/').split('?')[0]!;
}
