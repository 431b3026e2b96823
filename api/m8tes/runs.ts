import type { Request, Response } from 'express';
import type { z } from 'zod';
import { ErrorType } from '../../src/contracts/errors';
import { IdempotencyHeaders, M8tesNeedsYou, M8tesRun, M8tesRunPage, RunCreateBody, RunListQuery, RunParams, UserScopeQuery } from '../../src/contracts/http/m8tes';
import { interactionProblem, type Interaction } from '../../src/contracts/interaction';
import { numericId } from '../../src/contracts/numeric-id';
import type { Principal } from '../../src/contracts/principal';
import type { RunStatus, RunSummary } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { answer, WRITTEN, type RouteTable } from '../route';
import { SseStream } from '../streaming/sse';
import { M8TES_ERRORS, refusal } from './errors';
import { agentsById, findAgent, readRun } from './lookup';
import type { M8tesOptions } from './options';
import { holdpointStatus, isEnded, isObject, presentRun, presentSummary } from './present';
import { streamRun } from './stream';

/** The agent a run starts when `teammate_id` is not given (the shipped `assistant` definition). */
export const DEFAULT_AGENT = 'assistant';

/** How many runs `needs-you` counts at most (one visibility call per 100). */
const NEEDS_YOU_COUNT_LIMIT = 1_000;
/** How many runs a numeric `starting_after` is looked for among. */
const SCAN_LIMIT = 2_000;

/**
 * Runs: create (JSON or SSE, with `Idempotency-Key`), read, list, stream, cancel, reply, and the
 * needs-you summary. Approvals and answers are in decisions.ts.
 */
