import { AuditPage, AuditQuery, RunAudit, RunParams } from '../../src/contracts/http/v1';
import type { Core } from '../../src/core';
import { verifyChain } from '../../src/lib/audit-chain';
import { answer, type RouteTable } from '../route';
import { V1_ERRORS } from './errors';

/** Audit trails: one run's (with its chain verified), and a listing across runs. */
export function auditRoutes(table: RouteTable, core: Core): void {
  table.add({
    method: 'get',
    path: '/workflow-runs/:runId/audit',
    summary: "A run's hash-chained audit trail (and its refusals), with the chains verified",
    params: RunParams,
    responses: { 200: { description: 'The trail and its verification', schema: RunAudit }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403], 404: V1_ERRORS[404] },
    handler: async ({ params, actor }) => {
      const entries = await core.runs.audit(params.runId, actor);
      return answer(200, { run_id: params.runId, entries, verification: verifyChain(entries) });
    },
  });

  table.add({
    method: 'get',
    path: '/audit',
    summary: 'Audit entries across runs, filtered by workflow, customer, type, who and time',
    query: AuditQuery,
    responses: { 200: { description: 'A page of entries', schema: AuditPage }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403], 503: V1_ERRORS[503] },
    handler: async ({ query, actor }) => {
      const page = await core.listAudit(query, actor);
      return answer(200, { data: page.entries, has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
    },
  });
}
