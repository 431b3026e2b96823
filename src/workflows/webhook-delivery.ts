import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
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

/** How long the workflow waits for more of the run's events before it ends (a later one starts it again). */
const IDLE_AFTER_RUN_END = 5 * 60_000;
const IDLE = 60 * 60_000;
/** Messages kept for redelivery; a run rarely has more than a few dozen. */
const KEPT_JOBS = 200;
const HISTORY_LIMIT = 2_000;
const RUN_END_EVENTS = new Set(['run.completed', 'run.failed', 'run.cancelled']);

/**
 * Delivers one webhook's events of one run, one at a time and in the run's order: a slow or absent
 * receiver holds up only this run's deliveries to it. Each delivery is an activity retried with
 * backoff for as long as the webhook's retry policy says; the log is the memo (listed without asking
 * a worker) and the `getDeliveries` query.
 */
export async function holdpointWebhookDelivery(input: DeliveryWorkflowInput): Promise<DeliveryRecord[]> {
  const { settings } = input;
  const queue: WebhookJob[] = input.carried?.queue ?? [];
  const log: DeliveryRecord[] = input.carried?.log ?? [];
  let jobs: WebhookJob[] = input.carried?.jobs ?? [];
  const record = (messageId: string) => log.find((r) => r.message_id === messageId);
  let lastMemo = '';
  const publishLog = (): void => {
    const memo = JSON.stringify(log);
    if (memo === lastMemo) return;
    lastMemo = memo;
    upsertMemo({ [DELIVERY_MEMO_KEY]: { webhook_id: input.webhook_id, run_id: input.run_id, deliveries: log } });
  };

  const deliver = proxyActivities<DeliverActivities>({
    summary: `deliver to webhook ${input.webhook_id}`,
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: settings.give_up_after_ms,
    retry: {
      initialInterval: settings.initial_interval_ms,
      backoffCoefficient: 2,
      maximumInterval: settings.maximum_interval_ms,
    },
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
      publishLog();
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
      publishLog();
    },
    { description: 'Deliver a message again (same webhook-id): {"message_id": "..."}.' },
  );
  setHandler(getDeliveriesQuery, () => log, { description: 'Every message of this run for this webhook, with its outcome.' });

  for (;;) {
    const runEnded = log.some((r) => RUN_END_EVENTS.has(r.event_type) && r.status !== 'pending' && r.status !== 'delivering');
    const busy = await condition(() => queue.length > 0 || tooLong(), runEnded ? IDLE_AFTER_RUN_END : IDLE);
    if (!busy) break;
    if (queue.length === 0) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof holdpointWebhookDelivery>({ ...input, carried: { queue, log, jobs } });
    }
    const job = queue.shift()!;
    const entry = record(job.message_id)!;
    entry.status = 'delivering';
    publishLog();
    try {
      const outcome = await deliver({ ...job, webhook_id: input.webhook_id });
      Object.assign(entry, {
        status: outcome.status,
        attempts: entry.attempts + outcome.attempts,
        ...(outcome.response_status !== undefined ? { response_status: outcome.response_status } : {}),
        ...(outcome.response_excerpt !== undefined ? { response_excerpt: outcome.response_excerpt } : {}),
        ...(outcome.reason ? { error: outcome.reason } : {}),
        delivered_at: new Date().toISOString(),
      });
    } catch (err) {
      const failure = lastAttempt(err);
      Object.assign(entry, {
        status: 'failed',
        attempts: entry.attempts + (failure.attempt ?? 1),
        error: failure.message,
        ...(failure.response_status !== undefined ? { response_status: failure.response_status } : {}),
        ...(failure.response_excerpt !== undefined ? { response_excerpt: failure.response_excerpt } : {}),
      });
    }
    publishLog();
  }
  await condition(allHandlersFinished);
  return log;
}

function tooLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_LIMIT;
}

/** What the last attempt of a delivery that gave up reported. */
function lastAttempt(err: unknown): DeliveryFailureDetails & { message: string; attempt?: number } {
  let cause: unknown = err instanceof ActivityFailure ? err.cause : err;
  let prefix = '';
  if (cause instanceof TimeoutFailure) {
    prefix = 'gave up retrying: ';
    cause = cause.cause ?? cause;
  }
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as DeliveryFailureDetails & { attempt?: number };
    return { ...details, message: `${prefix}${cause.message}` };
  }
  return { message: `${prefix}${cause instanceof Error ? cause.message : String(cause)}` };
}
