import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  DELIVER_ACTIVITY,
  DELIVERY_MEMO_KEY,
  enqueueDeliveriesSignal,
  getDeliveriesQuery,
  redeliverSignal,
  type DeliverActivities,
  type DeliveryFailureDetails,
  type DeliveryRecord,
  type DeliveryWorkflowInput,
  type WebhookJob,
} from '../contracts/webhook-messages';

/**
 * How long the workflow stays for redelivery requests once the run's last event is delivered, and how
 * long it lives at most while the run goes on (a later event starts it again). One timer each, not one
 * per wait: every history event costs the server a write.
 */
const LINGER_AFTER_RUN_END = 60_000;
const LIFETIME = 24 * 3_600_000;
/** Messages kept for redelivery; a run rarely has more than a few dozen. */
const KEPT_JOBS = 200;
const HISTORY_LIMIT = 2_000;
const RUN_END_EVENTS = new Set(['run.completed', 'run.failed', 'run.cancelled']);

/**
 * Delivers one webhook's events of one run, one at a time and in the run's order: a slow or absent
 * receiver holds up only this run's deliveries to it. Each attempt is a local activity (a successful
 * delivery costs the server one history event, not an activity task's round trip); between attempts
 * the workflow waits on a durable timer with exponential backoff, for as long as the retry policy
 * says, so attempts, errors and the next retry time are part of its state. The log is the memo
 * (listed without a worker) and the `getDeliveries` query.
 */
export async function holdpointWebhookDelivery(input: DeliveryWorkflowInput): Promise<DeliveryRecord[]> {
  const { settings } = input;
  const queue: WebhookJob[] = input.carried?.queue ?? [];
  const log: DeliveryRecord[] = input.carried?.log ?? [];
  let jobs: WebhookJob[] = input.carried?.jobs ?? [];
  const record = (messageId: string) => log.find((r) => r.message_id === messageId);
  let lastMemo = '';
  /** Written once per outcome (the log of a closed workflow); the queue of a running one is read by query. */
  const publishLog = (): void => {
    const memo = JSON.stringify(log);
    if (memo === lastMemo) return;
    lastMemo = memo;
    upsertMemo({ [DELIVERY_MEMO_KEY]: { webhook_id: input.webhook_id, run_id: input.run_id, deliveries: log } });
  };

  // One attempt per call: the workflow owns the retries (and shows them).
  const attempt = proxyLocalActivities<DeliverActivities>({
    summary: `deliver to webhook ${input.webhook_id}`,
    startToCloseTimeout: '60s',
    retry: { maximumAttempts: 1 },
  })[DELIVER_ACTIVITY];

  setHandler(
    enqueueDeliveriesSignal,
    (incoming) => {
      for (const job of incoming) {
        if (record(job.message_id)) continue; // a retried hand-off
        queue.push(job);
        jobs.push(job);
        log.push({
          message_id: job.message_id,
          webhook_id: input.webhook_id,
          event_type: job.event_type,
          run_id: job.run_id,
          seq: job.seq,
          status: 'pending',
          attempts: 0,
          created_at: job.created_at,
        });
      }
      queue.sort((a, b) => a.seq - b.seq);
      if (jobs.length > KEPT_JOBS) jobs = jobs.slice(jobs.length - KEPT_JOBS);
    },
    { description: 'Queue messages for delivery, in the run\'s order; a message already queued is ignored.' },
  );
  setHandler(
    redeliverSignal,
    ({ message_id }) => {
      const entry = record(message_id);
      const job = jobs.find((j) => j.message_id === message_id);
      if (!entry || !job || entry.status === 'pending' || entry.status === 'delivering') return;
      entry.status = 'pending';
      entry.redeliveries = (entry.redeliveries ?? 0) + 1;
      queue.push(job);
    },
    { description: 'Deliver a message again (same webhook-id): {"message_id": "..."}.' },
  );
  setHandler(getDeliveriesQuery, () => log, { description: 'Every message of this run for this webhook, with its outcome.' });

  let expired = false;
  void sleep(LIFETIME, { summary: 'delivery lifetime: stop retrying this run\'s messages' }).then(() => (expired = true));
  let lingering = false;
  for (;;) {
    const runEnded = log.some((r) => RUN_END_EVENTS.has(r.event_type) && r.status !== 'pending' && r.status !== 'delivering');
    if (runEnded && !lingering) {
      lingering = true;
      void sleep(LINGER_AFTER_RUN_END, { summary: 'linger after the run ended (late redeliveries)' }).then(() => (expired = true));
    }
    await condition(() => queue.length > 0 || expired || tooLong());
    if (queue.length === 0 && expired) break;
    if (queue.length === 0) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof holdpointWebhookDelivery>({ ...input, carried: { queue, log, jobs } });
    }
    const job = queue.shift()!;
    await deliverWithRetries(job, record(job.message_id)!);
    publishLog();
  }
  await condition(allHandlersFinished);
  return log;

  /** Attempts until delivered, skipped, refused for good, or the retry policy gives up. */
  async function deliverWithRetries(job: WebhookJob, entry: DeliveryRecord): Promise<void> {
    const first = Date.now();
    entry.status = 'delivering';
    delete entry.next_retry_at;
    for (let n = 1; ; n++) {
      entry.attempts += 1;
      try {
        const outcome = await attempt({ ...job, webhook_id: input.webhook_id });
        Object.assign(entry, {
          status: outcome.status,
          ...(outcome.response_status !== undefined ? { response_status: outcome.response_status } : {}),
          ...(outcome.response_excerpt !== undefined ? { response_excerpt: outcome.response_excerpt } : {}),
          ...(outcome.reason ? { error: outcome.reason } : {}),
          delivered_at: new Date().toISOString(),
        });
        if (outcome.status === 'delivered') delete entry.error;
        delete entry.next_retry_at;
        return;
      } catch (err) {
        const failure = lastAttempt(err);
        Object.assign(entry, {
          error: failure.message,
          ...(failure.response_status !== undefined ? { response_status: failure.response_status } : {}),
          ...(failure.response_excerpt !== undefined ? { response_excerpt: failure.response_excerpt } : {}),
        });
        const delay = Math.min(settings.maximum_interval_ms, settings.initial_interval_ms * 2 ** (n - 1));
        if (failure.final || Date.now() + delay - first > settings.give_up_after_ms) {
          entry.status = 'failed';
          delete entry.next_retry_at;
          return;
        }
        entry.next_retry_at = new Date(Date.now() + delay).toISOString();
        publishLog();
        await sleep(delay, { summary: `retry ${entry.event_type} (${entry.message_id}), attempt ${entry.attempts + 1}` });
      }
    }
  }
}

function tooLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_LIMIT;
}

/** What a failed attempt reported, and whether trying again is pointless (a refused target). */
function lastAttempt(err: unknown): DeliveryFailureDetails & { message: string; final: boolean } {
  const cause: unknown = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as DeliveryFailureDetails;
    return { ...details, message: cause.message, final: cause.nonRetryable === true };
  }
  if (cause instanceof TimeoutFailure) return { message: 'the attempt timed out', final: false };
  return { message: cause instanceof Error ? cause.message : String(cause), final: false };
}
