import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { SignatureSchemeName } from '../contracts/webhook-messages';

/**
 * The headers that sign one delivery attempt. `standard`: Standard Webhooks (what its libraries
 * verify). `m8tes`: m8tes' variant, `Webhook-Signature: v1=<hex HMAC-SHA256(secret, "{id}.{ts}.{body}")>`
 * with the secret's text as the key (what `m8tes.Webhooks.verify_signature` checks).
 */
export function signatureHeaders(scheme: SignatureSchemeName, secret: string, messageId: string, at: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000).toString();
  if (scheme === 'm8tes') {
    const hex = createHmac('sha256', secret).update(`${messageId}.${timestamp}.${body}`).digest('hex');
    return { 'Webhook-Id': messageId, 'Webhook-Timestamp': timestamp, 'Webhook-Signature': `v1=${hex}` };
  }
  return {
    'webhook-id': messageId,
    'webhook-timestamp': timestamp,
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}
