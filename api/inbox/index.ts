import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Response } from 'express';
import { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { V1Error } from '../../src/contracts/http/v1';
import { RouteTable, WRITTEN } from '../route';
import { invalidRequest } from '../validate';

const NotFound = z.object({ error: z.object({ type: z.string(), message: z.string() }) });

/**
 * The page may load only its own files and talk only to this gateway: no inline script or style, no
 * other origin, no frames, and no HTML-string sinks (Trusted Types), so data can only become text.
 */
export const INBOX_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "manifest-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Assets {
  /** A hash of every file: asset URLs carry it, so they can be cached for good. */
  version: string;
  html: string;
  files: Map<string, { type: string; body: Buffer }>;
}

const AssetParams = z.object({ version: z.string().max(64), file: z.string().max(200) });

/**
 * The approver inbox page at `/inbox`: static HTML, CSS and ES modules (it talks to /v1 with the key
 * the person enters). The page is revalidated on every load; its assets live under a versioned path
 * and are immutable, so a deploy never mixes old and new files. Declared as a public table so the
 * page and its files are in the API description like every other route.
 */
export function inboxTable(): RouteTable {
  const assets = loadAssets();
  const table = new RouteTable({
    name: 'inbox',
    description: "The approver inbox page: sign in with a key (kept in the tab's session only), see what waits for you live, decide",
    basePath: '/inbox',
    invalid: invalidRequest,
  });
  table.add({
    method: 'get',
    path: '/',
    summary: 'The inbox page',
    public: true,
    responses: { 200: { description: 'The page', kind: 'html' }, 503: { description: 'The page is not part of this build', schema: NotFound } },
    handler: ({ req, res }) => {
      if (!assets) throw missingAssets();
      securityHeaders(res);
      res.set('Cache-Control', 'no-cache');
      res.type('html').send(assets.html.replaceAll('{{assets}}', `${req.baseUrl}/assets/${assets.version}`));
      return WRITTEN;
    },
  });
  table.add({
    method: 'get',
    path: '/assets/:version/:file',
    summary: "One of the page's files (scripts, styles, icon), cached for good under its version",
    public: true,
    params: AssetParams,
    responses: {
      200: { description: 'The file (JavaScript, CSS or SVG)', contentType: 'application/octet-stream' },
      400: { description: 'Not a version or file name: the message names the rule', schema: V1Error },
      404: { description: 'No such file in this version', schema: NotFound },
    },
    handler: ({ params, res }) => {
      const file = assets?.version === params.version ? assets.files.get(params.file) : undefined;
      if (!file) throw new HoldpointError(ErrorType.NotFound, `the inbox page has no file ${params.version}/${params.file}`);
      securityHeaders(res);
      res.set('Cache-Control', 'public, max-age=31536000, immutable');
      res.type(file.type).send(file.body);
      return WRITTEN;
    },
  });
  return table;
}

function securityHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': INBOX_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
}

/**
 * Read once at start. `tsc` compiles only the router, so a build run from the repository finds the
 * assets in the source tree (dist/api/inbox → api/inbox/assets) when they were not copied beside it.
 */
function loadAssets(): Assets | undefined {
  const dir = [join(__dirname, 'assets'), join(__dirname, '..', '..', '..', 'api', 'inbox', 'assets')].find((d) => existsSync(join(d, 'index.html')));
  if (!dir) return undefined;
  const hash = createHash('sha256');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  hash.update(html);
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(dir).sort()) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    hash.update(name).update(body);
    files.set(name, { type, body });
  }
  return { version: hash.digest('hex').slice(0, 12), html, files };
}

function missingAssets(): HoldpointError {
  return new HoldpointError(ErrorType.Unavailable, `the inbox page's files are not part of this build (expected ${join(__dirname, 'assets')})`);
}
