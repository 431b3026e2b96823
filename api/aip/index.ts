import { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { AipError, AipHitlError, AipValidationError } from '../../src/contracts/http/aip';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import { authenticate } from '../auth';
import { errorBoundary, notFoundRoute, type ErrorFormatter } from '../errors';
import { RouteTable, type FaceOptions, type Source } from '../route';
import type { LiveRouteOptions } from '../v1/events';
import { agentRoutes } from './agent-routes';
import { hitlRoutes } from './hitl';

export interface AipOptions {
  core: Core;
  keys: ApiKeyRing;
  live: LiveRouteOptions;
  /** Tests: check every answer against its declared schema. */
  checkResponse?: FaceOptions['checkResponse'];
}

/** Where the HITL endpoints live; their errors have their own shape. */
const HITL_PATH = '/agents/hitl';

/** The HITL endpoints' errors: `{"error": "<message>", "message": "<message>"}`. */
const hitlError: ErrorFormatter = (error): AipHitlError => ({ error: error.message, message: error.message });

/** The agents endpoints' errors: GL AIP's envelope, `{"success": false, "error": <type>, "message"}`. */
const envelopeError: ErrorFormatter = (error): AipError => ({
  success: false,
  error: error.type,
  message: error.message,
  ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
});

/** FastAPI's names for where a value came from. */
const LOCATIONS: Record<Source, string> = { params: 'path', query: 'query', headers: 'header', body: 'body' };

/**
 * A request that fails its schema: FastAPI's 422 with `detail`, as GL AIP's server answers. A file
 * upload (GL AIP's client sends multipart when given files) is named as such instead (a 400).
 */
function invalid(error: z.ZodError, source: Source, req: Request, res: Response): void {
  if (source === 'body' && req.is('multipart/form-data')) {
    throw new HoldpointError(ErrorType.InvalidRequest, 'file uploads are not supported: send JSON {"input": "..."} (a run\'s files belong in its state)', { field: 'body' });
  }
  const body: AipValidationError = {
    detail: error.issues.map((i) => ({ loc: [LOCATIONS[source], ...i.path.map(String)], msg: i.message, type: i.code })),
  };
  res.status(422).json(body);
}

/**
 * Seed 001, GL AIP: the HITL endpoints under `/agents/hitl`, and agents (holdpoint's workflows) with
 * their run stream, over the same core as every face. Mounted at the root (GL AIP's client has no
 * prefix) with explicit paths, so other faces' routes pass through.
 */
export function aipTable({ core, keys, live, checkResponse }: AipOptions): RouteTable {
  const table = new RouteTable({
    name: 'aip',
    description:
      "GL AIP (seed 001): the HITL decision and pending endpoints (errors `{error, message}`), and holdpoint's workflows as GL AIP agents with their run stream (errors in GL AIP's envelope `{success: false, error, message}`). Bad input is FastAPI's 422 `{detail: [...]}`.",
    basePath: '',
    auth: authenticate(keys),
    security: { scheme: 'apiKey', header: 'X-API-Key', description: "GL AIP's client sends its key as `X-API-Key: <key>` (`Authorization: Bearer <key>` works too)" },
    invalid,
    ...(checkResponse ? { checkResponse } : {}),
  });
  hitlRoutes(table, core, HITL_PATH);
  agentRoutes(table, core, live);
  return table;
}

/**
 * The table as a router: HITL errors (and unknown HITL paths, after the key) in their shape, the rest
 * in the envelope. Then the same shapes for a body the gateway's JSON parser refused: Express skips
 * routers while an error is pending, so that error only reaches an error handler mounted beside them.
 */
export function aipRouter(table: RouteTable, logger: Logger): [Router, ErrorRequestHandler] {
  const router = Router();
  router.use(table.router());
  const { auth } = table.options;
  const hitlErrors = errorBoundary(logger, hitlError);
  const envelopeErrors = errorBoundary(logger, envelopeError);
  router.use(HITL_PATH, ...(auth ? [auth] : []), notFoundRoute(hitlError));
  router.use(HITL_PATH, hitlErrors);
  router.use(envelopeErrors);
  const under = (path: string, base: string) => path === base || path.startsWith(`${base}/`);
  const bodyErrors: ErrorRequestHandler = (err, req, res, next) => {
    if (under(req.path, HITL_PATH)) hitlErrors(err, req, res, next);
    else if (under(req.path, '/agents')) envelopeErrors(err, req, res, next);
    else next(err);
  };
  return [router, bodyErrors];
}
