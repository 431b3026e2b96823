import { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import {
  AgentOsComponent,
  AgentOsComponentConfig,
  AgentOsComponentPage,
  ComponentConfigParams,
  ComponentCreate,
  ComponentParams,
  ComponentsQuery,
  ConfigCreate,
} from '../../src/contracts/http/agentos';
import type { Principal } from '../../src/contracts/principal';
import type { Core, ResolvedDefinition } from '../../src/core';
import { answer, WRITTEN, type RouteTable } from '../route';
import { errorAnswers } from './errors';
import { AgentOsError, epoch, notFound } from './http';

/**
 * AgentOS components are the definitions registered at runtime (the same registry as `POST
 * /v1/workflows`): a component is a workflow, its id the definition's name, each config a version.
 * Definitions loaded at start-up are workflows but not components (AgentOS' code-defined workflows).
 */
export function componentRoutes(table: RouteTable, core: Core): void {
  table.add({
    method: 'get',
    path: '/components',
    summary: 'Workflow components: the definitions registered at runtime, paged',
    query: ComponentsQuery,
    responses: { 200: { description: 'A page of components', schema: AgentOsComponentPage }, ...errorAnswers(401, 422, 503) },
    handler: async ({ query, actor }) => {
      const listed = query.component_type && query.component_type !== 'workflow' ? [] : (await core.definitions.list(actor)).filter((d) => d.source === 'registered');
      const data = listed.slice((query.page - 1) * query.limit, query.page * query.limit).map((d) => ({
        component_id: d.name,
        component_type: 'workflow' as const,
        name: d.title ?? d.name,
        ...(d.description ? { description: d.description } : {}),
        ...(d.version !== undefined ? { current_version: d.version } : {}),
        created_at: epoch(d.updated_at),
        ...(d.updated_at ? { updated_at: epoch(d.updated_at) } : {}),
      }));
      return answer(200, { data, meta: { page: query.page, limit: query.limit, total_pages: Math.ceil(listed.length / query.limit), total_count: listed.length, search_time_ms: 0 } });
    },
  });

  table.add({
    method: 'post',
    path: '/components',
    summary: 'Register a holdpoint workflow definition (`config`) as a workflow component',
    body: ComponentCreate,
    responses: { 201: { description: 'The component', schema: AgentOsComponent }, ...errorAnswers(400, 401, 403, 422, 503) },
    handler: async ({ body, actor }) => {
      if (body.component_type !== 'workflow') throw new AgentOsError(400, "holdpoint's components are workflows (component_type \"workflow\")");
      if (!body.config) throw new AgentOsError(400, 'config is required: a holdpoint workflow definition');
      const definition = {
        ...body.config,
        name: body.component_id ?? body.config.name ?? slug(body.name),
        ...(body.config.title === undefined ? { title: body.name } : {}),
        ...(body.config.description === undefined && body.description ? { description: body.description } : {}),
      };
      const registered = await core.definitions.register(definition, actor, { label: body.label ?? undefined, notes: body.notes ?? undefined });
      return answer(201, component(await componentOf(core, registered.name, actor), body.metadata ?? undefined));
    },
  });

  table.add({
    method: 'get',
    path: '/components/:componentId',
    summary: 'One component',
    params: ComponentParams,
    responses: { 200: { description: 'The component', schema: AgentOsComponent }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => answer(200, component(await componentOf(core, params.componentId, actor))),
  });

  table.add({
    method: 'delete',
    path: '/components/:componentId',
    summary: 'Retire a component: no new runs start from it; runs under way finish on the version they pinned',
    params: ComponentParams,
    responses: { 204: { description: 'Retired' }, ...errorAnswers(401, 403, 404, 503) },
    handler: async ({ params, res, actor }) => {
      await componentOf(core, params.componentId, actor);
      await core.definitions.retire(params.componentId, actor);
      res.status(204).end();
      return WRITTEN;
    },
  });

  table.add({
    method: 'get',
    path: '/components/:componentId/configs',
    summary: "A component's configs: every registered version, oldest first",
    params: ComponentParams,
    responses: { 200: { description: 'The configs', schema: z.array(AgentOsComponentConfig) }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => {
      const current = await componentOf(core, params.componentId, actor);
      const versions = await Promise.all((current.history ?? []).map((v) => componentOf(core, current.definition.name, actor, v.version)));
      return answer(200, versions.map(config));
    },
  });

  table.add({
    method: 'post',
    path: '/components/:componentId/configs',
    summary: "Register a component's next version (201; an unchanged definition answers its version, 200)",
    params: ComponentParams,
    body: ConfigCreate,
    responses: {
      201: { description: 'The new config', schema: AgentOsComponentConfig },
      200: { description: 'The definition was already registered: its config', schema: AgentOsComponentConfig },
      ...errorAnswers(401, 403, 404, 422, 503),
    },
    handler: async ({ params, body, actor }) => {
      const id = params.componentId;
      const existing = await componentOf(core, id, actor);
      const definition = { ...body.config, name: id, ...(body.config.title === undefined && existing.definition.title ? { title: existing.definition.title } : {}) };
      const registered = await core.definitions.register(definition, actor, { label: body.label ?? undefined, notes: body.notes ?? undefined });
      const found = config(await componentOf(core, id, actor, registered.version));
      return registered.created ? answer(201, found) : answer(200, found);
    },
  });

  table.add({
    method: 'get',
    path: '/components/:componentId/configs/current',
    summary: "A component's current config",
    params: ComponentParams,
    responses: { 200: { description: 'The config', schema: AgentOsComponentConfig }, ...errorAnswers(401, 404, 503) },
    handler: async ({ params, actor }) => answer(200, config(await componentOf(core, params.componentId, actor))),
  });

  table.add({
    method: 'get',
    path: '/components/:componentId/configs/:version',
    summary: "One of a component's configs, by version",
    params: ComponentConfigParams,
    responses: { 200: { description: 'The config', schema: AgentOsComponentConfig }, ...errorAnswers(401, 404, 422, 503) },
    handler: async ({ params, actor }) => answer(200, config(await componentOf(core, params.componentId, actor, params.version))),
  });
}

type Registered = ResolvedDefinition & { history?: { version: number; label?: string; notes?: string; registered_at: string }[] };

/** A registered definition (a version of it); start-up definitions and unknown names are not components. */
async function componentOf(core: Core, id: string, caller: Principal, version?: number): Promise<Registered> {
  try {
    const found = await core.definitions.get(id, version, caller);
    if (found.source !== 'registered') throw notFound('Component');
    return found;
  } catch (err) {
    if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw version === undefined ? notFound('Component') : notFound('Config');
    throw err;
  }
}

function component(found: Registered, metadata?: Record<string, unknown>): z.input<typeof AgentOsComponent> {
  const history = found.history ?? [];
  const first = history[0]?.registered_at;
  const last = history[history.length - 1]?.registered_at;
  return {
    component_id: found.definition.name,
    component_type: 'workflow',
    name: found.definition.title ?? found.definition.name,
    ...(found.definition.description ? { description: found.definition.description } : {}),
    ...(found.version !== undefined ? { current_version: found.version } : {}),
    ...(metadata ? { metadata } : {}),
    created_at: epoch(first),
    ...(last ? { updated_at: epoch(last) } : {}),
    ...(found.retired ? { deleted_at: epoch(last) } : {}),
  };
}

function config(found: Registered): z.input<typeof AgentOsComponentConfig> {
  const entry = found.history?.find((v) => v.version === found.version);
  return {
    component_id: found.definition.name,
    version: found.version ?? 1,
    ...(entry?.label ? { label: entry.label } : {}),
    stage: 'published',
    config: found.definition,
    ...(entry?.notes ? { notes: entry.notes } : {}),
    created_at: epoch(entry?.registered_at),
  };
}

/** AgentOS makes a component id from its name when none is given. */
function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(s) ? s.slice(0, 64) : `w-${s}`.slice(0, 64);
}
