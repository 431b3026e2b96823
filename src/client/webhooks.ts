import { path, type Http } from './http';
import { Paginated } from './paging';
import type { DeliveriesQuery, Delivery, DeliveryPage, Webhook, WebhookCreateBody, WebhookDeleted, WebhookList, WebhookPatchBody } from './types';

/** Webhooks (admin): register, read, change (rotate the secret), delete, and the delivery log. */
export class Webhooks {
  constructor(private readonly http: Http) {}

  /** Registers a webhook; the answer shows its signing secret, once. `replayed`: an earlier request with this key made it. */
  async create(body: WebhookCreateBody, options: { idempotencyKey?: string } = {}): Promise<Webhook & { replayed: boolean }> {
    const answer = await this.http.exchange<Webhook>({ method: 'POST', path: '/webhooks', headers: { 'idempotency-key': options.idempotencyKey }, body });
    return { ...answer.body, replayed: answer.headers.get('idempotent-replayed') === 'true' };
  }

  async list(): Promise<Webhook[]> {
    return (await this.http.json<WebhookList>({ method: 'GET', path: '/webhooks' })).data;
  }

  get(id: string): Promise<Webhook> {
    return this.http.json({ method: 'GET', path: path`/webhooks/${id}` });
  }

  /** Changes a webhook; `rotate_secret: true` issues a new secret (shown in the answer). */
  update(id: string, patch: WebhookPatchBody): Promise<Webhook> {
    return this.http.json({ method: 'PATCH', path: path`/webhooks/${id}`, body: patch });
  }

  delete(id: string): Promise<WebhookDeleted> {
    return this.http.json({ method: 'DELETE', path: path`/webhooks/${id}` });
  }

  /** The webhook's delivery log, newest first, across pages. */
  deliveries(id: string, query: DeliveriesQuery = {}): Paginated<Delivery, DeliveryPage> {
    return new Paginated((cursor) => this.http.json<DeliveryPage>({ method: 'GET', path: path`/webhooks/${id}/deliveries`, query: { ...query, cursor } }));
  }

  /** Delivers a message again (same `webhook-id`, so receivers can drop duplicates). */
  redeliver(id: string, messageId: string, options: { runId?: string } = {}): Promise<Delivery> {
    return this.http.json({ method: 'POST', path: path`/webhooks/${id}/deliveries/${messageId}/redeliver`, body: options.runId ? { run_id: options.runId } : {} });
  }
}
