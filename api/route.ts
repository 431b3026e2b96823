import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { z } from 'zod';
import type { Principal } from '../src/contracts/principal';

/**
 * Routes declared once. A declaration names a route's params, query, headers and body schemas and,
 * per status, its response schema; the same declaration validates the request, types the handler
 * (its inputs are the schemas' outputs, its answer must be one of the declared responses) and
 * describes the route in the OpenAPI document (`api/openapi.ts`). Faces stay thin adapters: a
 * handler parses nothing by hand and calls the core.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseSpec {
  description: string;
  /** The JSON body's schema; absent for streams, HTML and empty answers. */
  schema?: z.ZodType;
  /** @default json (with a schema), empty otherwise */
  kind?: 'json' | 'sse' | 'html' | 'text' | 'empty';
  /** A static file's media type (a script, a stylesheet, an image), documented as such. */
  contentType?: string;
  /** Also answered as an event stream (`Accept: text/event-stream`, or a `stream` flag). */
  sse?: boolean;
}
export type Responses = Record<number, ResponseSpec>;

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler may answer: one of the declared JSON responses (typed by its schema), or "I wrote it myself". */
export type Reply<R extends Responses> =
  | { [S in keyof R & number]: R[S]['schema'] extends z.ZodType ? { status: S; body: z.input<R[S]['schema']>; headers?: Record<string, string> } : never }[keyof R & number]
  | typeof WRITTEN;

/** A handler that wrote its own answer (a stream, a redirect, static content) returns this. */
export const WRITTEN = Object.freeze({ written: true as const });

export interface RouteContext<P, Q, H, B> {
  params: P;
  query: Q;
  headers: H;
  body: B;
  req: Request;
  res: Response;
  /** The authenticated caller (routes with auth only). */
  actor: Principal;
}

export interface RouteSpec<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, H extends z.ZodType | undefined, B extends z.ZodType | undefined, R extends Responses> {
  method: Method;
  /** Express syntax, relative to the table's base path: `/workflow-runs/:runId`. */
  path: string;
  summary: string;
  description?: string;
  /** No key needed (health, docs, the inbox page's assets). */
  public?: boolean;
  params?: P;
  query?: Q;
  headers?: H;
  body?: B;
  /** How the body arrives. @default json */
  bodyType?: 'json' | 'form' | 'raw';
  responses: R;
  handler: (ctx: RouteContext<Out<P>, Out<Q>, Out<H>, Out<B>>) => Promise<Reply<R>> | Reply<R>;
}

// A declared route with its types erased, as tables keep them.
export type AnyRoute = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined, Responses>;

export type Source = 'params' | 'query' | 'headers' | 'body';

export interface FaceOptions {
  /** The face's name: the OpenAPI tag, and where errors say they came from. */
  name: string;
  description: string;
  /** Where the table is mounted (`/v1`, `/api/v2`, `` for the root). */
  basePath: string;
  /** Authenticates a request (sets `req.principal`); applied to every route not marked public. */
  auth?: RequestHandler;
  /** How the face documents its key (OpenAPI security scheme). */
  security?: { scheme: 'bearer' | 'apiKey'; header?: string; description: string };
  /** Turns a request that fails its schema into the face's error (thrown, or written and answered). */
  invalid: (error: z.ZodError, source: Source, req: Request, res: Response) => void;
  /** Response checking (tests): each answer is checked against its declaration; a mismatch throws. */
  checkResponse?: (route: AnyRoute, status: number, body: unknown) => void;
}

/** A face's routes: declared once, mounted as an Express router, described in the OpenAPI document. */
export class RouteTable {
  readonly routes: AnyRoute[] = [];

  constructor(readonly options: FaceOptions) {}

  add<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, H extends z.ZodType | undefined, B extends z.ZodType | undefined, R extends Responses>(
    spec: RouteSpec<P, Q, H, B, R>,
  ): this {
    this.routes.push(withBodyLimit(spec as unknown as AnyRoute));
    return this;
  }

