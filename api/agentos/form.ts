import express, { type Request, type RequestHandler } from 'express';

/**
 * AgentOS declares run, continue and resume bodies as FastAPI `Form(...)` fields: urlencoded (what
 * Agno's client sends) or multipart. A JSON body is not a form: its fields are not read (AgentOS then
 * answers 422 for a missing `message`, and so do we).
 */

const LIMIT = '1mb';

/**
 * The body of a form route: urlencoded or multipart fields (single values; a repeated field keeps its
 * last value) in `req.body`, which a body of any other type leaves empty.
 */
export function formBody(): RequestHandler[] {
  return [
    express.urlencoded({ extended: false, limit: LIMIT }),
    express.raw({ type: 'multipart/form-data', limit: LIMIT }),
    (req, _res, next) => {
      req.body = formOf(req);
      next();
    },
  ];
}

function formOf(req: Request): Record<string, string> {
  const urlencoded = req.is('application/x-www-form-urlencoded');
  const multipart = req.is('multipart/form-data');
  if (multipart && Buffer.isBuffer(req.body)) return multipartFields(req.body, req.get('content-type') ?? '');
  if (!urlencoded) return {};
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries((req.body ?? {}) as Record<string, unknown>)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') fields[key] = last;
  }
  return fields;
}

/** The text fields of a multipart body (file parts are ignored: holdpoint's runs take no uploads). */
function multipartFields(body: Buffer, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return {};
  const fields: Record<string, string> = {};
  for (const part of body.toString('utf8').split(`--${marker.trim()}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const headers = part.slice(0, split);
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers)?.[1];
    if (!name || /\bfilename="/i.test(headers)) continue;
    fields[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return fields;
}
