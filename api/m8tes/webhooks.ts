import type { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { DeliveriesQuery, IdParams, M8tesWebhook, type M8tesWebhookDelivery, M8tesWebhookDeliveryPage, M8tesWebhookPage, PageQuery, UserScopeQuery, WebhookBody, WebhookPatchBody } from '../../src/contracts/http/m8tes';
import { numericId } from '../../src/contracts/numeric-id';
import type { Principal } from '../../src/contracts/principal';
import type { DeliveryRecord, Webhook, WebhookEventType } from '../../src/contracts/webhooks';
import type { Core } from '../../src/core';
import { answer, WRITTEN, type RouteTable } from '../route';
import { M8TES_ERRORS, refusal } from './errors';
import type { M8tesOptions } from './options';

/** m8tes' default subscription: the ends of runs (`run.started` and `run.awaiting_input` are opt-in). */
const DEFAULT_EVENTS: WebhookEventType[] = ['run.completed', 'run.failed', 'run.cancelled'];

/**
 * `/webhooks/`: holdpoint's webhooks (the hub entity workflow, per-run delivery workflows) with m8tes'
 * signature (`Webhook-Signature: v1=<hex>`) and body (`{event, run_id: <int>, data: {status, ...}}`).
 * Integer ids are aliases of the `wh_…` ids. `user_id` scopes a webhook to one end user's runs; without
 * it, a webhook made here hears the account's own runs (m8tes keeps the scopes apart).
 */
export function webhookRoutes(table: RouteTable, options: M8tesOptions): void {
  const { core } = options;
  const scoped = { 401: M8TES_ERRORS[401], 403: M8TES_ERRORS[403], 404: M8TES_ERRORS[404], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] };

  table.add({
    method: 'post',
    path: '/webhooks/',
    summary: "Register a webhook (m8tes' signature and body); `events` defaults to the ends of runs",
    body: WebhookBody,
    responses: { 201: { description: 'The webhook, with its signing secret (shown once)', schema: M8tesWebhook }, 401: M8TES_ERRORS[401], 403: M8TES_ERRORS[403], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ body, actor }) => {
      const { webhook } = await core.webhooks
        .create({ url: body.url, events: body.events ?? DEFAULT_EVENTS, signature: 'm8tes' }, actor, undefined, { user_id: body.user_id ?? undefined, dialect: 'm8tes' })
        .catch(asValidation);
      return answer(201, presentWebhook(webhook));
    },
  });

  table.add({
    method: 'get',
    path: '/webhooks/',
    summary: "List webhooks: an end user's (`user_id`), or the account's",
    query: PageQuery,
    responses: { 200: { description: 'A page of webhooks', schema: M8tesWebhookPage }, 401: M8TES_ERRORS[401], 403: M8TES_ERRORS[403], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ query, actor }) => {
      const all = (await core.webhooks.list(actor)).filter((w) => (w.user_id ?? undefined) === query.user_id).map(presentWebhook);
      const from = query.starting_after === undefined ? 0 : all.findIndex((w) => w.id === query.starting_after) + 1;
      const data = all.slice(from, from + query.limit);
      const hasMore = from + query.limit < all.length;
      return answer(200, { data, has_more: hasMore, next_starting_after: hasMore ? data[data.length - 1]!.id : null });
    },
  });

  table.add({
    method: 'get',
    path: '/webhooks/:id',
    summary: 'Read a webhook (in the scope given)',
    params: IdParams,
    query: UserScopeQuery,
    responses: { 200: { description: 'The webhook', schema: M8tesWebhook }, ...scoped },
    handler: async ({ params, query, actor }) => answer(200, presentWebhook(await findWebhook(core, params.id, query.user_id, actor))),
  });

  table.add({
    method: 'patch',
    path: '/webhooks/:id',
    summary: 'Change a webhook: url, events, active; `rotate_secret` issues a new secret',
    params: IdParams,
    query: UserScopeQuery,
    body: WebhookPatchBody,
    responses: { 200: { description: 'The webhook as changed', schema: M8tesWebhook }, ...scoped },
    handler: async ({ params, query, body, actor }) => {
      const webhook = await findWebhook(core, params.id, query.user_id, actor);
      const changes = {
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(body.events !== undefined ? { events: body.events } : {}),
        ...(body.active !== undefined ? { active: body.active } : {}),
        ...(body.rotate_secret ? { rotate_secret: true } : {}),
      };
      if (Object.keys(changes).length === 0) return answer(200, presentWebhook(webhook));
      return answer(200, presentWebhook(await core.webhooks.update(webhook.id, changes, actor).catch(asValidation)));
    },
  });

  table.add({
    method: 'delete',
    path: '/webhooks/:id',
    summary: 'Remove a webhook',
    params: IdParams,
    query: UserScopeQuery,
    responses: { 204: { description: 'Removed', kind: 'empty' }, ...scoped },
    handler: async ({ params, query, actor, res }) => {
      const webhook = await findWebhook(core, params.id, query.user_id, actor);
      await core.webhooks.delete(webhook.id, actor);
      res.status(204).end();
      return WRITTEN;
    },
  });

  table.add({
    method: 'get',
    path: '/webhooks/:id/deliveries',
    summary: "A webhook's deliveries, newest first",
    params: IdParams,
    query: DeliveriesQuery,
    responses: { 200: { description: 'A page of deliveries', schema: M8tesWebhookDeliveryPage }, ...scoped },
    handler: async ({ params, query, actor }) => {
      const webhook = await findWebhook(core, params.id, query.user_id, actor);
      const page = await core.webhooks.deliveries(webhook.id, { limit: query.limit, ...(query.starting_after ? { cursor: query.starting_after.slice(2) } : {}) }, actor);
      return answer(200, {
        data: page.deliveries.map((d) => presentDelivery(d, params.id)),
        has_more: page.next_cursor !== null,
        next_starting_after: page.next_cursor ? `c_${page.next_cursor}` : null,
      });
    },
  });
}

