import { path, type Http } from './http';
import type { Policy, PolicyBody, PolicyList, PolicyQuery } from './types';

/** Tool pre-approvals: tools that permission mode `approval` runs without asking. */
export class Policies {
  constructor(private readonly http: Http) {}

  /** One end user's (`user_id`), the account's (`scope: 'account'`), or all. */
  async list(query: PolicyQuery = {}): Promise<Policy[]> {
    return (await this.http.json<PolicyList>({ method: 'GET', path: '/policies', query })).data;
  }

  /** Pre-approves a tool for an end user, or (no `user_id`) every run (admin); idempotent. */
  create(body: PolicyBody): Promise<Policy> {
    return this.http.json({ method: 'POST', path: '/policies', body });
  }

  /** Removes a policy (admin); `userId` names its scope. */
  delete(id: number, options: { userId?: string } = {}): Promise<Policy> {
    return this.http.json({ method: 'DELETE', path: path`/policies/${id}`, query: { user_id: options.userId } });
  }
}
