import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Principal } from '../../src/contracts/principal';
import {
  AgentOsBackgroundRun,
  AgentOsEmpty,
  AgentOsRunOutput,
  AgentOsRunSchema,
  CancelQuery,
  ContinueForm,
  ResumeForm,
  RunForm,
  RunQuery,
  RunsQuery,
  WorkflowParams,
  WorkflowRunParams,
} from '../../src/contracts/http/agentos';
import type { RunView } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { answer, WRITTEN, type RouteTable } from '../route';
import { SseStream } from '../streaming/sse';
import { assertPaused, decisionsFor, parseStepRequirements } from './continue';
import type { TranslationScope } from './events';
import { errorAnswers } from './errors';
import { epoch, notFound } from './http';
import { agentOsStatus, sessionOf, type LayoutCache } from './layout';
import { eventsOf, runOf, scopeOf, stateFrom, workflowOf } from './lookup';
import { runOutput, runSchema } from './present';
import { follow, resume, type FollowFrom } from './stream';
import type { AgentOsOptions } from './index';

/**
 * A workflow's runs: start (answered once the run pauses or ends, or streamed), continue a paused run
 * with the requirements the client resolved, cancel, reconnect to a stream, and read runs.
 */
export function runRoutes(table: RouteTable, options: AgentOsOptions, layouts: LayoutCache): void {
  const { core, defaultWaitMs } = options;

  table.add({
    method: 'post',
    path: '/workflows/:workflowId/runs',
    summary: 'Start a run: answered once it pauses or ends (`stream=false`), streamed (the default), or in the background',
    description: 'Form fields, as FastAPI reads them: `message` (the input; JSON when the workflow has an input schema), `stream`, `background`, `session_id`, `user_id`, `version`.',
    params: WorkflowParams,
    body: RunForm,
    bodyType: 'form',
    responses: {
      200: { description: '`WorkflowRunOutput` of the paused or ended run; with `stream` (the default), its events as SSE until it pauses or ends', schema: AgentOsRunOutput, sse: true },
      202: { description: 'Started in the background: poll `GET /workflows/{id}/runs/{run_id}`', schema: AgentOsBackgroundRun },
      ...errorAnswers(400, 401, 403, 404, 422, 503),
    },
    handler: async ({ params, body: form, req, res, actor }) => {
      const { definition } = await workflowOf(core, params.workflowId, form.version, actor);
      const detached = form.stream || form.background;
      const { run } = await core.runs.start(
        {
          workflow: definition.name,
          task: form.message,
          state: stateFrom(definition, form.message),
          waitMs: detached ? 0 : defaultWaitMs,
          version: form.version,
          sessionId: form.session_id ?? randomUUID(),
          userId: form.user_id,
        },
        actor,
      );
      if (form.background && !form.stream) return answer(202, { run_id: run.run_id, session_id: sessionOf(run), status: 'PENDING' as const });
      if (!form.stream) return answer(200, runOutput(run, await layouts.forRun(run, actor)));
      await streamRun(options, req, res, await scopeOf(layouts, run, actor), actor);
      return WRITTEN;
    },
  });

  table.add({
    method: 'post',
    path: '/workflows/:workflowId/runs/:runId/continue',
    summary: 'Continue a paused run with the requirements the client resolved (the last one is the active one)',
    description: 'Form fields: `step_requirements` (a JSON list of `StepRequirement`s), `stream` (default true), `session_id`, `user_id`. The key that continues is the decider.',
    params: WorkflowRunParams,
    body: ContinueForm,
    bodyType: 'form',
    responses: {
      200: { description: '`WorkflowRunOutput` once the run pauses again or ends; with `stream`, what the decision caused, as SSE', schema: AgentOsRunOutput, sse: true },
      ...errorAnswers(400, 401, 403, 404, 409, 422, 503),
    },
    handler: async ({ params, body: form, req, res, actor }) => {
      const requirements = parseStepRequirements(form.step_requirements);
      await workflowOf(core, params.workflowId, undefined, actor);
      const run = await runOf(core, params.workflowId, params.runId, actor, form.session_id);
      assertPaused(run);
      const decisions = decisionsFor(run, requirements);
      let view: RunView = run;
      for (const [i, decision] of decisions.entries()) {
        const waitMs = i === decisions.length - 1 && !form.stream ? defaultWaitMs : 0;
        view = await core.runs.decide(run.run_id, { ...decision, via: 'agentos' }, waitMs, actor);
      }
      if (!form.stream) return answer(200, runOutput(view, await layouts.forRun(view, actor)));
      await streamRun(options, req, res, await scopeOf(layouts, run, actor), actor, { afterSeq: run.last_event_seq });
      return WRITTEN;
    },
  });

  table.add({
    method: 'post',
    path: '/workflows/:workflowId/runs/:runId/cancel',
    summary: 'Cancel a run; `{}` whatever the run (unknown, ended, or of another session), as AgentOS answers',
    params: WorkflowRunParams,
    query: CancelQuery,
    responses: { 200: { description: 'Cancellation requested (or nothing to cancel)', schema: AgentOsEmpty }, ...errorAnswers(401, 403, 404, 422, 503) },
    handler: async ({ params, query, actor }) => {
      await workflowOf(core, params.workflowId, undefined, actor);
      const run = await runOf(core, params.workflowId, params.runId, actor, query.session_id).catch(ignoreNotFound);
      if (run && (run.status === 'running' || run.status === 'paused')) await core.runs.cancel(run.run_id, 'cancelled through AgentOS', actor);
      return answer(200, {});
    },
  });

  table.add({
    method: 'post',
    path: '/workflows/:workflowId/runs/:runId/resume',
    summary: "Reconnect to a run's stream: a waiting or ended run is replayed, a running one caught up and followed",
    description: 'Form fields: `last_event_index` (events up to it were seen; default: none), `session_id`.',
    params: WorkflowRunParams,
    body: ResumeForm,
    bodyType: 'form',
    responses: { 200: { description: '`replay` or `catch_up` then the events, as SSE (an unknown run: one `error` event)', kind: 'sse' }, ...errorAnswers(401, 404, 422, 503) },
    handler: async ({ params, body: form, req, res, actor }) => {
      await workflowOf(core, params.workflowId, undefined, actor);
      const run = await runOf(core, params.workflowId, params.runId, actor).catch(ignoreNotFound);
      const stream = new SseStream(req, res, { heartbeatMs: options.heartbeatMs, registry: options.registry });
      try {
        if (!run) {
          await stream.send({ event: 'error', data: { event: 'error', error: `Run ${params.runId} not found in buffer or database` } });
          return WRITTEN;
        }
        const scope = await scopeOf(layouts, run, actor);
        await resume(core, actor, scope, (f) => stream.send({ event: f.event, data: f }), (m) => stream.send({ event: m.event, data: m }), stream.signal, {
          lastIndex: form.last_event_index ?? -1,
          subscribedMessage: 'Subscribed to workflow run. Receiving live events.',
        });
      } catch (err) {
        await streamError(stream, req, err);
      } finally {
        stream.close();
      }
      return WRITTEN;
    },
  });

  table.add({
    method: 'get',
    path: '/workflows/:workflowId/runs/:runId',
    summary: 'Poll a run (`session_id` required): its `WorkflowRunOutput`, with its events',
    params: WorkflowRunParams,
    query: RunQuery,
    responses: { 200: { description: 'The run', schema: AgentOsRunOutput }, ...errorAnswers(401, 404, 422, 503) },
    handler: async ({ params, query, actor }) => {
      await workflowOf(core, params.workflowId, undefined, actor);
      const run = await runOf(core, params.workflowId, params.runId, actor, query.session_id);
      const scope = await scopeOf(layouts, run, actor);
      const events = await eventsOf(core, actor, scope, run).catch(() => undefined);
      return answer(200, runOutput(run, scope.layout, events ? { events } : {}));
    },
  });

  table.add({
    method: 'get',
    path: '/workflows/:workflowId/runs',
    summary: "A session's runs of this workflow (`WorkflowRunSchema`s, oldest first), optionally of one status",
    params: WorkflowParams,
    query: RunsQuery,
    responses: { 200: { description: 'The runs', schema: z.array(AgentOsRunSchema) }, ...errorAnswers(401, 404, 422, 503) },
    handler: async ({ params, query, actor }) => {
      await workflowOf(core, params.workflowId, undefined, actor);
      const runs = await sessionRunViews(core, query.session_id, actor, params.workflowId);
      if (runs.length === 0) throw notFound('Session');
      const shown = query.status ? runs.filter((r) => agentOsStatus(r.status) === query.status!.toUpperCase()) : runs;
      return answer(200, await Promise.all(shown.map(async (r) => runSchema(r, await layouts.forRun(r, actor)))));
    },
  });
}

