import { Router } from 'express';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { parse } from '../validate';
import { IdempotencyKey, NameParams, RunParams } from './params';
import { presentRun, presentRunResponse, presentSummary } from './present';
import { resumeDecision } from './resume';
import { CancelBody, EventsQueryParams, ListQuery, ResumeBody, StartBody, WaitQuery } from './schemas';

/** Seed 002's run routes: start, resume, read, list, cancel; plus the event log. */
export function runRoutes(core: Core, defaultWaitMs: number): Router {
  const router = Router();

  router.post('/agents/:name/workflow', async (req, res) => {
    const { name } = parse(NameParams, req.params, 'params');
    const { wait = defaultWaitMs } = parse(WaitQuery, req.query, 'query');
    const body = parse(StartBody, req.body, 'body');
    const idempotencyKey = parse(IdempotencyKey, req.get('idempotency-key'), 'headers');
    const { run, created } = await core.runs.start(
      { workflow: name, task: body.input.task, state: body.input.state, idempotencyKey, customer: body.customer, waitMs: wait },
      actor(req),
    );
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    res.status(200).json(presentRunResponse(run));
  });

  router.post('/workflow-runs/:runId/resume', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const { wait = defaultWaitMs } = parse(WaitQuery, req.query, 'query');
    const body = parse(ResumeBody, req.body, 'body');
    const idempotencyKey = parse(IdempotencyKey, req.get('idempotency-key'), 'headers');
    const caller = actor(req);
    const decision = await resumeDecision(core, runId, body.input, body.comment, caller);
    const run = await core.runs.decide(
      runId,
      { ...decision, ...(body.digest ? { digest: body.digest } : {}), ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) },
      wait,
      caller,
    );
    res.json(presentRunResponse(run));
  });

  router.get('/workflow-runs', async (req, res) => {
    const query = parse(ListQuery, req.query, 'query');
    const page = await core.listRuns(
      { status: query.status, workflow: query.workflow ?? query.agentName, customer: query.customer, limit: query.limit, cursor: query.cursor },
      actor(req),
    );
    res.json({ data: page.runs.map(presentSummary), has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
  });

  router.get('/workflow-runs/:runId', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    res.json(presentRun(await core.runs.get(runId, actor(req))));
  });

  router.delete('/workflow-runs/:runId', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const body = parse(CancelBody, req.body, 'body');
    res.json(presentRun(await core.runs.cancel(runId, body?.reason, actor(req))));
  });

  router.get('/workflow-runs/:runId/events', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const { after, limit } = parse(EventsQueryParams, req.query, 'query');
    const events = await core.runs.events(runId, actor(req), after, limit);
    res.json({ data: events, next_after: events.at(-1)?.seq ?? after });
  });

  return router;
}
