import { Router } from 'express';
import { z } from 'zod';
import { RunEventType } from '../../src/contracts/events';
import type { Core } from '../../src/core';
import { assigneeKeys, keysFor } from '../../src/lib/assignees';
import { actor } from '../auth';
import type { StreamRegistry } from '../streaming/registry';
import { SseStream, wantsEventStream } from '../streaming/sse';
import { parse } from '../validate';
import { RunParams } from './params';
import { EventsQueryParams, Label } from './schemas';

export interface LiveRouteOptions {
  heartbeatMs: number;
  registry: StreamRegistry;
}

const LastEventId = z.coerce.number().int().min(0, 'must be an event sequence number').optional();

const CrossRunQuery = z.strictObject({
  workflow: Label.optional(),
  /** Event types, comma-separated (`paused,decided`). */
  type: z
    .string()
    .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
    .pipe(z.array(RunEventType, { error: 'must be event types, comma-separated' }))
    .optional(),
  assignee: z
    .union([z.literal('mine'), z.string().regex(/^(user:|group:)?[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'must be "mine", a principal, "user:<id>" or "group:<id>"')])
    .optional(),
  cursor: z.string().min(1).max(1_000).optional(),
});

/** Live events: one run's (SSE, or a JSON page), and every run's notable ones (SSE). */
export function eventRoutes(core: Core, live: LiveRouteOptions): Router {
  const router = Router();

  router.get('/workflow-runs/:runId/events', async (req, res) => {
    const { runId } = parse(RunParams, req.params, 'params');
    const caller = actor(req);
    if (!wantsEventStream(req)) {
      const { after, limit } = parse(EventsQueryParams, req.query, 'query');
      const events = await core.runs.events(runId, caller, after, limit);
      res.json({ data: events, next_after: events.at(-1)?.seq ?? after });
      return;
    }
    const query = parse(EventsQueryParams, req.query, 'query');
    const lastEventId = parse(LastEventId, req.get('last-event-id'), 'headers');
    const after = lastEventId ?? query.after;
    const { workflow } = await core.runs.identify(runId, caller);
    const stream = new SseStream(req, res, live);
    try {
      for await (const event of core.feed.events(runId, workflow, after, stream.signal)) {
        await stream.send({ id: event.seq, event: event.type, data: event });
      }
      stream.close('end of the run');
    } catch (err) {
      req.log.warn({ err, runId }, 'run event stream failed');
      stream.close('stream failed; reconnect with Last-Event-ID');
    }
  });

  router.get('/events', async (req, res) => {
    const caller = actor(req);
    const query = parse(CrossRunQuery, req.query, 'query');
    await core.runs.authorizeRead(caller);
    const resumeFrom = req.get('last-event-id') ?? query.cursor;
    const cursor = resumeFrom ? core.crossRun.parseCursor(resumeFrom, req.get('last-event-id') ? 'headers.last-event-id' : 'query.cursor') : undefined;
    const filter = {
      workflow: query.workflow,
      types: query.type,
      assignees: query.assignee === undefined ? undefined : query.assignee === 'mine' ? keysFor(caller.id, caller.groups) : assigneeKeys([query.assignee]),
    };
    const hubVersion = await core.crossRun.ready();
    const stream = new SseStream(req, res, live);
    await stream.send({ event: 'ready', data: { hub_version: hubVersion, filter } });
    try {
      for await (const item of core.crossRun.events(filter, cursor, stream.signal)) {
        if (item.kind === 'gap') await stream.send({ id: item.cursor, event: 'gap', data: { partition: item.partition, missed: item.missed } });
        else await stream.send({ id: item.cursor, event: item.event.type, data: item.event });
      }
      stream.close();
    } catch (err) {
      req.log.warn({ err }, 'cross-run event stream failed');
      stream.close('stream failed; reconnect with Last-Event-ID');
    }
  });

  return router;
}
