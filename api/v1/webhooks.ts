import { Router } from 'express';
import { z } from 'zod';
import { DeliveryStatusName, WebhookCreate, WebhookPatch } from '../../src/contracts/webhooks';
import type { Core } from '../../src/core';
import { actor } from '../auth';
import { parse } from '../validate';
import { IdempotencyKey } from './params';

const WebhookParams = z.object({ id: z.string().regex(/^wh_[A-Za-z0-9_-]{1,40}$/, 'must be a webhook id ("wh_...")') });
const DeliveryParams = WebhookParams.extend({ messageId: z.string().regex(/^msg_[A-Za-z0-9_-]{1,60}$/, 'must be a message id ("msg_...")') });
const DeliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(4_000).optional(),
  status: DeliveryStatusName.optional(),
});
const RedeliverBody = z.strictObject({ run_id: z.string().min(1).max(255).optional() }).optional();

/** Webhooks: register, change (incl. rotating the secret), delete, and the delivery log with redelivery. */
export function webhookRoutes(core: Core): Router {
  const router = Router();

  router.post('/webhooks', async (req, res) => {
    const body = parse(WebhookCreate, req.body, 'body');
    const key = parse(IdempotencyKey, req.get('idempotency-key'), 'headers');
    const { webhook, created } = await core.webhooks.create(body, actor(req), key);
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    res.status(created ? 201 : 200).json(webhook);
  });

  router.get('/webhooks', async (req, res) => {
    res.json({ data: await core.webhooks.list(actor(req)) });
  });

  router.get('/webhooks/:id', async (req, res) => {
    const { id } = parse(WebhookParams, req.params, 'params');
    res.json(await core.webhooks.get(id, actor(req)));
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const { id } = parse(WebhookParams, req.params, 'params');
    const patch = parse(WebhookPatch, req.body, 'body');
    res.json(await core.webhooks.update(id, patch, actor(req)));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    const { id } = parse(WebhookParams, req.params, 'params');
    res.json({ deleted: true, webhook: await core.webhooks.delete(id, actor(req)) });
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const { id } = parse(WebhookParams, req.params, 'params');
    const query = parse(DeliveriesQuery, req.query, 'query');
    const page = await core.webhooks.deliveries(id, query, actor(req));
    res.json({ data: page.deliveries, has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
  });

  router.post('/webhooks/:id/deliveries/:messageId/redeliver', async (req, res) => {
    const { id, messageId } = parse(DeliveryParams, req.params, 'params');
    const body = parse(RedeliverBody, req.body, 'body');
    res.status(202).json(await core.webhooks.redeliver(id, messageId, body?.run_id, actor(req)));
  });

  return router;
}