export function runRoutes(table: RouteTable, options: M8tesOptions): void {
  const { core } = options;

  table.add({
    method: 'post',
    path: '/runs/',
    summary: 'Start a run: its event stream (the default), or the Run with `stream: false`',
    description:
      'The message is the task (a JSON object message is the run\'s state). `teammate_id` picks the agent (holdpoint workflow; `assistant` when absent). ' +
      '`human_in_the_loop` and `permission_mode` (autonomous, approval, plan) say how people take part. A create repeated with the same `Idempotency-Key` answers the first run as JSON with `Idempotent-Replay: true`. ' +
      'The stream\'s frames: `metadata`, `text-*`, `plan-*`, `tool-call-*`, `tool-result-end`, `permission_request`, `awaiting_approval` (then it closes), `permission_resolved`, `done`, `error`, `cancelled`. ' +
      'Agent-definition parameters (`tools`, `instructions`, `model`, …) are refused with 422 `unsupported_parameter`.',
    headers: IdempotencyHeaders,
    body: RunCreateBody,
    responses: {
      200: { description: 'The run as an event stream (`stream: true`), or the first run on an `Idempotency-Key` replay', schema: M8tesRun, sse: true },
      201: { description: 'The run, at once (`stream: false`)', schema: M8tesRun },
      ...M8TES_ERRORS,
    },
    handler: async ({ headers, body, actor, req, res }) => {
      refuseDefinitionParameters(body);
      const workflow = body.teammate_id ? (await findAgent(core, body.teammate_id, actor)).name : DEFAULT_AGENT;
      const { task, state } = taskAndState(body.message, body.metadata ?? undefined);
      const userId = body.user_id ?? undefined;
      const interaction = interactionOf(body.human_in_the_loop, body.permission_mode);
      return start({ req, res, options, actor, key: headers['idempotency-key'] }, { workflow, task, state, userId, interaction }, body.stream);
    },
  });

  table.add({
    method: 'get',
    path: '/runs/',
    summary: 'List runs, newest first, by end user, agent and status',
    query: RunListQuery,
    responses: { 200: { description: 'A page of runs', schema: M8tesRunPage }, 401: M8TES_ERRORS[401], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ query, actor }) => {
      const empty = { data: [], has_more: false, next_starting_after: null };
      const agentId = query.teammate_id ?? query.agent_id;
      let workflow: string | undefined;
      if (agentId !== undefined) {
        workflow = (await agentsById(core, actor)).get(agentId)?.name;
        if (!workflow) return answer(200, empty);
      }
      const status = query.status ? holdpointStatus(query.status) : undefined;
      if (query.status && !status) return answer(200, empty); // `closed`: holdpoint closes no run that way
      const filter = { ...(status ? { status } : {}), ...(workflow ? { workflow } : {}), ...(query.user_id ? { user: query.user_id } : {}) };
      const after = query.starting_after;
      if (after && /^\d+$/.test(after)) return answer(200, await pageAfterRun(core, filter, Number(after), query.limit, actor));
      if (after && !after.startsWith('c_')) {
        throw refusal(ErrorType.InvalidRequest, 'validation_error', 'query.starting_after: must be a run id or the next_starting_after of the previous page', { field: 'query.starting_after' });
      }
      const page = await core.listRuns({ ...filter, limit: query.limit, ...(after ? { cursor: after.slice(2) } : {}) }, actor);
      // Visibility hands out a cursor whenever a page is full; m8tes' has_more promises another row.
      const more = page.next_cursor !== null && (await core.listRuns({ ...filter, limit: 1, cursor: page.next_cursor }, actor)).runs.length > 0;
      return answer(200, { data: page.runs.map(presentSummary), has_more: more, next_starting_after: more ? `c_${page.next_cursor}` : null });
    },
  });

  table.add({
    method: 'get',
    path: '/runs/needs-you',
    summary: 'How many runs wait for a person, and the newest few (titles name the agent, never the task)',
    query: UserScopeQuery,
    responses: { 200: { description: 'The count and the first five', schema: M8tesNeedsYou }, 401: M8TES_ERRORS[401], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ query, actor }) => {
      const waiting: RunSummary[] = [];
      let cursor: string | undefined;
      do {
        const page = await core.listRuns({ status: 'paused', ...(query.user_id ? { user: query.user_id } : {}), limit: 100, cursor }, actor);
        waiting.push(...page.runs);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && waiting.length < NEEDS_YOU_COUNT_LIMIT);
      const titles = new Map((await core.definitions.list(actor)).map((d) => [d.name, d.title ?? d.name]));
      const items = waiting.slice(0, 5).map((run) => {
        const mate = titles.get(run.workflow) ?? run.workflow;
        // Titles are safe to show anywhere: the mate's name, never the run's task text.
        return { run_id: numericId(run.run_id), title: `${mate} needs you`, mate_name: mate, holdpoint_run_id: run.run_id };
      });
      return answer(200, { count: waiting.length, items });
    },
  });

  table.add({
    method: 'get',
    path: '/runs/:id',
    summary: 'Read a run',
    params: RunParams,
    query: UserScopeQuery,
    responses: { 200: { description: 'The run', schema: M8tesRun }, 401: M8TES_ERRORS[401], 404: M8TES_ERRORS[404], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ params, query, actor }) => answer(200, presentRun(await readRun(core, params.id, actor, query.user_id))),
  });

  table.add({
    method: 'get',
    path: '/runs/:id/stream',
    summary: "Join a run's event stream: replayed from its start, then live, until it waits for a person or ends",
    params: RunParams,
    query: UserScopeQuery,
    responses: { 200: { description: "The run's frames (as on create)", kind: 'sse' }, 401: M8TES_ERRORS[401], 404: M8TES_ERRORS[404], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ params, query, actor, req, res }) => {
      const run = await readRun(core, params.id, actor, query.user_id);
      res.setHeader('X-Run-Id', String(numericId(run.run_id)));
      const stream = new SseStream(req, res, options.live);
      await streamRun(core, stream, run, actor, req.log);
      return WRITTEN;
    },
  });

  table.add({
    method: 'post',
    path: '/runs/:id/cancel',
    summary: 'Cancel a run (its open gates close as cancelled)',
    params: RunParams,
    query: UserScopeQuery,
    responses: { 200: { description: 'The run, cancelled', schema: M8tesRun }, ...M8TES_ERRORS },
    handler: async ({ params, query, actor }) => {
      const run = await readRun(core, params.id, actor, query.user_id);
      if (isEnded(run)) throw refusal(ErrorType.RunEnded, 'run_not_active', `Run ${params.id} has ${run.status}; there is nothing to cancel`, { status: run.status });
      return answer(200, presentRun(await core.runs.cancel(run.run_id, 'cancelled through the m8tes API', actor)));
    },
  });

  /**
   * A follow-up message. A holdpoint run is one workflow execution and cannot be reopened once it has
   * ended, so a reply starts a **new run** of the same workflow, in the first run's session, with the new
   * message as its task and the first run's state, end user and permission settings (the body may change
   * `human_in_the_loop` and `permission_mode`). The answer is the new run (a new id). Replying to a run
   * that still runs or waits is refused with 409 `run_still_active`: answer its gate or cancel it first.
   */
  table.add({
    method: 'post',
    path: '/runs/:id/reply',
    summary: "A follow-up: a new run of the same agent in the first run's session (409 `run_still_active` while the first runs or waits)",
    params: RunParams,
    headers: IdempotencyHeaders,
    body: RunCreateBody,
    responses: {
      200: { description: 'The new run as an event stream (`stream: true`), or the first reply on an `Idempotency-Key` replay', schema: M8tesRun, sse: true },
      201: { description: 'The new run, at once (`stream: false`)', schema: M8tesRun },
      ...M8TES_ERRORS,
    },
    handler: async ({ params, headers, body, actor, req, res }) => {
      refuseDefinitionParameters(body);
      const first = await readRun(core, params.id, actor);
      if (!isEnded(first)) {
        throw refusal(ErrorType.NotPaused, 'run_still_active', `Run ${params.id} is still ${first.status === 'paused' ? 'awaiting_approval' : first.status}; answer its gate or cancel it before replying (a reply starts a new run in its session)`, {
          status: first.status,
        });
      }
      const hitl = body.human_in_the_loop ?? first.interaction.human_in_the_loop;
      const mode = body.permission_mode ?? (hitl ? first.interaction.permission_mode : 'autonomous');
      const { task, state } = taskAndState(body.message, body.metadata ?? undefined, first.state);
      return start(
        { req, res, options, actor, key: headers['idempotency-key'] },
        { workflow: first.workflow, task, state, userId: body.user_id ?? first.user_id, interaction: interactionOf(hitl, mode)!, sessionId: first.session_id ?? first.run_id },
        body.stream,
      );
    },
  });
}

