import { Router } from 'express';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { ToolPolicy } from '../../src/contracts/interaction';
import { actor } from '../auth';
import { parse, refusal } from './errors';
import type { M8tesOptions } from './options';
import { IdParams, PageQuery, PolicyBody, UserScopeQuery } from './schemas';

/**
 * `/permissions/`: tool pre-approvals per end user (`user_id`) or for the account (`user_id` null or
 * absent), holdpoint's policies (entity workflows). Permission mode `approval` asks them at every gate,
 * so a change applies to the next gate of every run. `source` is m8tes' word: `api`, or `run_approval`
 * for a tool allowed with `remember`.
 */
export function policyRoutes(options: M8tesOptions): Router {
  const { core } = options;
  const router = Router();

  router.post('/permissions', async (req, res) => {
    const body = parse(PolicyBody, req.body, 'body');
    const caller = actor(req);
    const userId = body.user_id ?? null;
    // Idempotent: the same scope and tool answer the existing policy (200), a new one 201.
    const existing = await core.policies
      .list(userId === null ? { account: true } : { user_id: userId }, caller)
      .then((all) => all.find((p) => p.tool === body.tool))
      .catch(asValidation);
    const policy = existing ?? (await core.policies.create(userId, body.tool, caller).catch(asValidation));
    res.status(existing ? 200 : 201).json(presentPolicy(policy));
  });

  router.get('/permissions', async (req, res) => {
    const query = parse(PageQuery, req.query, 'query');
    const all = await core.policies.list(query.user_id ? { user_id: query.user_id } : { account: true }, actor(req));
    const from = query.starting_after === undefined ? 0 : all.findIndex((p) => p.id === query.starting_after) + 1;
    const data = all.slice(from, from + query.limit);
    const hasMore = from + query.limit < all.length;
    res.json({ data: data.map(presentPolicy), has_more: hasMore, next_starting_after: hasMore ? data[data.length - 1]!.id : null });
  });

  router.delete('/permissions/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    try {
      await core.policies.delete(id, user_id ?? null, actor(req));
    } catch (err) {
      if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw refusal(ErrorType.NotFound, 'permission_not_found', err.message, err.details);
      throw err;
    }
    res.status(204).end();
  });

  return router;
}

function presentPolicy(policy: ToolPolicy) {
  return {
    id: policy.id,
    user_id: policy.user_id,
    tool_name: policy.tool,
    created_at: policy.created_at,
    source: policy.source === 'remember' ? 'run_approval' : 'api',
    created_by: policy.created_by,
  };
}

/** The core names body fields bare (`tool`); the face says where they were. */
function asValidation(err: unknown): never {
  if (err instanceof HoldpointError && err.type === ErrorType.InvalidRequest && typeof err.details.field === 'string') {
    throw refusal(ErrorType.InvalidRequest, 'validation_error', `body.${err.message}`, { ...err.details, field: `body.${err.details.field}` });
  }
  throw err;
}
