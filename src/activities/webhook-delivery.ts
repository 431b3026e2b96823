import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Metrics } from '../contracts/metrics';
import { DELIVER_ACTIVITY, type DeliverActivities, type DeliveryFailureDetails, type DeliveryOutcome, type WebhookJob } from '../contracts/webhook-messages';
import { webhookSecret } from '../webhooks/secrets';
import { signatureHeaders } from '../webhooks/signing';
import type { TargetPolicy } from '../webhooks/targets';
import type { SubscriptionCache } from './subscriptions';

export interface DeliveryDeps {
  subscriptions: SubscriptionCache;
  /** HOLDPOINT_SECRET_KEY: webhook secrets are derived from it. */
  secretKey: string | undefined;
  targets: TargetPolicy;
  /** Longest one attempt may take. */
  timeoutMs: number;
}

const EXCERPT = 500;

/** What a failed attempt counts as in `holdpoint_webhook_deliveries`, by its failure type. */
const FAILED_OUTCOMES: Record<string, string> = {
  WebhookNotConfigured: 'unconfigured',
  WebhookTargetRefused: 'refused',
  WebhookUnreachable: 'unreachable',
  WebhookRejected: 'rejected',
};

/**
 * One delivery attempt: read the webhook as it is now (a rotated secret or a new URL applies to
 * retries too), sign the body for this attempt's time, POST it. A 2xx is delivered; anything else
 * throws, and the activity's retry policy tries again with backoff.
 */
export function createDeliveryActivities(deps: DeliveryDeps): DeliverActivities {
  return {
    [DELIVER_ACTIVITY]: async (job) => {
      // Each attempt is counted once by its outcome (the activity context's meter labels it with the worker's task queue).
      const attempts = Context.current().metricMeter.createCounter(Metrics.webhookDeliveries, undefined, 'Webhook delivery attempts, by outcome');
      try {
        const outcome = await deliver(job, deps);
        attempts.add(1, { outcome: outcome.status });
        return outcome;
      } catch (err) {
        const type = err instanceof ApplicationFailure ? (err.type ?? '') : '';
        attempts.add(1, { outcome: FAILED_OUTCOMES[type] ?? 'failed' });
        throw err;
      }
    },
  };
}

async function deliver(job: WebhookJob & { webhook_id: string }, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const { attempt } = Context.current().info;
  const hub = await deps.subscriptions.current();
  const webhook = hub.webhooks.find((w) => w.id === job.webhook_id);
  if (!webhook) return { status: 'skipped', attempts: attempt, reason: 'the webhook was deleted' };
  if (!webhook.active) return { status: 'skipped', attempts: attempt, reason: 'the webhook is not active' };
  if (!deps.secretKey) {
    throw failure('HOLDPOINT_SECRET_KEY is not set on the worker; webhooks cannot be signed', 'WebhookNotConfigured', { attempt });
  }
  try {
    await deps.targets.check(webhook.url);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const forbidden = (err as { details?: { rule?: string } }).details?.rule === 'webhook_target_public';
    throw ApplicationFailure.create({ message, type: 'WebhookTargetRefused', nonRetryable: forbidden, details: [{ attempt }] });
  }
  const body = JSON.stringify(job.body);
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'holdpoint-webhooks/1',
    ...signatureHeaders(webhook.signature, webhookSecret(deps.secretKey, webhook), job.message_id, new Date(), body),
  };
  let response: { status: number; text: string };
  try {
    response = await post(webhook.url, body, headers, deps, Context.current().cancellationSignal);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw failure(`could not reach ${new URL(webhook.url).host}: ${message}`, 'WebhookUnreachable', { attempt, response_excerpt: message.slice(0, EXCERPT) });
  }
  const excerpt = response.text.slice(0, EXCERPT);
  if (response.status >= 200 && response.status < 300) {
    return { status: 'delivered', attempts: attempt, response_status: response.status, response_excerpt: excerpt };
  }
  throw failure(`the receiver answered ${response.status}`, 'WebhookRejected', { attempt, response_status: response.status, response_excerpt: excerpt });
}

function failure(message: string, type: string, details: DeliveryFailureDetails): ApplicationFailure {
  return ApplicationFailure.create({ message, type, details: [details] });
}

function post(url: string, body: string, headers: Record<string, string>, deps: DeliveryDeps, signal: AbortSignal): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((done, fail) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        lookup: deps.targets.guardedLookup(),
        timeout: deps.timeoutMs,
        signal,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          // Only the start of the answer is kept for the log.
          if (size < EXCERPT * 4) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${deps.timeoutMs} ms`)));
    req.on('error', fail);
    req.end(body);
  });
}
