import { Router } from 'express';
import type { Principal } from '../../src/contracts/principal';
import type { RunSummary } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { AgentOsError, notFound, validate } from './http';
import { agentOsStatus, sessionOf, type LayoutCache } from './layout';
import { eventsOf, runOf, scopeOf } from './lookup';
import { contentOf, runSchema } from './present';
import { sessionRunViews } from './runs';
import { SessionRunsQuery, SessionsQuery } from './schemas';

/**
 * AgentOS sessions, read from runs: every run started through this face belongs to a session (the
 * form's `session_id` or a new one), kept on the run as a search attribute, so a session is the runs
 * that carry its id. Nothing is stored for a session itself.
 */

/** How many runs a session listing reads, newest first, to group them into sessions. */
const SCAN_LIMIT = 1_000;

export function sessionRoutes(core: Core, layouts: LayoutCache): Router {
  const router = Router();

  router.get('/sessions', async (req, res) => {
    const query = validate(SessionsQuery, req.query, 'query');
    const started = Date.now();
    // holdpoint's sessions are all workflow sessions: agent and team listings are empty.
    let sessions = query.type === 'agent' || query.type === 'team' ? [] : await listSessions(core, actor(req), query.component_id, query.user_id);
    if (query.session_name) sessions = sessions.filter((s) => s.session_name.toLowerCase().includes(query.session_name!.toLowerCase()));
    const key = query.sort_by;
    sessions.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (query.sort_order === 'asc' ? 1 : -1));
    const data = sessions.slice((query.page - 1) * query.limit, query.page * query.limit);
    res.json({
      data,
      meta: { page: query.page, limit: query.limit, total_pages: Math.ceil(sessions.length / query.limit), total_count: sessions.length, search_time_ms: Date.now() - started },
    });
  });

  router.get('/sessions/:sessionId', async (req, res) => {
    const caller = actor(req);
    const sessionId = String(req.params.sessionId);
    const runs = await sessionRunViews(core, sessionId, caller);
    const first = runs[0];
    if (!first) throw notFound('Session');
    const layout = await layouts.forRun(first, caller);
    const steps = layout.definition?.steps ?? [];
    res.json({
      workflow_id: first.workflow,
      workflow_name: layout.title,
      session_id: sessionId,
      session_name: first.task,
      ...(first.user_id ? { user_id: first.user_id } : {}),
      session_data: { session_state: {}, session_metrics: {} },
      session_state: {},
      workflow_data: {
        workflow_id: first.workflow,
        name: layout.title,
        steps: steps.map((s) => ({ name: s.name, description: s.description ?? null, type: s.type === 'condition' ? 'Condition' : 'Step' })),
      },
      metadata: {},
      created_at: first.started_at,
      updated_at: runs.reduce((at, r) => (r.updated_at > at ? r.updated_at : at), first.updated_at),
    });
  });

  router.get('/sessions/:sessionId/runs', async (req, res) => {
    const query = validate(SessionRunsQuery, req.query, 'query');
    const caller = actor(req);
    const runs = await sessionRunViews(core, String(req.params.sessionId), caller);
    if (runs.length === 0) throw notFound('Session');
    const statuses = query.status === undefined ? undefined : (Array.isArray(query.status) ? query.status : [query.status]).map((s) => s.toUpperCase());
    const shown = runs.filter((r) => {
      const created = Date.parse(r.started_at) / 1000;
      return (
        (!statuses || statuses.includes(agentOsStatus(r.status))) &&
        (query.created_after === undefined || created >= query.created_after) &&
        (query.created_before === undefined || created <= query.created_before)
      );
    });
    res.json(await Promise.all(shown.map(async (r) => runSchema(r, await layouts.forRun(r, caller)))));
  });

  router.get('/sessions/:sessionId/runs/:runId', async (req, res) => {
    const caller = actor(req);
    const run = await runOf(core, undefined, String(req.params.runId), caller, String(req.params.sessionId));
    const scope = await scopeOf(layouts, run, caller);
    res.json(runSchema(run, scope.layout, await eventsOf(core, caller, scope, run).catch(() => [])));
  });

  router.get('/sessions/:sessionId/run-previews', async (req, res) => {
    const caller = actor(req);
    const runs = await sessionRunViews(core, String(req.params.sessionId), caller);
    if (runs.length === 0) throw notFound('Session');
    res.json(
      runs.map((r) => {
        const content = contentOf(r);
        return {
          run_id: r.run_id,
          workflow_id: r.workflow,
          user_id: r.user_id ?? '',
          status: agentOsStatus(r.status),
          run_input: r.task.slice(0, 280),
          content_preview: content === undefined ? '' : (typeof content === 'string' ? content : JSON.stringify(content)).slice(0, 280),
          created_at: r.started_at,
        };
      }),
    );
  });

  // Sessions are derived from runs; there is nothing of their own to create, rename or delete.
  const derived = () => {
    throw new AgentOsError(405, "holdpoint's sessions are the runs that carry their id; they cannot be created, renamed or deleted on their own");
  };
  router.post('/sessions', derived);
  router.post('/sessions/:sessionId/rename', derived);
  router.patch('/sessions/:sessionId', derived);
  router.delete('/sessions/:sessionId', derived);
  router.delete('/sessions', derived);

  return router;
}

interface SessionRow {
  session_id: string;
  session_name: string;
  session_state: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  session_type: 'workflow';
  workflow_id: string;
  user_id?: string;
  metrics: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Sessions among the newest runs: one row per session, named after its first run's input. */
async function listSessions(core: Core, caller: Principal, workflow: string | undefined, user: string | undefined): Promise<SessionRow[]> {
  const runs: RunSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await core.listRuns({ workflow, user, limit: 200, cursor }, caller);
    runs.push(...page.runs);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && runs.length < SCAN_LIMIT);
  const sessions = new Map<string, SessionRow>();
  // Newest first: the last run seen of a session is its first.
  for (const run of runs) {
    const id = sessionOf(run);
    const row = sessions.get(id);
    const updated = run.updated_at ?? run.started_at;
    if (row) {
      Object.assign(row, { session_name: run.task, created_at: run.started_at });
      if (updated > row.updated_at) row.updated_at = updated;
      continue;
    }
    sessions.set(id, {
      session_id: id,
      session_name: run.task,
      session_state: {},
      created_at: run.started_at,
      updated_at: updated,
      session_type: 'workflow',
      workflow_id: run.workflow,
      ...(run.user_id ? { user_id: run.user_id } : {}),
      metrics: {},
      metadata: {},
    });
  }
  return [...sessions.values()];
}
