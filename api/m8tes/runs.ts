import { Router, type Request, type Response } from 'express';
import { ErrorType } from '../../src/contracts/errors';
import { interactionProblem, type Interaction } from '../../src/contracts/interaction';
import { numericId } from '../../src/contracts/numeric-id';
import type { Principal } from '../../src/contracts/principal';
import type { RunStatus, RunSummary } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { SseStream } from '../streaming/sse';
import { parse, refusal } from './errors';
import { agentsById, findAgent, readRun } from './lookup';
import type { M8tesOptions } from './options';
import { holdpointStatus, isEnded, isObject, presentRun, presentSummary } from './present';
import { DEFINITION_PARAMETERS, IdempotencyKey, RunCreateBody, RunListQuery, RunParams, UserScopeQuery } from './schemas';
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
export function runRoutes(options: M8tesOptions): Router {
  const { core } = options;
  const router = Router();

  router.post('/runs', async (req, res) => {
    const body = parseCreate(req.body);
    const caller = actor(req);
    const workflow = body.teammate_id ? (await findAgent(core, body.teammate_id, caller)).name : DEFAULT_AGENT;
    const { task, state } = taskAndState(body.message, body.metadata ?? undefined);
    const userId = body.user_id ?? undefined;
    const interaction = interactionOf(body.human_in_the_loop, body.permission_mode);
    await start(req, res, options, { workflow, task, state, userId, interaction }, body.stream);
  });

  router.get('/runs', async (req, res) => {
    const query = parse(RunListQuery, req.query, 'query');
    const caller = actor(req);
    const empty = { data: [], has_more: false, next_starting_after: null };
    const agentId = query.teammate_id ?? query.agent_id;
    let workflow: string | undefined;
    if (agentId !== undefined) {
      workflow = (await agentsById(core, caller)).get(agentId)?.name;
      if (!workflow) return void res.json(empty);
    }
    const status = query.status ? holdpointStatus(query.status) : undefined;
    if (query.status && !status) return void res.json(empty); // `closed`: holdpoint closes no run that way
    const filter = { ...(status ? { status } : {}), ...(workflow ? { workflow } : {}), ...(query.user_id ? { user: query.user_id } : {}) };
    const after = query.starting_after;
    if (after && /^\d+$/.test(after)) {
      res.json(await pageAfterRun(core, filter, Number(after), query.limit, caller));
      return;
    }
    if (after && !after.startsWith('c_')) {
      throw refusal(ErrorType.InvalidRequest, 'validation_error', 'query.starting_after: must be a run id or the next_starting_after of the previous page', { field: 'query.starting_after' });
    }
    const page = await core.listRuns({ ...filter, limit: query.limit, ...(after ? { cursor: after.slice(2) } : {}) }, caller);
    // Visibility hands out a cursor whenever a page is full; m8tes' has_more promises another row.
    const more = page.next_cursor !== null && (await core.listRuns({ ...filter, limit: 1, cursor: page.next_cursor }, caller)).runs.length > 0;
    res.json({ data: page.runs.map(presentSummary), has_more: more, next_starting_after: more ? `c_${page.next_cursor}` : null });
  });

  router.get('/runs/needs-you', async (req, res) => {
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    const caller = actor(req);
    const waiting: RunSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await core.listRuns({ status: 'paused', ...(user_id ? { user: user_id } : {}), limit: 100, cursor }, caller);
      waiting.push(...page.runs);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && waiting.length < NEEDS_YOU_COUNT_LIMIT);
    const titles = new Map((await core.definitions.list(caller)).map((d) => [d.name, d.title ?? d.name]));
    const items = waiting.slice(0, 5).map((run) => {
      const mate = titles.get(run.workflow) ?? run.workflow;
      // Titles are safe to show anywhere: the mate's name, never the run's task text.
      return { run_id: numericId(run.run_id), title: `${mate} needs you`, mate_name: mate, holdpoint_run_id: run.run_id };
    });
    res.json({ count: waiting.length, items });
  });

  router.get('/runs/:id', async (req, res) => {
    const { id } = parse(RunParams, req.params, 'path');
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    res.json(presentRun(await readRun(core, id, actor(req), user_id)));
  });

  router.get('/runs/:id/stream', async (req, res) => {
    const { id } = parse(RunParams, req.params, 'path');
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    const caller = actor(req);
    const run = await readRun(core, id, caller, user_id);
    res.setHeader('X-Run-Id', String(numericId(run.run_id)));
    const stream = new SseStream(req, res, options.live);
    await streamRun(core, stream, run, caller, req.log);
  });

  router.post('/runs/:id/cancel', async (req, res) => {
    const { id } = parse(RunParams, req.params, 'path');
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    const caller = actor(req);
    const run = await readRun(core, id, caller, user_id);
    if (isEnded(run)) throw refusal(ErrorType.RunEnded, 'run_not_active', `Run ${id} has ${run.status}; there is nothing to cancel`, { status: run.status });
    res.json(presentRun(await core.runs.cancel(run.run_id, 'cancelled through the m8tes API', caller)));
  });

  /**
   * A follow-up message. A holdpoint run is one workflow execution and cannot be reopened once it has
   * ended, so a reply starts a **new run** of the same workflow, in the first run's session, with the new
   * message as its task and the first run's state, end user and permission settings (the body may change
   * `human_in_the_loop` and `permission_mode`). The answer is the new run (a new id). Replying to a run
   * that still runs or waits is refused with 409 `run_still_active`: answer its gate or cancel it first.
   */
  router.post('/runs/:id/reply', async (req, res) => {
    const { id } = parse(RunParams, req.params, 'path');
    const body = parseCreate(req.body);
    const caller = actor(req);
    const first = await readRun(core, id, caller);
    if (!isEnded(first)) {
      throw refusal(ErrorType.NotPaused, 'run_still_active', `Run ${id} is still ${first.status === 'paused' ? 'awaiting_approval' : first.status}; answer its gate or cancel it before replying (a reply starts a new run in its session)`, {
        status: first.status,
      });
    }
    const hitl = body.human_in_the_loop ?? first.interaction.human_in_the_loop;
    const mode = body.permission_mode ?? (hitl ? first.interaction.permission_mode : 'autonomous');
    const { task, state } = taskAndState(body.message, body.metadata ?? undefined, first.state);
    await start(req, res, options, {
      workflow: first.workflow,
      task,
      state,
      userId: body.user_id ?? first.user_id,
      interaction: interactionOf(hitl, mode)!,
      sessionId: first.session_id ?? first.run_id,
    }, body.stream);
  });

  return router;
}

