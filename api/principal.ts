import type { Request } from 'express';

/** Who is calling, once authenticated. */
export interface Principal {
  id: string;
  roles: string[];
  groups: string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export function principalOf(req: Request): Principal | undefined {
  return req.principal;
}