interface StartSpec {
  workflow: string;
  task: string;
  state: Record<string, unknown>;
  userId?: string | undefined;
  interaction?: Interaction | undefined;
  sessionId?: string | undefined;
}

interface Caller {
  req: Request;
  res: Response;
  options: M8tesOptions;
  actor: Principal;
  /** The request's `Idempotency-Key`. */
  key: string | undefined;
}

/**
 * Starts the run and answers: the Run (201) or its stream. A start repeated with the same
 * `Idempotency-Key` answers the first run as JSON with `Idempotent-Replay: true`, streaming or not
 * (m8tes' SDK then joins its stream).
 */
async function start({ req, res, options, actor, key }: Caller, spec: StartSpec, stream: boolean) {
  const { core } = options;
  const { run, created } = await core.runs.start(
    {
      workflow: spec.workflow,
      task: spec.task,
      state: spec.state,
      waitMs: 0,
      ...(key ? { idempotencyKey: key } : {}),
      ...(spec.userId ? { userId: spec.userId } : {}),
      ...(spec.interaction ? { interaction: spec.interaction } : {}),
      ...(spec.sessionId ? { sessionId: spec.sessionId } : {}),
    },
    actor,
  );
  res.setHeader('X-Run-Id', String(numericId(run.run_id)));
  if (!created) {
    req.log.info({ runId: run.run_id }, 'm8tes run create replayed');
    return answer(200, presentRun(run), { 'Idempotent-Replay': 'true' });
  }
  req.log.info({ runId: run.run_id, workflow: spec.workflow, stream }, 'm8tes run started');
  if (!stream) return answer(201, presentRun(run));
  const sse = new SseStream(req, res, options.live);
  await streamRun(core, sse, run, actor, req.log);
  return WRITTEN;
}

