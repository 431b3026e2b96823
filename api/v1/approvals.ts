import {
  ApprovalPage,
  ApprovalView,
  BulkAnswer,
  BulkBody,
  DecisionAnswer,
  DecisionBody,
  IdempotencyHeaders,
  InboxQuery,
  RequestParams,
  WaitQuery,
} from '../../src/contracts/http/v1';
import type { Core } from '../../src/core';
import { httpStatus } from '../errors';
import { answer, type RouteTable } from '../route';
import { V1_ERRORS } from './errors';
import { presentRunResponse } from './present';

/** The approvals inbox and decisions by request id (holdpoint's own addition to /v1). */
export function approvalRoutes(table: RouteTable, core: Core, defaultWaitMs: number): void {
  table.add({
    method: 'get',
    path: '/approvals',
    summary: 'The approvals inbox: pauses across runs, filtered (mine, status, workflow, dates)',
    query: InboxQuery,
    responses: { 200: { description: 'A page of inbox items', schema: ApprovalPage }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] },
    handler: async ({ query, actor }) => {
      const page = await core.approvals.list(query, actor);
      return answer(200, { data: page.items, has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
    },
  });

  table.add({
    method: 'post',
    path: '/approvals/decisions',
    summary: 'Decide up to 100 requests at once; each answers on its own',
    body: BulkBody,
    responses: { 200: { description: 'One result per decision', schema: BulkAnswer }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] },
    handler: async ({ body, actor }) => {
      const results = await core.approvals.decideMany(body.decisions.map((d) => ({ ...d, via: 'rest' })), actor);
      return answer(200, {
        results: results.map((r) =>
          r.ok
            ? { request_id: r.request_id, ok: true as const, status: 200 as const, ...(r.approval ? { approval: r.approval } : {}), run: r.run }
            : { request_id: r.request_id, ok: false as const, status: httpStatus(r.error.type), error: { type: r.error.type, message: r.error.message, details: r.error.details } },
        ),
        succeeded: results.filter((r) => r.ok).length,
        failed: results.filter((r) => !r.ok).length,
      });
    },
  });

  table.add({
    method: 'get',
    path: '/approvals/:requestId',
    summary: 'One request in full: its context, digest, who may decide, votes and decision',
    params: RequestParams,
    responses: { 200: { description: 'The request', schema: ApprovalView }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403], 404: V1_ERRORS[404] },
    handler: async ({ params, actor }) => (answer(200, await core.approvals.get(params.requestId, actor))),
  });

  table.add({
    method: 'post',
    path: '/approvals/:requestId/decision',
    summary: 'Decide a request; answers once the run reaches its next pause or its end (at most `wait`)',
    description:
      "Send the request's `digest` to bind the decision to what you saw (409 `digest_mismatch` if it changed); without one the decision counts for what the request shows when it lands. In an output review that needs several approvers an edit is its author's approval of the edited output and starts a new round: the digest changes, and votes before the edit (approvals and rejections) no longer count.",
    params: RequestParams,
    query: WaitQuery,
    headers: IdempotencyHeaders,
    body: DecisionBody,
    responses: { 200: { description: 'The request as decided, and its run', schema: DecisionAnswer }, ...V1_ERRORS },
    handler: async ({ params, query, headers, body, actor }) => {
      const key = headers['idempotency-key'] ?? body.idempotency_key;
      const { approval, run } = await core.approvals.decide(params.requestId, { ...body, via: 'rest', ...(key ? { idempotency_key: key } : {}) }, query.wait ?? defaultWaitMs, actor);
      return answer(200, { approval, run: presentRunResponse(run) });
    },
  });
}
