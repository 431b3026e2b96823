import { Router } from 'express';
import type { Core } from '../src/core';

/** Liveness (the process answers) and readiness (Temporal answers; workers are reported). */
export function healthRouter(core: Core): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { temporal, workers } = await core.readiness();
    res.status(temporal ? 200 : 503).json({
      status: temporal ? 'ready' : 'unavailable',
      temporal,
      task_queue: core.taskQueue,
      workers,
      ...(temporal && workers === 0 ? { warning: `no worker polls task queue "${core.taskQueue}"; runs will not progress` } : {}),
    });
  });
  return router;
}