interface StartSpec {
  workflow: string;
  task: string;
  state: Record<string, unknown>;
  userId?: string | undefined;
  interaction?: Interaction | undefined;
  sessionId?: string | undefined;
}

/**
 * Starts the run and answers: the Run (201) or its stream. A start repeated with the same
 * `Idempotency-Key` answers the first run as JSON with `Idempotent-Replay: true`, streaming or not
 * (m8tes' SDK then joins its stream).
 */
async function start(req: Request, res: Response, options: M8tesOptions, spec: StartSpec, stream: boolean): Promise<void> {
  const { core } = options;
  const caller = actor(req);
  const key = parse(IdempotencyKey, req.get('idempotency-key'), 'headers');
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
    caller,
  );
  res.setHeader('X-Run-Id', String(numericId(run.run_id)));
  if (!created) {
    req.log.info({ runId: run.run_id }, 'm8tes run create replayed');
    res.setHeader('Idempotent-Replay', 'true');
    res.status(200).json(presentRun(run));
    return;
  }
  req.log.info({ runId: run.run_id, workflow: spec.workflow, stream }, 'm8tes run started');
  if (!stream) {
    res.status(201).json(presentRun(run));
    return;
  }
  const sse = new SseStream(req, res, options.live);
  await streamRun(core, sse, run, caller, req.log);
}

function parseCreate(raw: unknown) {
  const body = parse(RunCreateBody, raw, 'body');
  for (const [field, why] of Object.entries(DEFINITION_PARAMETERS)) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) continue;
    throw refusal(ErrorType.InvalidRequest, 'unsupported_parameter', `body.${field}: not supported by holdpoint: ${why}`, { field: `body.${field}` });
  }
  return body;
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
async function pageAfterRun(core: Core, filter: { status?: RunStatus; workflow?: string; user?: string }, number: number, limit: number, caller: Principal) {
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