/** The webhook an integer id names, in the scope the caller gives (404 in another scope). */
async function findWebhook(core: Core, id: number, userId: string | undefined, caller: Principal): Promise<Webhook> {
  const found = (await core.webhooks.list(caller)).find((w) => numericId(w.id) === id);
  if (!found || (found.user_id ?? undefined) !== userId) {
    throw refusal(ErrorType.NotFound, 'webhook_not_found', `Webhook ${id} not found${userId ? ` for user ${userId}` : ''}`, { webhook_id: id });
  }
  return found;
}

function presentWebhook(webhook: Webhook): z.input<typeof M8tesWebhook> {
  return {
    id: numericId(webhook.id),
    url: webhook.url,
    events: webhook.events,
    ...(webhook.secret ? { secret: webhook.secret } : {}),
    active: webhook.active,
    created_at: webhook.created_at,
    updated_at: webhook.updated_at,
    user_id: webhook.user_id ?? null,
    holdpoint_id: webhook.id,
  };
}

function presentDelivery(delivery: DeliveryRecord, webhookId: number): z.input<typeof M8tesWebhookDelivery> {
  return {
    id: numericId(delivery.message_id),
    webhook_endpoint_id: webhookId,
    event_type: delivery.event_type,
    event_id: delivery.message_id,
    run_id: numericId(delivery.run_id),
    status: delivery.status,
    response_status_code: delivery.response_status ?? null,
    response_body: delivery.response_excerpt ?? delivery.error ?? null,
    attempts: delivery.attempts,
    next_retry_at: delivery.next_retry_at ?? null,
    created_at: delivery.created_at,
    delivered_at: delivery.delivered_at ?? null,
    holdpoint_run_id: delivery.run_id,
  };
}

/** The core names fields bare (`url`); the face says where they were. */
function asValidation(err: unknown): never {
  if (err instanceof HoldpointError && err.type === ErrorType.InvalidRequest && typeof err.details.field === 'string' && !err.details.field.startsWith('body.')) {
    throw refusal(ErrorType.InvalidRequest, 'validation_error', `body.${err.message}`, { ...err.details, field: `body.${err.details.field}` });
  }
  throw err;
}
