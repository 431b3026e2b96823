import { z } from 'zod';
import { AgentOsRunPreview, AgentOsRunSchema, type AgentOsSession, AgentOsSessionDetail, AgentOsSessionPage, SessionParams, SessionRunParams, SessionRunsQuery, SessionsQuery } from '../../src/contracts/http/agentos';
import type { Principal } from '../../src/contracts/principal';
import type { RunSummary } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { AGENTOS_ERRORS, errorAnswers } from './errors';
import { notFound } from './http';
import { agentOsStatus, sessionOf, type LayoutCache } from './layout';
import { eventsOf, runOf, scopeOf } from './lookup';
import { contentOf, runSchema } from './present';
import { sessionRunViews } from './runs';

/**
 * AgentOS sessions, read from runs: every run started through this face belongs to a session (the
 * form's `session_id` or a new one), kept on the run as a search attribute, so a session is the runs
 * that carry its id. Nothing is stored for a session itself.
 */

/** How many runs a session listing reads, newest first, to group them into sessions. */
const SCAN_LIMIT = 1_000;

export function sessionRoutes(table: RouteTable, core: Core, layouts: LayoutCache): void {
  table.add({
    method: 'get',
    path: '/sessions',
    summary: 'Sessions (of workflow runs), newest first by default: paged, filtered by workflow, user or name',
    query: SessionsQuery,
    responses: { 200: { description: 'A page of sessions (`SessionSchema`s)', schema: AgentOsSessionPage }, ...errorAnswers(401, 422, 503) },
    handler: async ({ query, actor }) => {
      const started = Date.now();
      // holdpoint's sessions are all workflow sessions: agent and team listings are empty.
      let sessions = query.type === 'agent' || query.type === 'team' ? [] : await listSessions(core, actor, query.component_id, query.user_id);
      if (query.session_name) sessions = sessions.filter((s) => s.session_name.toLowerCase().includes(query.session_name!.toLowerCase()));
      const key = query.sort_by;
      sessions.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (query.sort_order === 'asc' ? 1 : -1));
      const data = sessions.slice((query.page - 1) * query.limit, query.page * query.limit);
      return answer(200, {
        data,
        meta: { page: query.page, limit: query.limit, total_pages: Math.ceil(sessions.length / query.limit), total_count: sessions.length, search_time_ms: Date.now() - started },
      });
    },
  });

  table.add({
    method: 'get',
    path: '/sessions/:sessionId',
    summary: 'One session (`WorkflowSessionDetailSchema`): named after its first run, with its workflow',
    params: SessionParams,
    responses: { 200: { description: 'The session', schema: AgentOsSessionDetail }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => {
      const runs = await sessionRunViews(core, params.sessionId, actor);
      const first = runs[0];
      if (!first) throw notFound('Session');
      const layout = await layouts.forRun(first, actor);
      const steps = layout.definition?.steps ?? [];
      return answer(200, {
        workflow_id: first.workflow,
        workflow_name: layout.title,
        session_id: params.sessionId,
        session_name: first.task,
        ...(first.user_id ? { user_id: first.user_id } : {}),
        session_data: { session_state: {}, session_metrics: {} },
        session_state: {},
        workflow_data: {
          workflow_id: first.workflow,
          name: layout.title,
          steps: steps.map((s) => ({ name: s.name, description: s.description ?? null, type: s.type === 'condition' ? ('Condition' as const) : ('Step' as const) })),
        },
        metadata: {},
        created_at: first.started_at,
        updated_at: runs.reduce((at, r) => (r.updated_at > at ? r.updated_at : at), first.updated_at),
      });
    },
  });

  table.add({
    method: 'get',
    path: '/sessions/:sessionId/runs',
    summary: "A session's runs (`WorkflowRunSchema`s, oldest first), filtered by status and creation time",
    params: SessionParams,
    query: SessionRunsQuery,
    responses: { 200: { description: 'The runs', schema: z.array(AgentOsRunSchema) }, ...errorAnswers(401, 404, 422, 503) },
    handler: async ({ params, query, actor }) => {
      const runs = await sessionRunViews(core, params.sessionId, actor);
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
      return answer(200, await Promise.all(shown.map(async (r) => runSchema(r, await layouts.forRun(r, actor)))));
    },
  });

  table.add({
    method: 'get',
    path: '/sessions/:sessionId/runs/:runId',
    summary: "One run of a session (`WorkflowRunSchema`), with its events",
    params: SessionRunParams,
    responses: { 200: { description: 'The run', schema: AgentOsRunSchema }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => {
      const run = await runOf(core, undefined, params.runId, actor, params.sessionId);
      const scope = await scopeOf(layouts, run, actor);
      return answer(200, runSchema(run, scope.layout, await eventsOf(core, actor, scope, run).catch(() => [])));
    },
  });

  table.add({
    method: 'get',
    path: '/sessions/:sessionId/run-previews',
    summary: "Previews of a session's runs (`SessionRunPreviewSchema`s): input and the start of the answer",
    params: SessionParams,
    responses: { 200: { description: 'The previews', schema: z.array(AgentOsRunPreview) }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => {
      const runs = await sessionRunViews(core, params.sessionId, actor);
      if (runs.length === 0) throw notFound('Session');
      return answer(
        200,
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
    },
  });

  // Sessions are derived from runs; there is nothing of their own to create, rename or delete.
  const derived = [
    ['post', '/sessions', 'Create a session'],
    ['delete', '/sessions', 'Delete sessions'],
    ['post', '/sessions/:sessionId/rename', 'Rename a session'],
    ['patch', '/sessions/:sessionId', 'Change a session'],
    ['delete', '/sessions/:sessionId', 'Delete a session'],
  ] as const;
  for (const [method, path, what] of derived) {
    table.add({
      method,
      path,
      summary: `${what}: not in holdpoint (405), whose sessions are the runs that carry their id`,
      ...(path.includes(':sessionId') ? { params: SessionParams } : {}),
      responses: { 405: AGENTOS_ERRORS[405], ...errorAnswers(401) },
      handler: () => answer(405, { detail: "holdpoint's sessions are the runs that carry their id; they cannot be created, renamed or deleted on their own" }),
    });
  }
}

type SessionRow = z.input<typeof AgentOsSession>;

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
