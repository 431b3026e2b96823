import { z } from 'zod';
import { CrossRunQuery, EventPage, EventsQueryParams, LastEventHeaders, RunParams } from '../../src/contracts/http/v1';
import type { Core } from '../../src/core';
import { assigneeKeys, keysFor } from '../../src/lib/assignees';
import { answer, WRITTEN, type RouteTable } from '../route';
import type { StreamRegistry } from '../streaming/registry';
import { SseStream, wantsEventStream } from '../streaming/sse';
import { parse } from '../validate';
import { V1_ERRORS } from './errors';

export interface LiveRouteOptions {
  heartbeatMs: number;
  registry: StreamRegistry;
}

const LastEventId = z.coerce.number().int().min(0, 'must be an event sequence number').optional();

/** Live events: one run's (SSE, or a JSON page), and every run's notable ones (SSE). */
export function eventRoutes(table: RouteTable, core: Core, live: LiveRouteOptions): void {
  table.add({
    method: 'get',
    path: '/workflow-runs/:runId/events',
    summary: "A run's numbered events: a JSON page, or (Accept: text/event-stream) live until it ends",
    description: 'Streams resume after `Last-Event-ID` (or `after`): every event has its sequence number as its SSE id.',
    params: RunParams,
    query: EventsQueryParams,
    headers: LastEventHeaders,
    responses: { 200: { description: 'A page of events (JSON), or the live stream', schema: EventPage, sse: true }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403], 404: V1_ERRORS[404] },
    handler: async ({ params, query, headers, req, res, actor }) => {
      if (!wantsEventStream(req)) {
        const events = await core.runs.events(params.runId, actor, query.after, query.limit);
        return answer(200, { data: events, next_after: events.at(-1)?.seq ?? query.after });
      }
      const after = parse(LastEventId, headers['last-event-id'], 'headers') ?? query.after;
      const { workflow } = await core.runs.identify(params.runId, actor);
      const stream = new SseStream(req, res, live);
      try {
        for await (const event of core.feed.events(params.runId, workflow, after, stream.signal)) {
          await stream.send({ id: event.seq, event: event.type, data: event });
        }
        stream.close('end of the run');
      } catch (err) {
        req.log.warn({ err, runId: params.runId }, 'run event stream failed');
        stream.close('stream failed; reconnect with Last-Event-ID');
      }
      return WRITTEN;
    },
  });

  table.add({
    method: 'get',
    path: '/events',
    summary: "Every run's notable events, live (SSE), filtered by workflow, type and assignee (`mine`)",
    description: 'The first frame is `ready`; each event id is a cursor to resume from (`Last-Event-ID` or `cursor`); `gap` says events were missed.',
    query: CrossRunQuery,
    headers: LastEventHeaders,
    responses: { 200: { description: 'The live stream', kind: 'sse' }, 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] },
    handler: async ({ query, headers, req, res, actor }) => {
      await core.runs.authorizeRead(actor);
      const lastEventId = headers['last-event-id'];
      const resumeFrom = lastEventId ?? query.cursor;
      const cursor = resumeFrom ? core.crossRun.parseCursor(resumeFrom, lastEventId ? 'headers.last-event-id' : 'query.cursor') : undefined;
      const filter = {
        workflow: query.workflow,
        types: query.type,
        assignees: query.assignee === undefined ? undefined : query.assignee === 'mine' ? keysFor(actor.id, actor.groups) : assigneeKeys([query.assignee]),
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
      return WRITTEN;
    },
  });
}
