import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { AgentListQuery, AgentParams, AgentRunBody, AipAgentAnswer, AipAgentPage, AipError, AipHealth, AipLanguageModels } from '../../src/contracts/http/aip';
import type { Principal } from '../../src/contracts/principal';
import type { Core } from '../../src/core';
import type { ListedDefinition } from '../../src/core/definitions';
import { SseStream } from '../streaming/sse';
import { answer, WRITTEN, type Method, type RouteTable } from '../route';
import type { LiveRouteOptions } from '../v1/events';
import { matchesAgent, presentAgent } from './agents';
import { AGENT_ERRORS } from './errors';
import { streamAipRun } from './run-stream';

/** The methods GL AIP's client creates, updates and deletes agents with; holdpoint's agents are its workflows. */
const AGENT_WRITES: Array<{ method: Method; path: string; summary: string }> = [
  { method: 'post', path: '/agents/', summary: 'Create an agent: refused (agents are workflows; register one with POST /v1/workflows)' },
  { method: 'put', path: '/agents/:agentId', summary: 'Replace an agent: refused (register a new version with POST /v1/workflows)' },
  { method: 'patch', path: '/agents/:agentId', summary: 'Change an agent: refused (register a new version with POST /v1/workflows)' },
  { method: 'delete', path: '/agents/:agentId', summary: 'Delete an agent: refused (retire the workflow with DELETE /v1/workflows/{name})' },
];

/**
 * GL AIP's agents are holdpoint's workflows (the id is a UUID derived from the workflow's name; the
 * name works too): listing, reading, running with the run stream, and the probes its client makes.
 */
export function agentRoutes(table: RouteTable, core: Core, live: LiveRouteOptions): void {
  table.add({
    method: 'get',
    path: '/health-check',
    public: true,
    summary: "GL AIP's health check",
    responses: { 200: { description: 'Up', schema: AipHealth } },
    handler: () => answer(200, { success: true as const, data: { status: 'healthy' as const }, message: 'holdpoint is up' }),
  });

  // GL AIP's client asks for language models before creating an agent; holdpoint's models live in definitions.
  table.add({
    method: 'get',
    path: '/language-models/',
    summary: 'Language models: none (models are set per agent step in a workflow definition)',
    responses: { 200: { description: 'An empty list', schema: AipLanguageModels }, 401: AGENT_ERRORS[401] },
    handler: () => answer(200, { success: true as const, data: [], message: 'models are set per agent step in a workflow definition' }),
  });

  table.add({
    method: 'get',
    path: '/agents/',
    summary: "The workflows as GL AIP agents, filtered and paged in GL AIP's envelope",
    query: AgentListQuery,
    responses: { 200: { description: 'A page of agents', schema: AipAgentPage }, 401: AGENT_ERRORS[401], 403: AGENT_ERRORS[403], 422: AGENT_ERRORS[422] },
    handler: async ({ query, actor }) => {
      const { name, agent_type, framework, version, limit, page } = query;
      const all = (await core.definitions.list(actor)).map(presentAgent).filter(
        (agent) =>
          (!name || agent.name.toLowerCase().includes(name.toLowerCase())) &&
          (!agent_type || agent.type === agent_type) &&
          (!framework || agent.framework === framework) &&
          (!version || agent.version === version),
      );
      const data = all.slice((page - 1) * limit, page * limit);
      return answer(200, { success: true as const, data, message: `${all.length} agents`, total: all.length, page, limit, has_next: page * limit < all.length, has_prev: page > 1 });
    },
  });

  table.add({
    method: 'get',
    path: '/agents/:agentId',
    summary: 'One agent, by its UUID or its workflow name',
    params: AgentParams,
    responses: { 200: { description: 'The agent', schema: AipAgentAnswer }, 401: AGENT_ERRORS[401], 403: AGENT_ERRORS[403], 404: AGENT_ERRORS[404], 422: AGENT_ERRORS[422] },
    handler: async ({ params, actor }) => answer(200, { success: true as const, data: presentAgent(await findAgent(core, params.agentId, actor)), message: 'ok' }),
  });

  table.add({
    method: 'post',
    path: '/agents/:agentId/run',
    summary: 'Run an agent (start its workflow) and stream the run',
    description:
      'An event stream of `data: {json}` chunks, each with a string `content` and a `metadata` object whose `kind` says what it is (`run_info`, `agent_step`, `agent_thinking_step`, `status_update`, `final_response`, `usage`). ' +
      'A pause the HITL decision endpoint can settle is an `agent_step` chunk with `metadata.hitl` `{required: true, decision: "pending", request_id, timeout_at, timeout_seconds}`; the stream stays open and carries the decision once it is made through any face. ' +
      'It ends with the `final_response` chunk and `data: [DONE]`. The run id is in the `X-Run-Id` header.',
    params: AgentParams,
    body: AgentRunBody,
    responses: { 200: { description: "The run's event stream", kind: 'sse' }, ...AGENT_ERRORS },
    handler: async ({ params, body, actor, req, res }) => {
      const agent = await findAgent(core, params.agentId, actor);
      const { task, state } = taskAndState(body.input);
      const userId = body.user_id ?? body.memory_user_id;
      const { run } = await core.runs.start({ workflow: agent.name, task, state, waitMs: 0, ...(userId ? { userId } : {}) }, actor);
      req.log.info({ runId: run.run_id, workflow: agent.name }, 'AIP run started');
      res.setHeader('X-Run-Id', run.run_id);
      await streamAipRun(core, new SseStream(req, res, live), run, actor, req.log);
      return WRITTEN;
    },
  });

  for (const write of AGENT_WRITES) {
    table.add({
      ...write,
      ...(write.path.includes(':agentId') ? { params: AgentParams } : {}),
      responses: { 405: { description: 'Agents are workflows: change them through /v1/workflows', schema: AipError }, 401: AGENT_ERRORS[401], 422: AGENT_ERRORS[422] },
      handler: ({ req }) =>
        answer(
          405,
          {
            success: false as const,
            error: 'MethodNotAllowed',
            message: `${req.method} ${req.path}: holdpoint's agents are its workflows; register or retire one with POST/DELETE /v1/workflows`,
          },
          { Allow: 'GET' },
        ),
    });
  }
}

async function findAgent(core: Core, id: string, caller: Principal): Promise<ListedDefinition> {
  const found = (await core.definitions.list(caller)).find((d) => matchesAgent(id, d.name));
  if (!found) throw new HoldpointError(ErrorType.NotFound, `agent ${id} not found: GET /agents/ lists the workflows this gateway runs`, { agent_id: id });
  return found;
}

/**
 * AIP's `input` is a message. It is the run's task; when it is a JSON object, it is the run's state
 * instead (its `task` key, if any, the task), so workflows with an input schema can be run too.
 */
export function taskAndState(input: string): { task: string; state: Record<string, unknown> } {
  const trimmed = input.trim();
  if (trimmed.startsWith('{')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const { task, ...state } = value as Record<string, unknown>;
        return { task: typeof task === 'string' && task ? task : input, state };
      }
    } catch {
      // Not JSON: a message that starts with a brace.
    }
  }
  return { task: input, state: {} };
}
