import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses requests older than this; so do we (replays). */
const MAX_AGE_SECONDS = 5 * 60;

/**
 * Slack's request signing: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<ts>:<raw body>")>`
 * with `X-Slack-Request-Timestamp: <ts>`. Returns why a request fails, or undefined when it is Slack's.
 */
export function slackSignatureProblem(signingSecret: string, body: Buffer, timestamp: string | undefined, signature: string | undefined, now = Date.now()): string | undefined {
  if (!timestamp || !signature) return 'missing X-Slack-Signature or X-Slack-Request-Timestamp';
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return 'X-Slack-Request-Timestamp is not a number';
  if (Math.abs(now / 1000 - ts) > MAX_AGE_SECONDS) return 'the request is older than five minutes';
  const expected = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return 'the signature does not match';
  return undefined;
}
