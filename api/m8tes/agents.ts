import { Router } from 'express';
import type { Step } from '../../src/contracts/definition';
import { numericId } from '../../src/contracts/numeric-id';
import type { ListedDefinition } from '../../src/core';
import { actor } from '../auth';
import { parse } from './errors';
import { agentsById, findAgent } from './lookup';
import type { M8tesOptions } from './options';
import { IdParams, PageQuery } from './schemas';

/**
 * m8tes' agents ("teammates") are holdpoint's workflows: the integer id is `numericId(name)` (the same
 * on every gateway), and `runs.create(teammate_id=...)` starts one. Agents are defined as workflow
 * definitions (`POST /v1/workflows`), so this face only lists and reads them.
 */
export function agentRoutes(options: M8tesOptions): Router {
  const { core } = options;
  const router = Router();

  router.get('/agents', async (req, res) => {
    const query = parse(PageQuery, req.query, 'query');
    const all = [...(await agentsById(core, actor(req))).values()].map(presentAgent);
    const from = query.starting_after === undefined ? 0 : all.findIndex((a) => a.id === query.starting_after) + 1;
    const data = all.slice(from, from + query.limit);
    const hasMore = from + query.limit < all.length;
    res.json({ data, has_more: hasMore, next_starting_after: hasMore ? data[data.length - 1]!.id : null });
  });

  router.get('/agents/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(presentAgent(await findAgent(core, id, actor(req))));
  });

  return router;
}

function presentAgent(listed: ListedDefinition) {
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
