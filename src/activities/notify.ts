import type { Client } from '@temporalio/client';
import type { BusEvent, RunEvent } from '../contracts/events';
import { busPartitionOf, busWorkflowId, EVENT_BUS_WORKFLOW_TYPE, publishSignal } from '../contracts/event-bus';
import { NOTIFY_ACTIVITY, type NotifiedEvent, type NotifyActivities, type NotifyInput, type PauseNotice } from '../contracts/notify';
import { SLACK_THREAD_WORKFLOW_TYPE, slackNoticeSignal, slackThreadWorkflowId, type SlackEdit, type SlackNotice, type SlackNoticeKind } from '../contracts/slack';
import { deliveryWorkflowId, enqueueDeliveriesSignal, WEBHOOK_DELIVERY_WORKFLOW_TYPE, type DeliverySettings } from '../contracts/webhook-messages';
import { assigneeKeys } from '../lib/assignees';
import { capped } from '../lib/digest';
import type { Logger } from '../logger';
import { webhookJobs } from '../webhooks/payloads';
import { SubscriptionCache } from './subscriptions';

/** An edited output larger than this reaches Slack as a marker with its size (as a pause's context does). */
const EDIT_LIMIT = 2_000;

export interface NotifyDeps {
  client: Client;
  taskQueue: string;
  subscriptions: SubscriptionCache;
  busPartitions: number;
  delivery: DeliverySettings;
  /** Slack is on when a bot token is configured; `channels` get every pause that names none. */
  slack: { enabled: boolean; defaultChannels: readonly string[] };
  logger: Logger;
}

/**
 * The notify activity (a local activity of every run): hands a batch of the run's notable events to
 * whoever listens — each subscribed webhook's delivery workflow, the Slack thread of each pause that
 * goes to Slack, and the event bus while a gateway follows the cross-run feed. Every hand-off is a
 * signal-with-start, so the receiving workflow exists afterwards; a retry repeats them harmlessly
 * (receivers drop what they already have).
 */
export function createNotifyActivities(deps: NotifyDeps): NotifyActivities {
  return {
    [NOTIFY_ACTIVITY]: async (input: NotifyInput) => {
      const hub = await deps.subscriptions.current();
      const handoffs: Promise<unknown>[] = [];
      let bus = 0;
      let webhooks = 0;
      let slack = 0;

      if (SubscriptionCache.listening(hub)) {
        for (const [partition, events] of byPartition(input, deps.busPartitions)) {
          bus += 1;
          handoffs.push(
            deps.client.workflow.signalWithStart(EVENT_BUS_WORKFLOW_TYPE, {
              workflowId: busWorkflowId(deps.taskQueue, partition),
              taskQueue: deps.taskQueue,
              args: [{ partition }],
              signal: publishSignal,
              signalArgs: [events],
              staticSummary: `cross-run event feed, partition ${partition}`,
            }),
          );
        }
      }

      for (const webhook of hub.webhooks) {
        const jobs = webhookJobs(webhook, input.run, input.events);
        if (jobs.length === 0) continue;
        webhooks += 1;
        handoffs.push(
          deps.client.workflow.signalWithStart(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
            workflowId: deliveryWorkflowId(deps.taskQueue, webhook.id, input.run.run_id),
            taskQueue: deps.taskQueue,
            args: [{ webhook_id: webhook.id, run_id: input.run.run_id, settings: deps.delivery }],
            signal: enqueueDeliveriesSignal,
            signalArgs: [jobs],
            staticSummary: `webhook ${webhook.id} deliveries for run ${input.run.run_id}`,
          }),
        );
      }

      if (deps.slack.enabled) {
        for (const [requestId, { channels, notices }] of slackNotices(input, deps.slack.defaultChannels)) {
          slack += 1;
          handoffs.push(
            deps.client.workflow.signalWithStart(SLACK_THREAD_WORKFLOW_TYPE, {
              workflowId: slackThreadWorkflowId(deps.taskQueue, requestId),
              taskQueue: deps.taskQueue,
              args: [{ request_id: requestId, channels }],
              signal: slackNoticeSignal,
              signalArgs: [notices],
              staticSummary: `Slack messages of ${requestId}`,
            }),
          );
        }
      }

      await Promise.all(handoffs);
      return { bus, webhooks, slack };
    },
  };
}

function byPartition(input: NotifyInput, partitions: number): Map<number, BusEvent[]> {
  const partition = busPartitionOf(input.run.run_id, partitions);
  const events = input.events.map((n) => busEvent(input, n));
  return new Map([[partition, events]]);
}

function busEvent(input: NotifyInput, { event, pause }: NotifiedEvent): BusEvent {
  const from = Array.isArray(event.data?.from) ? (event.data.from as string[]) : [];
  const assignees = pause ? [...new Set([...assigneeKeys(pause.assignees), ...(from.length > 0 ? assigneeKeys(from) : [])])] : undefined;
  return {
    ...event,
    run_id: input.run.run_id,
    workflow: input.run.workflow,
    ...(input.run.customer ? { customer: input.run.customer } : {}),
    ...(assignees ? { assignees } : {}),
  };
}

/** An output review's edit as its `voted` event tells it (behavior 5), the output cut as the pause's context is. */
function slackEdit(event: RunEvent): SlackEdit {
  const data = event.data ?? {};
  const output = (data.value as { edit?: unknown } | undefined)?.edit;
  return {
    ...(typeof data.by === 'string' ? { by: data.by } : {}),
    at: event.at,
    output: capped(output ?? null, EDIT_LIMIT),
    count: Number(data.count ?? 1),
    needed: Number(data.needed ?? 1),
  };
}

/** Slack notices per pause, for pauses that go to Slack. */
function slackNotices(input: NotifyInput, defaultChannels: readonly string[]): Map<string, { channels: string[]; notices: SlackNotice[] }> {
  const out = new Map<string, { channels: string[]; notices: SlackNotice[] }>();
  const add = (kind: SlackNoticeKind, n: NotifiedEvent, pause: PauseNotice, edit?: SlackEdit) => {
    const channels = pause.slack_channels ?? [...defaultChannels];
    if (channels.length === 0) return;
    const entry = out.get(pause.request_id) ?? { channels, notices: [] };
    entry.notices.push({ kind, event: n.event, pause, run: input.run, ...(edit ? { edit } : {}) });
    out.set(pause.request_id, entry);
  };
  for (const n of input.events) {
    const { event, pause } = n;
    if (pause) {
      if (event.type === 'paused') add('requested', n, pause);
      else if (event.type === 'reminded') add('reminded', n, pause);
      else if (event.type === 'escalated') add('escalated', n, pause);
      else if (event.type === 'voted' && event.data?.edited === true) add('edited', n, pause, slackEdit(event));
      else if (event.type === 'decided') add('settled', n, pause);
      else if (event.type === 'timed_out' && !pause.decision) add('settled', n, pause);
    }
    for (const closed of n.closed_pauses ?? []) add('settled', n, closed);
  }
  return out;
}
