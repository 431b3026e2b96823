import { randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Principal } from '../../src/contracts/principal';
import type { RunView } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { SseStream } from '../streaming/sse';
import { assertPaused, decisionsFor, parseStepRequirements } from './continue';
import type { TranslationScope } from './events';
import { formOf } from './form';
import { epoch, notFound, validate } from './http';
import { agentOsStatus, sessionOf, type LayoutCache } from './layout';
import { eventsOf, runOf, scopeOf, stateFrom, workflowOf } from './lookup';
import { runOutput, runSchema } from './present';
import { CancelQuery, ContinueForm, ResumeForm, RunForm, RunQuery, RunsQuery } from './schemas';
import { follow, resume, type FollowFrom } from './stream';
import type { AgentOsOptions } from './index';

/**
 * A workflow's runs: start (answered once the run pauses or ends, or streamed), continue a paused run
 * with the requirements the client resolved, cancel, reconnect to a stream, and read runs.
 */
export function runRoutes(options: AgentOsOptions, layouts: LayoutCache): Router {
  const { core, defaultWaitMs } = options;
  const router = Router();

  router.post('/workflows/:workflowId/runs', async (req, res) => {
    const form = validate(RunForm, formOf(req), 'body');
    const caller = actor(req);
    const { definition } = await workflowOf(core, String(req.params.workflowId), form.version, caller);
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
      caller,
    );
    if (form.background && !form.stream) {
      res.status(202).json({ run_id: run.run_id, session_id: sessionOf(run), status: 'PENDING' });
      return;
    }
    if (!form.stream) {
      res.json(runOutput(run, await layouts.forRun(run, caller)));
      return;
    }
    await streamRun(options, req, res, await scopeOf(layouts, run, caller), caller);
  });

  router.post('/workflows/:workflowId/runs/:runId/continue', async (req, res) => {
    const form = validate(ContinueForm, formOf(req), 'body');
    const requirements = parseStepRequirements(form.step_requirements);
    const caller = actor(req);
    const workflow = String(req.params.workflowId);
    await workflowOf(core, workflow, undefined, caller);
    const run = await runOf(core, workflow, String(req.params.runId), caller, form.session_id);
    assertPaused(run);
    const decisions = decisionsFor(run, requirements);
    let view: RunView = run;
    for (const [i, decision] of decisions.entries()) {
      const waitMs = i === decisions.length - 1 && !form.stream ? defaultWaitMs : 0;
      view = await core.runs.decide(run.run_id, { ...decision, via: 'agentos' }, waitMs, caller);
    }
    if (!form.stream) {
      res.json(runOutput(view, await layouts.forRun(view, caller)));
      return;
    }
    await streamRun(options, req, res, await scopeOf(layouts, run, caller), caller, { afterSeq: run.last_event_seq });
  });

  router.post('/workflows/:workflowId/runs/:runId/cancel', async (req, res) => {
    const { session_id } = validate(CancelQuery, req.query, 'query');
    const caller = actor(req);
    const workflow = String(req.params.workflowId);
    await workflowOf(core, workflow, undefined, caller);
    // AgentOS answers `{}` whatever the run: unknown, ended, or of another session.
    const run = await runOf(core, workflow, String(req.params.runId), caller, session_id).catch(ignoreNotFound);
    if (run && (run.status === 'running' || run.status === 'paused')) await core.runs.cancel(run.run_id, 'cancelled through AgentOS', caller);
    res.json({});
  });

  router.post('/workflows/:workflowId/runs/:runId/resume', async (req, res) => {
    const form = validate(ResumeForm, formOf(req), 'body');
    const caller = actor(req);
    const workflow = String(req.params.workflowId);
    await workflowOf(core, workflow, undefined, caller);
    const runId = String(req.params.runId);
    const run = await runOf(core, workflow, runId, caller).catch(ignoreNotFound);
    const stream = new SseStream(req, res, { heartbeatMs: options.heartbeatMs, registry: options.registry });
    try {
      if (!run) {
        await stream.send({ event: 'error', data: { event: 'error', error: `Run ${runId} not found in buffer or database` } });
        return;
      }
      const scope = await scopeOf(layouts, run, caller);
      await resume(core, caller, scope, (f) => stream.send({ event: f.event, data: f }), (m) => stream.send({ event: m.event, data: m }), stream.signal, {
        lastIndex: form.last_event_index ?? -1,
        subscribedMessage: 'Subscribed to workflow run. Receiving live events.',
      });
    } catch (err) {
      await streamError(stream, req, err);
    } finally {
      stream.close();
    }
  });

  router.get('/workflows/:workflowId/runs/:runId', async (req, res) => {
    const { session_id } = validate(RunQuery, req.query, 'query');
    const caller = actor(req);
    const workflow = String(req.params.workflowId);
    await workflowOf(core, workflow, undefined, caller);
    const run = await runOf(core, workflow, String(req.params.runId), caller, session_id);
    const scope = await scopeOf(layouts, run, caller);
    const events = await eventsOf(core, caller, scope, run).catch(() => undefined);
    res.json(runOutput(run, scope.layout, events ? { events } : {}));
  });

  router.get('/workflows/:workflowId/runs', async (req, res) => {
    const { session_id, status } = validate(RunsQuery, req.query, 'query');
    const caller = actor(req);
    const workflow = String(req.params.workflowId);
    await workflowOf(core, workflow, undefined, caller);
    const runs = await sessionRunViews(core, session_id, caller, workflow);
    if (runs.length === 0) throw notFound('Session');
    const shown = status ? runs.filter((r) => agentOsStatus(r.status) === status.toUpperCase()) : runs;
    res.json(await Promise.all(shown.map(async (r) => runSchema(r, await layouts.forRun(r, caller)))));
  });

  return router;
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
