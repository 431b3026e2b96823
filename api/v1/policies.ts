import { PolicyBody, PolicyDeleteQuery, PolicyList, PolicyParams, PolicyQuery, PolicyView } from '../../src/contracts/http/v1';
import type { Core } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { V1_ERRORS } from './errors';

/** Tool pre-approvals: the tools permission mode `approval` runs without asking (per end user, or account-wide). */
export function policyRoutes(table: RouteTable, core: Core): void {
  table.add({
    method: 'get',
    path: '/policies',
    summary: "Tool pre-approvals: one end user's (`user_id`), the account's (`scope=account`), or all",
    query: PolicyQuery,
    responses: { 200: { description: 'The policies', schema: PolicyList }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] },
    handler: async ({ query, actor }) => {
      const filter = query.user_id ? { user_id: query.user_id } : query.scope === 'account' ? { account: true as const } : { all: true as const };
      return answer(200, { data: await core.policies.list(filter, actor) });
    },
  });

  table.add({
    method: 'post',
    path: '/policies',
    summary: 'Pre-approve a tool for an end user, or (no user_id) every run (admin); idempotent',
    body: PolicyBody,
    responses: { 201: { description: 'The policy (the same one again for the same tool and scope)', schema: PolicyView }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] },
    handler: async ({ body, actor }) => answer(201, await core.policies.create(body.user_id ?? null, body.tool, actor)),
  });

  table.add({
    method: 'delete',
    path: '/policies/:id',
    summary: "Remove a policy (admin); `user_id` names its scope (404 when the scope has no such policy)",
    params: PolicyParams,
    query: PolicyDeleteQuery,
    responses: { 200: { description: 'The removed policy', schema: PolicyView }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403], 404: V1_ERRORS[404] },
    handler: async ({ params, query, actor }) => answer(200, await core.policies.delete(params.id, query.user_id ?? null, actor)),
  });
}
