import {
  DeliveriesQuery,
  DeliveryPage,
  DeliveryParams,
  DeliveryView,
  IdempotencyHeaders,
  RedeliverBody,
  WebhookCreate,
  WebhookDeleted,
  WebhookList,
  WebhookParams,
  WebhookPatch,
  WebhookView,
} from '../../src/contracts/http/v1';
import type { Core } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { V1_ERRORS } from './errors';

const ADMIN = { 400: V1_ERRORS[400], 401: V1_ERRORS[401], 403: V1_ERRORS[403] } as const;

/** Webhooks: register, change (incl. rotating the secret), delete, and the delivery log with redelivery. */
export function webhookRoutes(table: RouteTable, core: Core): void {
  table.add({
    method: 'post',
    path: '/webhooks',
    summary: 'Register a webhook (admin); the answer shows its signing secret, once',
    headers: IdempotencyHeaders,
    body: WebhookCreate,
    responses: { 201: { description: 'Registered', schema: WebhookView }, 200: { description: 'The webhook an earlier request with this idempotency key registered', schema: WebhookView }, ...ADMIN, 409: V1_ERRORS[409] },
    handler: async ({ headers, body, actor }) => {
      const { webhook, created } = await core.webhooks.create(body, actor, headers['idempotency-key']);
      return created ? answer(201, webhook) : answer(200, webhook, { 'Idempotent-Replayed': 'true' });
    },
  });

  table.add({
    method: 'get',
    path: '/webhooks',
    summary: 'Every webhook',
    responses: { 200: { description: 'The webhooks', schema: WebhookList }, ...ADMIN },
    handler: async ({ actor }) => (answer(200, { data: await core.webhooks.list(actor) })),
  });

  table.add({
    method: 'get',
    path: '/webhooks/:id',
    summary: 'One webhook',
    params: WebhookParams,
    responses: { 200: { description: 'The webhook', schema: WebhookView }, ...ADMIN, 404: V1_ERRORS[404] },
    handler: async ({ params, actor }) => (answer(200, await core.webhooks.get(params.id, actor))),
  });

  table.add({
    method: 'patch',
    path: '/webhooks/:id',
    summary: 'Change a webhook; `rotate_secret: true` issues a new secret (shown in the answer)',
    params: WebhookParams,
    body: WebhookPatch,
    responses: { 200: { description: 'The webhook as changed', schema: WebhookView }, ...ADMIN, 404: V1_ERRORS[404] },
    handler: async ({ params, body, actor }) => (answer(200, await core.webhooks.update(params.id, body, actor))),
  });

  table.add({
    method: 'delete',
    path: '/webhooks/:id',
    summary: 'Delete a webhook',
    params: WebhookParams,
    responses: { 200: { description: 'Deleted', schema: WebhookDeleted }, ...ADMIN, 404: V1_ERRORS[404] },
    handler: async ({ params, actor }) => (answer(200, { deleted: true as const, webhook: await core.webhooks.delete(params.id, actor) })),
  });

  table.add({
    method: 'get',
    path: '/webhooks/:id/deliveries',
    summary: "A webhook's delivery log (newest first), with each message's attempts and outcome",
    params: WebhookParams,
    query: DeliveriesQuery,
    responses: { 200: { description: 'A page of deliveries', schema: DeliveryPage }, ...ADMIN, 404: V1_ERRORS[404] },
    handler: async ({ params, query, actor }) => {
      const page = await core.webhooks.deliveries(params.id, query, actor);
      return answer(200, { data: page.deliveries, has_more: page.next_cursor !== null, next_cursor: page.next_cursor });
    },
  });

  table.add({
    method: 'post',
    path: '/webhooks/:id/deliveries/:messageId/redeliver',
    summary: 'Deliver a message again (same webhook-id, so receivers can drop duplicates)',
    params: DeliveryParams,
    body: RedeliverBody,
    responses: { 202: { description: 'Queued', schema: DeliveryView }, ...ADMIN, 404: V1_ERRORS[404] },
    handler: async ({ params, body, actor }) => (answer(202, await core.webhooks.redeliver(params.id, params.messageId, body?.run_id, actor))),
  });
}
