import { createHash } from 'node:crypto';
import type { NotifiedEvent, RunNotice } from '../contracts/notify';
import { numericId } from '../contracts/numeric-id';
import { allWebhookEventsFor, type WebhookEventType, type WebhookJob, type WebhookRecord } from '../contracts/webhook-messages';

/** The messages one batch of a run's events makes for one webhook (none when it is not subscribed). */
export function webhookJobs(webhook: WebhookRecord, run: RunNotice, events: readonly NotifiedEvent[]): WebhookJob[] {
  if (!webhook.active || (webhook.workflow && webhook.workflow !== run.workflow)) return [];
  if (!reachesScope(webhook, run)) return [];
  const jobs: WebhookJob[] = [];
  for (const notified of events) {
    for (const type of allWebhookEventsFor(notified.event)) {
      if (!webhook.events.includes(type)) continue;
      jobs.push({
        message_id: messageId(webhook.id, run.run_id, notified.event.seq, type),
        event_type: type,
        run_id: run.run_id,
        seq: notified.event.seq,
        created_at: notified.event.at,
        body: webhook.signature === 'm8tes' ? m8tesBody(type, run, notified, webhook.dialect === 'm8tes') : standardBody(type, run, notified),
      });
    }
  }
  return jobs;
}

/** The end user a run acts for (its `user_id`). */
function endUserOf(run: RunNotice): string | undefined {
  return run.user_id;
}

/** An end user's webhook hears only that end user's runs; an m8tes account webhook only the account's own. */
function reachesScope(webhook: WebhookRecord, run: RunNotice): boolean {
  const endUser = endUserOf(run);
  if (webhook.user_id !== undefined) return endUser === webhook.user_id;
  return !(webhook.dialect === 'm8tes' && endUser !== undefined);
}

/** The same on every retry and redelivery, so receivers can drop a message they already handled. */
export function messageId(webhookId: string, runId: string, seq: number, type: WebhookEventType): string {
  return `msg_${createHash('sha256').update(`${webhookId}\n${runId}\n${seq}\n${type}`).digest('base64url').slice(0, 27)}`;
}

/** Standard Webhooks' recommended envelope: `{type, timestamp, data}`. */
function standardBody(type: WebhookEventType, run: RunNotice, { event, pause }: NotifiedEvent) {
  return {
    type,
    timestamp: event.at,
    data: {
      run_id: run.run_id,
      workflow: run.workflow,
      run: describeRun(run),
      event,
      ...(pause ? { approval: describePause(pause) } : {}),
    },
  };
}

/**
 * m8tes' shape: `{event, run_id, data: {status, ...}}` with its run statuses. Webhooks made through the
 * m8tes face (`dialect: "m8tes"`) name the run by its integer alias, as m8tes' receivers look runs up
 * (`GET /runs/{id}`); the holdpoint run id is in `data.holdpoint_run_id` either way.
 */
function m8tesBody(type: WebhookEventType, run: RunNotice, { event, pause }: NotifiedEvent, integerIds: boolean) {
  const endUser = endUserOf(run);
  return {
    event: type,
    run_id: integerIds ? numericId(run.run_id) : run.run_id,
    data: {
      status: run.status === 'paused' ? 'awaiting_approval' : run.status,
      holdpoint_run_id: run.run_id,
      workflow: run.workflow,
      teammate_id: numericId(run.workflow),
      ...(endUser ? { user_id: endUser } : {}),
      event,
      ...(pause ? { approval: describePause(pause) } : {}),
    },
  };
}

function describeRun(run: RunNotice) {
  return {
    status: run.status,
    task: run.task,
    ...(run.customer ? { customer: run.customer } : {}),
    ...(run.started_by ? { started_by: run.started_by } : {}),
    started_at: run.started_at,
  };
}

function describePause(pause: NonNullable<NotifiedEvent['pause']>) {
  const { slack_channels: _channels, ...shown } = pause;
  return shown;
}
