import { Router } from 'express';
import { z } from 'zod';
import { ApprovalStatus } from '../../src/contracts/approval';
import type { Core } from '../../src/core';
import { httpStatus } from '../errors';
import { actor } from '../auth';
import { parse } from '../validate';
import { IdempotencyKey, RequestParams } from './params';
import { presentRunResponse } from './present';
import { Instant, Label, WaitQuery } from './schemas';


export const InboxQuery = z.strictObject({
  status: z.union([ApprovalStatus, z.literal('all')]).default('pending'),
  assignee: z.union([z.literal('mine'), z.string().regex(/^(user:|group:)?[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'must be "mine", a principal, "user:<id>" or "group:<id>"')]).optional(),
  workflow: Label.optional(),
  customer: Label.optional(),
  created_after: Instant.optional(),
  created_before: Instant.optional(),
  timeout_after: Instant.optional(),
  timeout_before: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(4_000).optional(),
});

/** A decision on one request: the value (or `action: "skip"`), why, and the digest of what was seen. */
const Decision = z.strictObject({
  value: z.unknown().optional(),
  action: z.literal('skip').optional(),
  comment: z.string().max(4_000).optional(),
  digest: z.string().optional(),
  idempotency_key: z.string().min(1).max(255).optional(),
  /** Allowing a permission gate: also allow the tool for the rest of the run and the end user's later runs. */
  remember: z.boolean().optional(),
});

export const DecisionBody = Decision.refine((d) => d.value !== undefined || d.action === 'skip', { message: 'is required', path: ['value'] });

export const BulkBody = z.strictObject({
  decisions: z
    .array(Decision.extend({ request_id: z.string().min(1).max(600) }).refine((d) => d.value !== undefined || d.action === 'skip', { message: 'is required', path: ['value'] }))
    .min(1, 'must hold at least one decision')
    .max(100, 'must hold at most 100 decisions'),
});

/** The approvals inbox and decisions by request id (holdpoint's own addition to /v1). */
export function approvalRoutes(core: Core, defaultWaitMs: number): Router {
  const router = Router();

  router.get('/approvals', async (req, res) => {
    const query = parse(InboxQuery, req.query, 'query');
    const page = await core.approvals.list(query, actor(req));
    res.json({ data: page.items, has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
  });

  router.post('/approvals/decisions', async (req, res) => {
    const { decisions } = parse(BulkBody, req.body, 'body');
    const results = await core.approvals.decideMany(decisions.map((d) => ({ ...d, via: 'rest' })), actor(req));
    res.json({
      results: results.map((r) =>
        r.ok
          ? r
          : { request_id: r.request_id, ok: false, status: httpStatus(r.error.type), error: { type: r.error.type, message: r.error.message, details: r.error.details } },
      ),
      succeeded: results.filter((r) => r.ok).length,
      failed: results.filter((r) => !r.ok).length,
    });
  });

  router.get('/approvals/:requestId', async (req, res) => {
    const { requestId } = parse(RequestParams, req.params, 'params');
    res.json(await core.approvals.get(requestId, actor(req)));
  });

  router.post('/approvals/:requestId/decision', async (req, res) => {
    const { requestId } = parse(RequestParams, req.params, 'params');
    const { wait = defaultWaitMs } = parse(WaitQuery, req.query, 'query');
    const body = parse(DecisionBody, req.body, 'body');
    const key = parse(IdempotencyKey, req.get('idempotency-key'), 'headers') ?? body.idempotency_key;
    const { approval, run } = await core.approvals.decide(requestId, { ...body, via: 'rest', ...(key ? { idempotency_key: key } : {}) }, wait, actor(req));
    res.json({ approval, run: presentRunResponse(run) });
  });

  return router;
}
