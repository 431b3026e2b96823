import type { z } from 'zod';
import type { Step } from '../../src/contracts/definition';
import { IdParams, M8tesAgent, M8tesAgentPage, PageQuery } from '../../src/contracts/http/m8tes';
import { numericId } from '../../src/contracts/numeric-id';
import type { ListedDefinition } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { M8TES_ERRORS } from './errors';
import { agentsById, findAgent } from './lookup';
import type { M8tesOptions } from './options';

/**
 * m8tes' agents ("teammates") are holdpoint's workflows: the integer id is `numericId(name)` (the same
 * on every gateway), and `runs.create(teammate_id=...)` starts one. Agents are defined as workflow
 * definitions (`POST /v1/workflows`), so this face only lists and reads them.
 */
export function agentRoutes(table: RouteTable, options: M8tesOptions): void {
  const { core } = options;

  table.add({
    method: 'get',
    path: '/agents/',
    summary: 'List agents: the workflows this gateway runs, with integer ids',
    query: PageQuery,
    responses: { 200: { description: 'A page of agents', schema: M8tesAgentPage }, 401: M8TES_ERRORS[401], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ query, actor }) => {
      const all = [...(await agentsById(core, actor)).values()].map(presentAgent);
      const from = query.starting_after === undefined ? 0 : all.findIndex((a) => a.id === query.starting_after) + 1;
      const data = all.slice(from, from + query.limit);
      const hasMore = from + query.limit < all.length;
      return answer(200, { data, has_more: hasMore, next_starting_after: hasMore ? data[data.length - 1]!.id : null });
    },
  });

  table.add({
    method: 'get',
    path: '/agents/:id',
    summary: 'Read an agent',
    params: IdParams,
    responses: { 200: { description: 'The agent', schema: M8tesAgent }, 401: M8TES_ERRORS[401], 404: M8TES_ERRORS[404], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ params, actor }) => answer(200, presentAgent(await findAgent(core, params.id, actor))),
  });
}

function presentAgent(listed: ListedDefinition): z.input<typeof M8tesAgent> {
  const agentSteps = listed.definition ? stepsOf(listed.definition.steps).filter((s) => s.type === 'agent') : [];
  const first = agentSteps[0];
  return {
    id: numericId(listed.name),
    name: listed.name,
    instructions: first && first.type === 'agent' ? first.instructions : (listed.description ?? null),
    tools: agentSteps.flatMap((s) => (s.type === 'agent' ? (s.tools ?? []).map((t) => t.name) : [])),
    role: listed.title ?? null,
    goals: listed.description ?? null,
    user_id: null,
    metadata: { workflow: listed.name, source: listed.source, hash: listed.hash, ...(listed.version ? { version: listed.version } : {}) },
    allowed_senders: null,
    default_permission_mode: 'autonomous',
    status: 'enabled',
    can_execute: true,
    can_manage: false,
    created_at: listed.updated_at ?? '',
    updated_at: listed.updated_at ?? null,
  };
}

function stepsOf(steps: readonly Step[]): Step[] {
  const out: Step[] = [];
  for (const step of steps) {
    out.push(step);
    if (step.type === 'condition') {
      for (const branch of Object.values(step.branches)) out.push(...stepsOf(branch));
      if (step.otherwise) out.push(...stepsOf(step.otherwise));
    }
  }
  return out;
}
