import { Router } from 'express';
import { z } from 'zod';
import { AuditEntryType } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { verifyChain } from '../../src/lib/audit-chain';
import { actor } from '../auth';
import { parse } from '../validate';
import { RunParams } from './params';
import { Instant, Label } from './schemas';


const AuditQuery = z.strictObject({
  workflow: Label.optional(),
  customer: Label.optional(),
  type: AuditEntryType.optional(),
  by: Label.optional(),
  since: Instant.optional(),
  until: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().min(1).max(4_000).optional(),
});

/** Audit trails: one run's (with its chain verified), and a listing across runs. */
export function auditRoutes(core: Core): Router {
  const router = Router();

  router.get('/workflow-runs/:runId/audit', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const entries = await core.runs.audit(runId, actor(req));
    res.json({ run_id: runId, entries, verification: verifyChain(entries) });
  });

  router.get('/audit', async (req, res) => {
    const query = parse(AuditQuery, req.query, 'query');
    const page = await core.listAudit(query, actor(req));
    res.json({ data: page.entries, has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
  });

  return router;
}
