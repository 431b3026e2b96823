import { Router } from 'express';
import { z } from 'zod';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { parse } from '../validate';

const UserId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/, 'must be 1-200 letters, digits or "_.:@-"');

const PolicyBody = z.strictObject({
  tool: z.string({ error: 'is required' }).min(1),
  /** The end user whose runs the tool is allowed in; null or absent: every run of the account. */
  user_id: UserId.nullable().optional(),
});

const PolicyQuery = z.strictObject({
  /** One end user's policies; `account` for the account's; absent for all. */
  user_id: UserId.optional(),
  scope: z.enum(['account', 'all']).optional(),
});

const PolicyParams = z.strictObject({ id: z.coerce.number().int().positive('must be a policy id') });

/** Tool pre-approvals: the tools permission mode `approval` runs without asking (per end user, or account-wide). */
export function policyRoutes(core: Core): Router {
  const router = Router();

  router.get('/policies', async (req, res) => {
    const query = parse(PolicyQuery, req.query, 'query');
    const filter = query.user_id ? { user_id: query.user_id } : query.scope === 'account' ? { account: true as const } : { all: true as const };
    res.json({ data: await core.policies.list(filter, actor(req)) });
  });

  router.post('/policies', async (req, res) => {
    const body = parse(PolicyBody, req.body, 'body');
    const policy = await core.policies.create(body.user_id ?? null, body.tool, actor(req));
    res.status(201).json(policy);
  });

  router.delete('/policies/:id', async (req, res) => {
    const { id } = parse(PolicyParams, req.params, 'params');
    const { user_id } = parse(PolicyQuery.pick({ user_id: true }), req.query, 'query');
    res.json(await core.policies.delete(id, user_id ?? null, actor(req)));
  });

  return router;
}