  /** The routes as an Express router (mount it at the table's base path). */
  router(): Router {
    const router = Router();
    for (const route of this.routes) {
      // The route as declared (`/v1/workflow-runs/:runId`) labels the request's metrics and log line, never its raw URL.
      const chain: RequestHandler[] = [
        (req, res, next) => {
          res.locals.route = `${req.baseUrl}${route.path}`;
          next();
        },
      ];
      if (!route.public && this.options.auth) chain.push(this.options.auth);
      chain.push(this.handle(route));
      router[route.method](route.path, ...chain);
    }
    return router;
  }

  private handle(route: AnyRoute): RequestHandler {
    const { invalid, checkResponse } = this.options;
    return async (req: Request, res: Response, next: NextFunction) => {
      if (checkResponse) watchAnswers(route, res, checkResponse);
      try {
        const parsed: Record<Source, unknown> = { params: req.params, query: req.query, headers: req.headers, body: req.body };
        for (const source of ['params', 'query', 'headers', 'body'] as const) {
          const schema = route[source];
          if (!schema) continue;
          const result = schema.safeParse(source === 'body' ? (req.body ?? {}) : parsed[source]);
          if (!result.success) {
            invalid(result.error, source, req, res);
            if (res.headersSent) return;
            throw new Error(`the ${this.options.name} face's invalid() neither threw nor answered`);
          }
          parsed[source] = result.data;
        }
        const reply = await route.handler({
          params: parsed.params,
          query: parsed.query,
          headers: parsed.headers,
          body: parsed.body,
          req,
          res,
          actor: req.principal!,
        } as never);
        if (reply === WRITTEN) return;
        const answer = reply as unknown as { status: number; body: unknown; headers?: Record<string, string> };
        if (!route.responses[answer.status]) throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${answer.status}, which it does not declare`);
        for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
        res.status(answer.status).json(answer.body);
      } catch (err) {
        next(err);
      }
    };
  }
}

/**
 * Response checking (tests): every JSON answer the route gives — its handler's, its face's 4xx for bad
 * input, the error boundary's for a refusal — must use a status the route declares and match that
 * status's schema. A mismatch becomes a 500 naming it, so the test that met it fails where it happened.
 */
function watchAnswers(route: AnyRoute, res: Response, check: (route: AnyRoute, status: number, body: unknown) => void): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const status = res.statusCode;
    try {
      if (!route.responses[status]) {
        throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${status}, which it does not declare (add it to the route's responses): ${JSON.stringify(body).slice(0, 300)}`);
      }
      check(route, status, body);
    } catch (err) {
      res.json = json;
      return res.status(500).json({ error: { type: 'response_mismatch', message: (err as Error).message } });
    }
    return json(body);
  };
}

/**
 * A body over the gateway's limit is refused by the body parser before the route runs (413). It is
 * answered in the face's error shape, the one the route's 401 declares (refused before the handler
 * too), so routes that take a body document it without each declaring it.
 */
function withBodyLimit(route: AnyRoute): AnyRoute {
  const takesBody = route.body !== undefined || route.method === 'post' || route.method === 'put' || route.method === 'patch';
  const shape = route.responses[401]?.schema;
  if (!takesBody || !shape || route.responses[413]) return route;
  const tooLarge: ResponseSpec = { description: "The body is over the gateway's limit (1 MB); the message names the limit", schema: shape };
  return { ...route, responses: { ...route.responses, 413: tooLarge } };
}

/** `/workflow-runs/:runId` → `/workflow-runs/{runId}` (OpenAPI's path template). */
export function openApiPath(basePath: string, path: string): string {
  return `${basePath}${path}`.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}') || '/';
}

/** A JSON answer with its status kept literal (so it is checked against the declared responses). */
export function answer<S extends number, B>(status: S, body: B, headers?: Record<string, string>): { status: S; body: B; headers?: Record<string, string> } {
  return headers ? { status, body, headers } : { status, body };
}