/**
 * Parameters m8tes uses to define an agent on the fly. holdpoint's agents are workflow definitions, so
 * these are refused by name rather than ignored (the run would not do what they ask).
 */
const DEFINITION_PARAMETERS: Record<string, string> = {
  tools: "a holdpoint agent's tools are its workflow definition's; register a definition with those tools (POST /v1/workflows) and name it with teammate_id",
  instructions: "a holdpoint agent's instructions are its workflow definition's; register one (POST /v1/workflows) and name it with teammate_id",
  model: "a holdpoint agent's model is set in its workflow definition (or HOLDPOINT_MODEL on the worker for model \"default\")",
  output_schema: "a structured answer is the agent step's `output.schema` in its workflow definition",
  skill: 'holdpoint has no skills; an agent is a workflow definition',
  files: 'file uploads are not supported; put what the agent needs in the message (a JSON object message becomes the run\'s state)',
};

function refuseDefinitionParameters(body: RunCreateBody): void {
  for (const [field, why] of Object.entries(DEFINITION_PARAMETERS)) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) continue;
    throw refusal(ErrorType.InvalidRequest, 'unsupported_parameter', `body.${field}: not supported by holdpoint: ${why}`, { field: `body.${field}` });
  }
}

/** The interaction a start asks for, refused (422, naming the rule) when it breaks m8tes' table. */
function interactionOf(hitl: boolean | null | undefined, mode: Interaction['permission_mode'] | null | undefined): Interaction | undefined {
  if ((hitl === undefined || hitl === null) && (mode === undefined || mode === null)) return undefined;
  const interaction: Interaction = { human_in_the_loop: hitl ?? false, permission_mode: mode ?? 'autonomous' };
  const problem = interactionProblem(interaction);
  if (problem) throw refusal(ErrorType.InvalidRequest, 'invalid_permission_mode', `body.permission_mode: ${problem}`, { field: 'body.permission_mode', rule: 'human_in_the_loop' });
  return interaction;
}

/**
 * The message is the run's task; a message that is a JSON object is its state instead (its `task` key,
 * if any, the task), so workflows with an input schema can be started. `metadata` is kept in the state
 * under that key (and answered back on the Run).
 */
export function taskAndState(message: string, metadata: Record<string, unknown> | undefined, base: Record<string, unknown> = {}): { task: string; state: Record<string, unknown> } {
  let task = message;
  let state: Record<string, unknown> = { ...base };
  const trimmed = message.trim();
  if (trimmed.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (isObject(value)) {
        const { task: named, ...rest } = value;
        if (typeof named === 'string' && named) task = named;
        state = { ...state, ...rest };
      }
    } catch {
      // Not JSON: a message that starts with a brace.
    }
  }
  if (metadata) state.metadata = metadata;
  return { task, state };
}

/** A page that starts after the run numbered `number` (m8tes' integer cursors), found by scanning. */
async function pageAfterRun(core: Core, filter: { status?: RunStatus; workflow?: string; user?: string }, number: number, limit: number, caller: Principal): Promise<z.input<typeof M8tesRunPage>> {
  const out: RunSummary[] = [];
  let found = false;
  let cursor: string | undefined;
  let scanned = 0;
  do {
    const page = await core.listRuns({ ...filter, limit: 100, cursor }, caller);
    for (const run of page.runs) {
      if (found) out.push(run);
      else if (numericId(run.run_id) === number) found = true;
      if (out.length > limit) break;
    }
    scanned += page.runs.length;
    cursor = page.next_cursor ?? undefined;
  } while (cursor && out.length <= limit && scanned < SCAN_LIMIT);
  if (!found) {
    throw refusal(ErrorType.InvalidRequest, 'validation_error', `query.starting_after: run ${number} is not among the newest ${SCAN_LIMIT} runs of this listing`, { field: 'query.starting_after' });
  }
  const data = out.slice(0, limit);
  const hasMore = out.length > limit;
  return { data: data.map(presentSummary), has_more: hasMore, next_starting_after: hasMore ? numericId(data[data.length - 1]!.run_id) : null };
}
