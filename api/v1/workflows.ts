import { Router } from 'express';
import type { Core } from '../../src/core';
import { authorize } from '../../src/core/authorize';
import { actor } from '../auth';
import { parse } from '../validate';
import { NameParams } from './params';
import { presentWorkflow } from './present';

/** The definitions a caller can start. */
export function workflowRoutes(core: Core): Router {
  const router = Router();
  router.get('/workflows', (req, res) => {
    authorize(actor(req), 'read');
    res.json({ data: core.catalog.list().map((entry) => presentWorkflow(entry, false)) });
  });
  router.get('/workflows/:name', (req, res) => {
    authorize(actor(req), 'read');
    const { name } = parse(NameParams, req.params, 'params');
    res.json(presentWorkflow(core.catalog.get(name), true));
  });
  return router;
}
