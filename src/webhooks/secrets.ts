import { createHmac } from 'node:crypto';
import type { WebhookRecord } from '../contracts/webhook-messages';

/**
 * A webhook's signing secret, derived from the deployment's secret key (HOLDPOINT_SECRET_KEY), the
 * webhook's id and its secret generation. Nothing stores it: the gateway derives it once to show it
 * at creation (or rotation), the worker derives it to sign. Rotating bumps the generation.
 */
export function webhookSecret(secretKey: string, webhook: Pick<WebhookRecord, 'id' | 'secret_generation'>): string {
  const raw = createHmac('sha256', secretKey).update(`holdpoint webhook secret\n${webhook.id}\n${webhook.secret_generation}`).digest();
  // Standard Webhooks' format: "whsec_" + base64 of the key bytes.
  return `whsec_${raw.toString('base64')}`;
}
