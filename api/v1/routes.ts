import { Router } from 'express';
import { z } from 'zod';
import type { Core } from '../../src/core';
import { WorkflowName } from '../../src/contracts/definition';
import { parse } from '../validate';
import { principalOf } from '../principal';
import { presentRun, presentRunResponse, presentSummary, presentWorkflow } from './present';
import { resumeDecision } from './resume';
import { CancelBody, EventsQueryParams, ListQuery, ResumeBody, StartBody, WaitQuery } from './schemas';

export interface V1Options {
  core: Core;
  /** Wait for the next pause or the end when a request gives no `wait`. */
  defaultWaitMs: number;
}

const RunParams = z.object({ runId: z.string().min(1).max(255) });
const NameParams = z.object({ name: WorkflowName });
const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'must be 1-255 printable ASCII characters').optional();

/** Holdpoint's own face, in seed 002's (Reminix) shapes, plus our additions. */
export function v1Router({ core, defaultWaitMs }: V1Options): Router {
  const router = Router();

  router.post('/agents/:name/workflow', async (req, res) => {
    const { name } = parse(NameParams, req.params, 'params');
    const { wait = defaultWaitMs } = parse(WaitQuery, req.query, 'query');
    const body = parse(StartBody, req.body, 'body');
    const idempotencyKey = parse(IdempotencyKey, req.get('idempotency-key'), 'headers');
    const principal = principalOf(req);
    const customer = body.customer ?? stringField(body.context, 'customer');
    const { run, created } = await core.runs.start({
      workflow: name,
      task: body.input.task,
      state: body.input.state,
      idempotencyKey,
      idempotencyScope: principal?.id,
      startedBy: principal?.id,
      customer,
      waitMs: wait,
    });
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    res.status(200).json(presentRunResponse(run));
  });

  router.post('/workflow-runs/:runId/resume', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const { wait = defaultWaitMs } = parse(WaitQuery, req.query, 'query');
    const body = parse(ResumeBody, req.body, 'body');
    const idempotencyKey = parse(IdempotencyKey, req.get('idempotency-key'), 'headers');
    const decision = await resumeDecision(core, runId, body.input, body.comment);
    const principal = principalOf(req);
    const run = await core.runs.decide(
      runId,
      { ...decision, ...(principal ? { by: principal.id } : {}), ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) },
      wait,
    );
    res.json(presentRunResponse(run));
  });

  router.get('/workflow-runs', async (req, res) => {
    const query = parse(ListQuery, req.query, 'query');
    const page = await core.listRuns({
      status: query.status,
      workflow: query.workflow ?? query.agentName,
      customer: query.customer,
      limit: query.limit,
      cursor: query.cursor,
    });
    res.json({ data: page.runs.map(presentSummary), has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
  });

  router.get('/workflow-runs/:runId', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    res.json(presentRun(await core.runs.get(runId)));
  });

  router.delete('/workflow-runs/:runId', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const body = parse(CancelBody, req.body, 'body');
    const principal = principalOf(req);
    const run = await core.runs.cancel(runId, { by: principal?.id, reason: body?.reason });
    res.json(presentRun(run));
  });

  router.get('/workflow-runs/:runId/events', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const { after, limit } = parse(EventsQueryParams, req.query, 'query');
    const events = await core.runs.events(runId, after, limit);
    res.json({ data: events, next_after: events.at(-1)?.seq ?? after });
  });

  router.get('/workflows', (_req, res) => {
    res.json({ data: core.catalog.list().map((entry) => presentWorkflow(entry, false)) });
  });

  router.get('/workflows/:name', (req, res) => {
    const { name } = parse(NameParams, req.params, 'params');
    res.json(presentWorkflow(core.catalog.get(name), true));
  });

  return router;
}

function stringField(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' ? value : undefined;
}
