import {
  CancelBody,
  IdempotencyHeaders,
  ListQuery,
  NameParams,
  PermissionModeBody,
  ResumeBody,
  RunPage,
  RunParams,
  RunResponse,
  StartBody,
  V1Run,
  WaitQuery,
} from '../../src/contracts/http/v1';
import type { Core } from '../../src/core';
import { answer, WRITTEN, type RouteTable } from '../route';
import { SseStream } from '../streaming/sse';
import type { LiveRouteOptions } from './events';
import { V1_ERRORS } from './errors';
import { presentRun, presentRunResponse, presentSummary } from './present';
import { resumeDecision } from './resume';
import { streamRun } from './run-stream';

/** Seed 002's run routes: start, resume (either answered once the run settles, or streamed), read, list, cancel. */
export function runRoutes(table: RouteTable, core: Core, defaultWaitMs: number, live: LiveRouteOptions): void {
  table.add({
    method: 'post',
    path: '/agents/:name/workflow',
    summary: 'Start a run; answers once it pauses or ends (at most `wait`), or streams it (`stream: true`)',
    description: "Seed 002's start. `Idempotency-Key` makes a retried start answer the run the first one made (`Idempotent-Replayed: true`).",
    params: NameParams,
    query: WaitQuery,
    headers: IdempotencyHeaders,
    body: StartBody,
    responses: { 200: { description: 'The run as it paused, ended, or stands after `wait`', schema: RunResponse, sse: true }, ...V1_ERRORS },
    handler: async ({ params, query, headers, body, req, res, actor }) => {
      const { run, created } = await core.runs.start(
        {
          workflow: params.name,
          task: body.input.task,
          state: body.input.state,
          idempotencyKey: headers['idempotency-key'],
          customer: body.customer,
          version: body.version,
          userId: body.user_id,
          ...(body.human_in_the_loop !== undefined || body.permission_mode !== undefined
            ? { interaction: { human_in_the_loop: body.human_in_the_loop ?? false, permission_mode: body.permission_mode ?? 'autonomous' } }
            : {}),
          waitMs: body.stream ? 0 : (query.wait ?? defaultWaitMs),
        },
        actor,
      );
      const replayed: Record<string, string> = created ? {} : { 'Idempotent-Replayed': 'true' };
      if (!body.stream) return answer(200, presentRunResponse(run), replayed);
      for (const [name, value] of Object.entries(replayed)) res.setHeader(name, value);
      res.setHeader('X-Run-Id', run.run_id);
      const stream = new SseStream(req, res, live);
      await streamRun(core, stream, run.run_id, run.workflow, 0, actor).catch((err: unknown) => req.log.warn({ err }, 'run stream failed'));
      stream.close();
      return WRITTEN;
    },
  });

  table.add({
    method: 'post',
    path: '/workflow-runs/:runId/resume',
    summary: "Resume a paused run with the step's input (seed 002); answers at its next pause or end, or streams",
    params: RunParams,
    query: WaitQuery,
    headers: IdempotencyHeaders,
    body: ResumeBody,
    responses: { 200: { description: 'The run after the decision', schema: RunResponse, sse: true }, ...V1_ERRORS },
    handler: async ({ params, query, headers, body, req, res, actor }) => {
      const key = headers['idempotency-key'];
      const decision = await resumeDecision(core, params.runId, body.input, body.comment, actor);
      const run = await core.runs.decide(
        params.runId,
        { ...decision, via: 'rest', ...(body.digest ? { digest: body.digest } : {}), ...(key ? { idempotency_key: key } : {}) },
        body.stream ? 0 : (query.wait ?? defaultWaitMs),
        actor,
      );
      if (!body.stream) return answer(200, presentRunResponse(run));
      res.setHeader('X-Run-Id', run.run_id);
      const stream = new SseStream(req, res, live);
      await streamRun(core, stream, run.run_id, run.workflow, run.last_event_seq, actor).catch((err: unknown) => req.log.warn({ err }, 'run stream failed'));
      stream.close();
      return WRITTEN;
    },
  });

  table.add({
    method: 'get',
    path: '/workflow-runs',
    summary: 'Runs, newest first, filtered by status, workflow or customer (read from visibility)',
    query: ListQuery,
    responses: { 200: { description: 'A page of runs', schema: RunPage }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] },
    handler: async ({ query, actor }) => {
      const page = await core.listRuns({ status: query.status, workflow: query.workflow ?? query.agentName, customer: query.customer, limit: query.limit, cursor: query.cursor }, actor);
      return answer(200, { data: page.runs.map(presentSummary), has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
    },
  });

  table.add({
    method: 'get',
    path: '/workflow-runs/:runId',
    summary: 'One run: status, steps, what it waits for, result or error',
    params: RunParams,
    responses: { 200: { description: 'The run', schema: V1Run }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403], 404: V1_ERRORS[404], 503: V1_ERRORS[503] },
    handler: async ({ params, actor }) => answer(200, presentRun(await core.runs.get(params.runId, actor))),
  });

  table.add({
    method: 'patch',
    path: '/workflow-runs/:runId/permission-mode',
    summary: "Switch the permission mode of the run's agent steps (autonomous allows the gates it waits on)",
    params: RunParams,
    body: PermissionModeBody,
    responses: { 200: { description: 'The run in its new mode', schema: V1Run }, ...V1_ERRORS },
    handler: async ({ params, body, actor }) => answer(200, presentRun(await core.runs.setPermissionMode(params.runId, body.permission_mode, actor, 'rest'))),
  });

  table.add({
    method: 'delete',
    path: '/workflow-runs/:runId',
    summary: 'Cancel a run, saying why',
    params: RunParams,
    body: CancelBody,
    responses: { 200: { description: 'The cancelled run', schema: V1Run }, ...V1_ERRORS },
    handler: async ({ params, body, actor }) => answer(200, presentRun(await core.runs.cancel(params.runId, body?.reason, actor))),
  });
}