/**
 * Streams the run as AgentOS events until it pauses or ends. Anything that goes wrong once the stream
 * is open becomes a `WorkflowError` event, as AgentOS does.
 */
export async function streamRun(options: AgentOsOptions, req: Request, res: Response, scope: TranslationScope, caller: Principal, from: FollowFrom = {}): Promise<void> {
  const stream = new SseStream(req, res, { heartbeatMs: options.heartbeatMs, registry: options.registry });
  try {
    await follow(options.core, caller, scope, (frame) => stream.send({ event: frame.event, data: frame }), stream.signal, from);
  } catch (err) {
    await streamError(stream, req, err);
  } finally {
    stream.close();
  }
}

async function streamError(stream: SseStream, req: Request, err: unknown): Promise<void> {
  req.log.warn({ err }, 'AgentOS stream failed');
  const error = err instanceof HoldpointError ? err.message : 'the stream failed; the gateway log has the details';
  await stream.send({ event: 'WorkflowError', data: { created_at: epoch(undefined), event: 'WorkflowError', nested_depth: 0, error } });
}

/** The runs of a session (oldest first); a run started without one is a session of its own. */
export async function sessionRunViews(core: Core, sessionId: string, caller: Principal, workflow?: string): Promise<RunView[]> {
  const { runs } = await core.listRuns({ session: sessionId, workflow, limit: 200 }, caller).catch((err: unknown) => {
    if (err instanceof HoldpointError && err.type === ErrorType.InvalidRequest) return { runs: [] };
    throw err;
  });
  if (runs.length > 0) return Promise.all([...runs].reverse().map((r) => core.runs.get(r.run_id, caller)));
  const own = await core.runs.get(sessionId, caller).catch(ignoreNotFound);
  return own && !own.session_id && (!workflow || own.workflow === workflow) ? [own] : [];
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof HoldpointError && err.type === ErrorType.NotFound) return undefined;
  throw err;
}
