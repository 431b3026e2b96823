import { Router } from 'express';
import { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { numericId } from '../../src/contracts/numeric-id';
import type { Principal } from '../../src/contracts/principal';
import type { DeliveryRecord, Webhook, WebhookEventType } from '../../src/contracts/webhooks';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { parse, refusal } from './errors';
import type { M8tesOptions } from './options';
import { IdParams, PageQuery, UserId, UserScopeQuery, WebhookBody, WebhookPatchBody } from './schemas';

/** m8tes' default subscription: the ends of runs (`run.started` and `run.awaiting_input` are opt-in). */
const DEFAULT_EVENTS: WebhookEventType[] = ['run.completed', 'run.failed', 'run.cancelled'];

const DeliveriesQuery = z.looseObject({
  user_id: UserId.optional(),
  limit: z.coerce.number({ error: 'must be an integer' }).int().min(1, 'must be 1-100').max(100, 'must be 1-100').default(20),
  starting_after: z.string().regex(/^c_/, 'must be the next_starting_after of the previous page').optional(),
});

/**
 * `/webhooks/`: holdpoint's webhooks (the hub entity workflow, per-run delivery workflows) with m8tes'
 * signature (`Webhook-Signature: v1=<hex>`) and body (`{event, run_id: <int>, data: {status, ...}}`).
 * Integer ids are aliases of the `wh_…` ids. `user_id` scopes a webhook to one end user's runs; without
 * it, a webhook made here hears the account's own runs (m8tes keeps the scopes apart).
 */
export function webhookRoutes(options: M8tesOptions): Router {
  const { core } = options;
  const router = Router();

  router.post('/webhooks', async (req, res) => {
    const body = parse(WebhookBody, req.body, 'body');
    const { webhook } = await core.webhooks
      .create({ url: body.url, events: body.events ?? DEFAULT_EVENTS, signature: 'm8tes' }, actor(req), undefined, { user_id: body.user_id ?? undefined, dialect: 'm8tes' })
      .catch(asValidation);
    res.status(201).json(presentWebhook(webhook));
  });

  router.get('/webhooks', async (req, res) => {
    const query = parse(PageQuery, req.query, 'query');
    const all = (await core.webhooks.list(actor(req))).filter((w) => (w.user_id ?? undefined) === query.user_id).map(presentWebhook);
    const from = query.starting_after === undefined ? 0 : all.findIndex((w) => w.id === query.starting_after) + 1;
    const data = all.slice(from, from + query.limit);
    const hasMore = from + query.limit < all.length;
    res.json({ data, has_more: hasMore, next_starting_after: hasMore ? data[data.length - 1]!.id : null });
  });

  router.get('/webhooks/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    res.json(presentWebhook(await findWebhook(core, id, user_id, actor(req))));
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    const patch = parse(WebhookPatchBody, req.body, 'body');
    const caller = actor(req);
    const webhook = await findWebhook(core, id, user_id, caller);
    const changes = {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: patch.events } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.rotate_secret ? { rotate_secret: true } : {}),
    };
    if (Object.keys(changes).length === 0) return void res.json(presentWebhook(webhook));
    res.json(presentWebhook(await core.webhooks.update(webhook.id, changes, caller).catch(asValidation)));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { user_id } = parse(UserScopeQuery, req.query, 'query');
    const caller = actor(req);
    const webhook = await findWebhook(core, id, user_id, caller);
    await core.webhooks.delete(webhook.id, caller);
    res.status(204).end();
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(DeliveriesQuery, req.query, 'query');
    const caller = actor(req);
    const webhook = await findWebhook(core, id, query.user_id, caller);
    const page = await core.webhooks.deliveries(webhook.id, { limit: query.limit, ...(query.starting_after ? { cursor: query.starting_after.slice(2) } : {}) }, caller);
    res.json({
      data: page.deliveries.map((d) => presentDelivery(d, id)),
      has_more: page.next_cursor !== null,
      next_starting_after: page.next_cursor ? `c_${page.next_cursor}` : null,
    });
  });

  return router;
}

/** The webhook an integer id names, in the scope the caller gives (404 in another scope). */
async function findWebhook(core: Core, id: number, userId: string | undefined, caller: Principal): Promise<Webhook> {
  const found = (await core.webhooks.list(caller)).find((w) => numericId(w.id) === id);
  if (!found || (found.user_id ?? undefined) !== userId) {
    throw refusal(ErrorType.NotFound, 'webhook_not_found', `Webhook ${id} not found${userId ? ` for user ${userId}` : ''}`, { webhook_id: id });
  }
  return found;
}

function presentWebhook(webhook: Webhook) {
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

function presentDelivery(delivery: DeliveryRecord, webhookId: number) {
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
