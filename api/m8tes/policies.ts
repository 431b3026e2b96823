import type { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { IdParams, M8tesPermissionPolicy, M8tesPermissionPolicyPage, PageQuery, PolicyBody, UserScopeQuery } from '../../src/contracts/http/m8tes';
import type { ToolPolicy } from '../../src/contracts/interaction';
import { authorize } from '../../src/core/authorize';
import { answer, WRITTEN, type RouteTable } from '../route';
import { M8TES_ERRORS, refusal } from './errors';
import type { M8tesOptions } from './options';

/**
 * `/permissions/`: tool pre-approvals per end user (`user_id`) or for the account (`user_id` null or
 * absent), holdpoint's policies (entity workflows). Permission mode `approval` asks them at every gate,
 * so a change applies to the next gate of every run. `source` is m8tes' word: `api`, or `run_approval`
 * for a tool allowed with `remember`.
 */
export function policyRoutes(table: RouteTable, options: M8tesOptions): void {
  const { core } = options;

  table.add({
    method: 'post',
    path: '/permissions/',
    summary: 'Pre-approve a tool for an end user (`user_id`) or the account (`user_id` null or absent)',
    body: PolicyBody,
    responses: {
      200: { description: 'The same scope and tool were already allowed: that policy', schema: M8tesPermissionPolicy },
      201: { description: 'The new policy', schema: M8tesPermissionPolicy },
      ...M8TES_ERRORS,
    },
    handler: async ({ body, actor }) => {
      // Before the look-up: a caller who may not manage policies must not hear "already allowed" (200).
      authorize(actor, 'manage');
      const userId = body.user_id ?? null;
      // Idempotent: the same scope and tool answer the existing policy (200), a new one 201.
      const existing = await core.policies
        .list(userId === null ? { account: true } : { user_id: userId }, actor)
        .then((all) => all.find((p) => p.tool === body.tool))
        .catch(asValidation);
      if (existing) return answer(200, presentPolicy(existing));
      return answer(201, presentPolicy(await core.policies.create(userId, body.tool, actor).catch(asValidation)));
    },
  });

  table.add({
    method: 'get',
    path: '/permissions/',
    summary: "List pre-approvals: an end user's (`user_id`), or the account's",
    query: PageQuery,
    responses: { 200: { description: 'A page of policies', schema: M8tesPermissionPolicyPage }, 401: M8TES_ERRORS[401], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ query, actor }) => {
      const all = await core.policies.list(query.user_id ? { user_id: query.user_id } : { account: true }, actor);
      const from = query.starting_after === undefined ? 0 : all.findIndex((p) => p.id === query.starting_after) + 1;
      const data = all.slice(from, from + query.limit);
      const hasMore = from + query.limit < all.length;
      return answer(200, { data: data.map(presentPolicy), has_more: hasMore, next_starting_after: hasMore ? data[data.length - 1]!.id : null });
    },
  });

  table.add({
    method: 'delete',
    path: '/permissions/:id',
    summary: 'Remove a pre-approval (in the scope given: `user_id`, or the account)',
    params: IdParams,
    query: UserScopeQuery,
    responses: { 204: { description: 'Removed', kind: 'empty' }, 401: M8TES_ERRORS[401], 403: M8TES_ERRORS[403], 404: M8TES_ERRORS[404], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ params, query, actor, res }) => {
      try {
        await core.policies.delete(params.id, query.user_id ?? null, actor);
      } catch (err) {
        if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw refusal(ErrorType.NotFound, 'permission_not_found', err.message, err.details);
        throw err;
      }
      res.status(204).end();
      return WRITTEN;
    },
  });
}

function presentPolicy(policy: ToolPolicy): z.input<typeof M8tesPermissionPolicy> {
  return {
    id: policy.id,
    user_id: policy.user_id,
    tool_name: policy.tool,
    created_at: policy.created_at,
    source: policy.source === 'remember' ? ('run_approval' as const) : ('api' as const),
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
