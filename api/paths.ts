import type { RequestHandler } from 'express';

/** A run of percent-escapes, and a `%` that starts none. */
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;
const LONE_PERCENT = /%(?![0-9A-Fa-f]{2})/g;

/**
 * A path whose percent-encoding does not decode (`%E0%A4%A`: a cut UTF-8 sequence, a `%` with no hex
 * digits) is read literally, as the FastAPI servers some faces stand in for read it: its bad escapes
 * are escaped, so each route sees the text as sent and answers as for any other unknown id. Express
 * would otherwise fail to decode the route's params and the request would end as a 500.
 */
export function literalPercents(): RequestHandler {
  return (req, _res, next) => {
    const query = req.url.indexOf('?');
    const path = query < 0 ? req.url : req.url.slice(0, query);
    if (path.includes('%') && !decodes(path)) {
      const fixed = path.replace(ESCAPES, (run) => (decodes(run) ? run : run.replaceAll('%', '%25'))).replace(LONE_PERCENT, '%25');
      req.url = fixed + (query < 0 ? '' : req.url.slice(query));
    }
    next();
  };
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}
