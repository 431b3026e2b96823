import type { Request, RequestHandler } from 'express';
import type { ApiKeyRing } from '../src/auth/api-keys';
import { ErrorType, HoldpointError } from '../src/contracts/errors';
import type { Principal } from '../src/contracts/principal';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Accepts `X-API-Key: <key>` or `Authorization: Bearer <key>`; anything else is a 401 saying why. */
export function authenticate(keys: ApiKeyRing): RequestHandler {
  return (req, _res, next) => {
    const presented = req.get('x-api-key') ?? bearer(req.get('authorization'));
    if (!presented) {
      throw new HoldpointError(ErrorType.Unauthenticated, 'no API key: send it as "X-API-Key: <key>" or "Authorization: Bearer <key>"');
    }
    const principal = keys.authenticate(presented);
    if (!principal) throw new HoldpointError(ErrorType.Unauthenticated, 'the API key is not valid');
    req.principal = principal;
    req.log = req.log.child({ principal: principal.id });
    next();
  };
}

/** The authenticated caller; routes behind `authenticate` always have one. */
export function actor(req: Request): Principal {
  if (!req.principal) throw new Error('route is not behind authenticate()');
  return req.principal;
}

function bearer(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}
