import { z } from 'zod';
import { WorkflowName } from './definition';
import { WEBHOOK_EVENT_TYPES, type DeliveryStatus, type SignatureSchemeName } from './webhook-messages';

export * from './webhook-messages';

export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/**
 * How deliveries are signed: `standard` is Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256>`); `m8tes` is m8tes' variant (`Webhook-Signature:
 * v1=<hex HMAC-SHA256 of "{id}.{timestamp}.{body}">`).
 */
export const SignatureScheme = z.enum(['standard', 'm8tes'] satisfies SignatureSchemeName[]);
export type SignatureScheme = z.infer<typeof SignatureScheme>;

export const WebhookUrl = z
  .string()
  .max(2_048)
  .url('must be an absolute http(s) URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

/** `POST /v1/webhooks`. */
export const WebhookCreate = z.strictObject({
  url: WebhookUrl,
  /** @default every event type in holdpoint's own names (not m8tes' `run.awaiting_input` alias) */
  events: z.array(WebhookEventType).min(1, 'must name at least one event type').max(WEBHOOK_EVENT_TYPES.length).optional(),
  /** Only runs of this workflow. @default every workflow */
  workflow: WorkflowName.optional(),
  /** @default true */
  active: z.boolean().optional(),
  /** @default "standard" */
  signature: SignatureScheme.optional(),
  description: z.string().max(500).optional(),
});
export type WebhookCreate = z.infer<typeof WebhookCreate>;

/** `PATCH /v1/webhooks/{id}`: any of the create fields; `workflow: null` clears the filter; `rotate_secret` issues a new secret. */
export const WebhookPatch = z
  .strictObject({
    url: WebhookUrl.optional(),
    events: WebhookCreate.shape.events,
    workflow: WorkflowName.nullable().optional(),
    active: z.boolean().optional(),
    signature: SignatureScheme.optional(),
    description: z.string().max(500).nullable().optional(),
    rotate_secret: z.boolean().optional(),
  })
  .refine((p) => Object.keys(p).length > 0, { message: 'must change at least one field', path: [] });
export type WebhookPatch = z.infer<typeof WebhookPatch>;

/** A webhook as the API shows it; `secret` only in the answer that creates or rotates it. */
export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(WebhookEventType),
  workflow: z.string().nullable(),
  active: z.boolean(),
  signature: SignatureScheme,
  description: z.string().nullable(),
  /** The end user whose runs alone reach it (webhooks made through the m8tes face with a `user_id`). */
  user_id: z.string().optional(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  secret: z.string().optional(),
});
export type Webhook = z.infer<typeof Webhook>;

/** A delivery's status, as filters take it. */
export const DeliveryStatusName = z.enum(['pending', 'delivering', 'delivered', 'failed', 'skipped'] satisfies DeliveryStatus[]);
