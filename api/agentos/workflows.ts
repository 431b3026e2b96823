import { Router } from 'express';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { validate } from './http';
import { workflowOf } from './lookup';
import { configResponse, workflowDetail, workflowSummary } from './present-workflows';
import { VersionQuery } from './schemas';

/** `GET /config`, `GET /workflows`, `GET /workflows/{id}`: every definition a run can start from. */
export function workflowRoutes(core: Core): Router {
  const router = Router();

  router.get('/config', async (req, res) => {
    const listed = await core.definitions.list(actor(req));
    res.json(configResponse(listed.map(workflowSummary)));
  });

  router.get('/workflows', async (req, res) => {
    const listed = await core.definitions.list(actor(req));
    // Definitions loaded at start-up first, then registered ones (AgentOS: code workflows, then components).
    res.json([...listed.filter((d) => d.source === 'static'), ...listed.filter((d) => d.source === 'registered')].map(workflowSummary));
  });

  router.get('/workflows/:workflowId', async (req, res) => {
    const { version } = validate(VersionQuery, req.query, 'query');
    res.json(workflowDetail(await workflowOf(core, String(req.params.workflowId), version, actor(req))));
  });

  return router;
}
