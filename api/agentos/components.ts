import { Router } from 'express';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Principal } from '../../src/contracts/principal';
import type { Core, ResolvedDefinition } from '../../src/core';
import { actor } from '../auth';
import { AgentOsError, epoch, notFound, validate } from './http';
import { ComponentCreate, ComponentsQuery, ConfigCreate } from './schemas';

/**
 * AgentOS components are the definitions registered at runtime (the same registry as `POST
 * /v1/workflows`): a component is a workflow, its id the definition's name, each config a version.
 * Definitions loaded at start-up are workflows but not components (AgentOS' code-defined workflows).
 */
export function componentRoutes(core: Core): Router {
  const router = Router();

  router.get('/components', async (req, res) => {
    const query = validate(ComponentsQuery, req.query, 'query');
    const listed = query.component_type && query.component_type !== 'workflow' ? [] : (await core.definitions.list(actor(req))).filter((d) => d.source === 'registered');
    const data = listed.slice((query.page - 1) * query.limit, query.page * query.limit).map((d) => ({
      component_id: d.name,
      component_type: 'workflow',
      name: d.title ?? d.name,
      ...(d.description ? { description: d.description } : {}),
      ...(d.version !== undefined ? { current_version: d.version } : {}),
      created_at: epoch(d.updated_at),
      ...(d.updated_at ? { updated_at: epoch(d.updated_at) } : {}),
    }));
    res.json({ data, meta: { page: query.page, limit: query.limit, total_pages: Math.ceil(listed.length / query.limit), total_count: listed.length, search_time_ms: 0 } });
  });

  router.post('/components', async (req, res) => {
    const body = validate(ComponentCreate, req.body, 'body');
    if (body.component_type !== 'workflow') throw new AgentOsError(400, "holdpoint's components are workflows (component_type \"workflow\")");
    if (!body.config) throw new AgentOsError(400, 'config is required: a holdpoint workflow definition');
    const definition = {
      ...body.config,
      name: body.component_id ?? body.config.name ?? slug(body.name),
      ...(body.config.title === undefined ? { title: body.name } : {}),
      ...(body.config.description === undefined && body.description ? { description: body.description } : {}),
    };
    const caller = actor(req);
    const registered = await core.definitions.register(definition, caller, { label: body.label ?? undefined, notes: body.notes ?? undefined });
    res.status(201).json(component(await componentOf(core, registered.name, caller), body.metadata ?? undefined));
  });

  router.get('/components/:componentId', async (req, res) => {
    res.json(component(await componentOf(core, String(req.params.componentId), actor(req))));
  });

  router.delete('/components/:componentId', async (req, res) => {
    const caller = actor(req);
    await componentOf(core, String(req.params.componentId), caller);
    await core.definitions.retire(String(req.params.componentId), caller);
    res.status(204).end();
  });

  router.get('/components/:componentId/configs', async (req, res) => {
    const caller = actor(req);
    const current = await componentOf(core, String(req.params.componentId), caller);
    const versions = await Promise.all((current.history ?? []).map((v) => componentOf(core, current.definition.name, caller, v.version)));
    res.json(versions.map(config));
  });

  router.post('/components/:componentId/configs', async (req, res) => {
    const body = validate(ConfigCreate, req.body, 'body');
    const caller = actor(req);
    const id = String(req.params.componentId);
    const existing = await componentOf(core, id, caller);
    const definition = { ...body.config, name: id, ...(body.config.title === undefined && existing.definition.title ? { title: existing.definition.title } : {}) };
    const registered = await core.definitions.register(definition, caller, { label: body.label ?? undefined, notes: body.notes ?? undefined });
    res.status(registered.created ? 201 : 200).json(config(await componentOf(core, id, caller, registered.version)));
  });

  router.get('/components/:componentId/configs/current', async (req, res) => {
    res.json(config(await componentOf(core, String(req.params.componentId), actor(req))));
  });

  router.get('/components/:componentId/configs/:version', async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version < 1) {
      throw new AgentOsError(422, [{ type: 'int_parsing', loc: ['path', 'version'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: req.params.version }]);
    }
    res.json(config(await componentOf(core, String(req.params.componentId), actor(req), version)));
  });

  return router;
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

function component(found: Registered, metadata?: Record<string, unknown>): Record<string, unknown> {
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

function config(found: Registered): Record<string, unknown> {
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
