import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Response } from 'express';
import { z } from 'zod';
import { V1Error } from '../src/contracts/http/v1';
import { messageSchemaFiles } from '../src/contracts/message-schemas';
import type { ApiKeyRing } from '../src/auth/api-keys';
import type { Core } from '../src/core';
import { authorize } from '../src/core/authorize';
import { authenticate } from './auth';
import type { GatewayMetrics } from './metrics';
import { answer, WRITTEN, RouteTable } from './route';
import { invalidRequest } from './validate';

const Ready = z.object({ status: z.enum(['ready', 'unavailable']), temporal: z.boolean(), task_queue: z.string(), workers: z.number().int(), warning: z.string().optional() });
const NotFound = z.object({ error: z.object({ type: z.string(), message: z.string() }) });
const SchemaFile = z.object({ file: z.string().max(200) });

/** Scalar's standalone bundle, served from our own origin (the page makes no request elsewhere). */
// The package exports no path to it; it sits beside the package's entry point.
const SCALAR_BUNDLE = join(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>holdpoint API reference</title>
</head>
<body>
<script id="api-reference" data-url="/openapi.json"></script>
<script src="/docs/scalar.js"></script>
</body>
</html>
`;

/**
 * What needs no key: liveness and readiness, the run workflow's message schemas, the OpenAPI document
 * and its browsable reference at `/docs`; and Prometheus metrics, unless HOLDPOINT_METRICS_PUBLIC=false.
 */
export function publicTable(core: Core, document: () => Record<string, unknown>, metrics: GatewayMetrics, keys: ApiKeyRing): RouteTable {
  const table = new RouteTable({
    name: 'holdpoint',
    description: 'Health, metrics, the API description and the Temporal message schemas (no key needed)',
    basePath: '',
    invalid: invalidRequest,
    // Only /metrics may need a key (HOLDPOINT_METRICS_PUBLIC=false); everything else here is public.
    auth: authenticate(keys),
    ...(metrics.public ? {} : { security: { scheme: 'bearer' as const, description: 'An API key: `Authorization: Bearer <key>` (or `X-API-Key: <key>`)' } }),
  });
  let files: Record<string, string> | undefined;
  const schemaFiles = () => (files ??= messageSchemaFiles());
  let scalar: Promise<Buffer> | undefined;

  table.add({
    method: 'get',
    path: '/healthz',
    public: true,
    summary: 'Liveness: the process answers',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
    handler: () => answer(200, { status: 'ok' as const }),
  });
  table.add({
    method: 'get',
    path: '/readyz',
    public: true,
    summary: 'Readiness: Temporal answers (and how many workers poll the task queue)',
    responses: { 200: { description: 'Ready', schema: Ready }, 503: { description: 'Temporal does not answer', schema: Ready } },
    handler: async () => {
      const { temporal, workers } = await core.readiness();
      const body = {
        status: temporal ? ('ready' as const) : ('unavailable' as const),
        temporal,
        task_queue: core.taskQueue,
        workers,
        ...(temporal && workers === 0 ? { warning: `no worker polls task queue "${core.taskQueue}"; runs will not progress` } : {}),
      };
      return temporal ? answer(200, body) : answer(503, body);
    },
  });
  table.add({
    method: 'get',
    path: '/metrics',
    // A scraper usually carries no key; HOLDPOINT_METRICS_PUBLIC=false asks for one (any role that reads).
    public: metrics.public,
    summary: "Prometheus metrics: the gateway's, and the worker's (runs, pauses, decisions, refusals, webhooks, the Temporal SDK) when it knows where they are",
    responses: { 200: { description: 'The Prometheus text exposition (format 0.0.4)', kind: 'text' } },
    handler: async ({ actor, res }) => {
      if (!metrics.public) authorize(actor, 'read');
      const { contentType, text } = await metrics.exposition();
      res.setHeader('Content-Type', contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(text);
      return WRITTEN;
    },
  });
  table.add({
    method: 'get',
    path: '/schemas/messages.json',
    public: true,
    summary: "The run workflow's messages (updates, signals, queries) and their JSON Schema files",
    responses: { 200: { description: 'The index', schema: z.object({ note: z.string(), messages: z.record(z.string(), z.unknown()) }) } },
    handler: () => answer(200, JSON.parse(schemaFiles()['messages.json']!) as { note: string; messages: Record<string, unknown> }),
  });
  table.add({
    method: 'get',
    path: '/schemas/messages/:file',
    public: true,
    summary: "One message's JSON Schema (`decide.input.schema.json`, …)",
    params: SchemaFile,
    responses: {
      200: { description: 'A JSON Schema (2020-12)', schema: z.record(z.string(), z.unknown()) },
      400: { description: 'Not a schema file name: the message names the rule', schema: V1Error },
      404: { description: 'No such schema', schema: NotFound },
    },
    handler: ({ params }) => {
      const content = schemaFiles()[params.file];
      if (!content) return answer(404, { error: { type: 'not_found', message: `no schema ${params.file}; /schemas/messages.json lists them` } });
      return answer(200, JSON.parse(content) as Record<string, unknown>);
    },
  });
  table.add({
    method: 'get',
    path: '/openapi.json',
    public: true,
    summary: 'This API, described (OpenAPI 3.1, generated from the route declarations; a tag per face)',
    responses: { 200: { description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
    handler: () => answer(200, document()),
  });
  table.add({
    method: 'get',
    path: '/docs',
    public: true,
    summary: 'The browsable API reference (Scalar)',
    responses: { 200: { description: 'An HTML page', kind: 'html' } },
    handler: ({ res }) => html(res, DOCS_PAGE),
  });
  table.add({
    method: 'get',
    path: '/docs/scalar.js',
    public: true,
    summary: "The reference page's script",
    responses: { 200: { description: 'JavaScript', contentType: 'text/javascript' } },
    handler: async ({ res }) => {
      const bundle = await (scalar ??= readFile(SCALAR_BUNDLE));
      res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      res.setHeader('Cache-Control', 'public, max-age=86400');
      res.send(bundle);
      return WRITTEN;
    },
  });
  return table;
}

function html(res: Response, page: string): typeof WRITTEN {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'");
  res.send(page);
  return WRITTEN;
}
