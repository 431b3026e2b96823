import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../src/logger';

declare module 'express-serve-static-core' {
  interface Request {
    /** A child logger carrying this request's id. */
    log: Logger;
    id: string;
  }
}

/** Gives each request an id (or keeps the caller's X-Request-Id) and logs one line when it ends. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = { method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (req.path === '/healthz' || req.path === '/readyz') req.log.debug(fields, 'request');
      else req.log.info(fields, 'request');
    });
    next();
  };
}
