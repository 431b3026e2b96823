import { Router } from 'express';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { SseStream } from '../streaming/sse';
import { parse } from '../validate';
import type { LiveRouteOptions } from './events';
import { IdempotencyKey, NameParams, RunParams } from './params';
import { presentRun, presentRunResponse, presentSummary } from './present';
import { resumeDecision } from './resume';
import { streamRun } from './run-stream';
import { CancelBody, ListQuery, PermissionModeBody, ResumeBody, StartBody, WaitQuery } from './schemas';

/** Seed 002's run routes: start, resume (either answered once the run settles, or streamed), read, list, cancel. */
export function runRoutes(core: Core, defaultWaitMs: number, live: LiveRouteOptions): Router {
  const router = Router();

  router.post('/agents/:name/workflow', async (req, res) => {
    const { name } = parse(NameParams, req.params, 'params');
    const { wait = defaultWaitMs } = parse(WaitQuery, req.query, 'query');
    const body = parse(StartBody, req.body, 'body');
    const idempotencyKey = parse(IdempotencyKey, req.get('idempotency-key'), 'headers');
    const caller = actor(req);
    const { run, created } = await core.runs.start(
      {
        workflow: name,
        task: body.input.task,
        state: body.input.state,
        idempotencyKey,
        customer: body.customer,
        version: body.version,
        userId: body.user_id,
        ...(body.human_in_the_loop !== undefined || body.permission_mode !== undefined
          ? { interaction: { human_in_the_loop: body.human_in_the_loop ?? false, permission_mode: body.permission_mode ?? 'autonomous' } }
          : {}),
        waitMs: body.stream ? 0 : wait,
      },
      caller,
    );
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    if (!body.stream) {
      res.status(200).json(presentRunResponse(run));
      return;
    }
    res.setHeader('X-Run-Id', run.run_id);
    const stream = new SseStream(req, res, live);
    await streamRun(core, stream, run.run_id, run.workflow, 0, caller).catch((err: unknown) => req.log.warn({ err }, 'run stream failed'));
    stream.close();
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
      { ...decision, via: 'rest', ...(body.digest ? { digest: body.digest } : {}), ...(idempotencyKey ? { idempotency_key: idempotencyKey } : {}) },
      body.stream ? 0 : wait,
      caller,
    );
    if (!body.stream) {
      res.json(presentRunResponse(run));
      return;
    }
    res.setHeader('X-Run-Id', run.run_id);
    const stream = new SseStream(req, res, live);
    await streamRun(core, stream, run.run_id, run.workflow, run.last_event_seq, caller).catch((err: unknown) => req.log.warn({ err }, 'run stream failed'));
    stream.close();
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

  router.patch('/workflow-runs/:runId/permission-mode', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const { permission_mode } = parse(PermissionModeBody, req.body, 'body');
    res.json(presentRun(await core.runs.setPermissionMode(runId, permission_mode, actor(req), 'rest')));
  });

  router.delete('/workflow-runs/:runId', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const body = parse(CancelBody, req.body, 'body');
    res.json(presentRun(await core.runs.cancel(runId, body?.reason, actor(req))));
  });

  return router;
}
