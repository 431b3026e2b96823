import { Router } from 'express';
import { z } from 'zod';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { parse } from '../validate';
import { NameParams } from './params';
import { presentDefinition, presentListed } from './present';

const VersionQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });
const ListQuery = z.strictObject({ retired: z.enum(['true', 'false']).optional() });
const RegisterQuery = z.strictObject({
  label: z.string().min(1).max(64).optional(),
  notes: z.string().max(2_000).optional(),
});

/** The definitions a caller can start: those loaded at start-up, and those registered at runtime (every version kept). */
export function workflowRoutes(core: Core): Router {
  const router = Router();

  router.get('/workflows', async (req, res) => {
    const { retired } = parse(ListQuery, req.query, 'query');
    const listed = await core.definitions.list(actor(req), { includeRetired: retired === 'true' });
    res.json({ data: listed.map(presentListed) });
  });

  router.get('/workflows/:name', async (req, res) => {
    const { name } = parse(NameParams, req.params, 'params');
    const { version } = parse(VersionQuery, req.query, 'query');
    res.json(presentDefinition(await core.definitions.get(name, version, actor(req))));
  });

  router.post('/workflows', async (req, res) => {
    const meta = parse(RegisterQuery, req.query, 'query');
    const result = await core.definitions.register(req.body, actor(req), meta);
    res.status(result.created ? 201 : 200).json(result);
  });

  router.delete('/workflows/:name', async (req, res) => {
    const { name } = parse(NameParams, req.params, 'params');
    res.json(await core.definitions.retire(name, actor(req)));
  });

  return router;
}
