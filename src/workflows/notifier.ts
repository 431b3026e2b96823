import { CancellationScope, log, proxyLocalActivities } from '@temporalio/workflow';
import { isNotableEvent, isTerminalEvent } from '../contracts/event-types';
import { NOTIFY_ACTIVITY, type NotifiedEvent, type NotifyActivities, type PauseNotice, type RunNotice } from '../contracts/notify';
import type { Pause } from '../contracts/run';
import { canonicalJson } from '../lib/digest';
import type { RunState } from './run-state';

/** Large pause context is cut in notifications, as in the memo (the full pause is one GET away). */
const CONTEXT_LIMIT = 2_000;

const activities = proxyLocalActivities<NotifyActivities>({
  summary: 'notify subscribers',
  startToCloseTimeout: '30s',
  // Until it gets through: a notification is handed off at least once, however long Temporal is away.
  retry: { initialInterval: '250ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * Hands the run's notable events to the notify activity (webhooks, Slack, the cross-run feed), in
 * order and at least once. One local activity per batch: it adds a marker to history, no task round
 * trip. Batches are chained, so a slow hand-off never lets a later event overtake an earlier one.
 */
export class Notifier {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly run: RunState) {}

  /** Sends whatever notable events were recorded since the last flush. Never throws; never blocks. */
  flush(): void {
    const events = this.run.data.events.filter((e) => e.seq > (this.run.data.notified_seq ?? 0));
    if (events.length === 0) return;
    this.run.data.notified_seq = events[events.length - 1]!.seq;
    const notable = events.filter((e) => isNotableEvent(e.type));
    if (notable.length === 0) return;
    const batch: NotifiedEvent[] = notable.map((event) => {
      const pause = event.request_id ? this.run.findPause(event.request_id) : undefined;
      const closed = isTerminalEvent(event.type) ? this.run.data.pauses.filter((p) => p.status === 'cancelled') : [];
      return {
        event,
        ...(pause ? { pause: pauseNotice(pause) } : {}),
        ...(closed.length > 0 ? { closed_pauses: closed.map(pauseNotice) } : {}),
      };
    });
    const input = { run: this.runNotice(), events: batch };
    this.chain = this.chain.then(() =>
      // Never cancelled with the run: the cancellation itself is news.
      CancellationScope.nonCancellable(async () => {
        try {
          await activities[NOTIFY_ACTIVITY](input);
        } catch (err) {
          // Only a bug gets here (retries are unlimited); the run goes on without this notification.
          log.error('notification could not be handed off', { runId: this.run.runId, error: String(err) });
        }
      }),
    );
  }

  /** Resolves once every batch is handed off; await it before the run ends or continues as new. */
  drain(): Promise<void> {
    return this.chain;
  }

  private runNotice(): RunNotice {
    const { input } = this.run;
    return {
      run_id: this.run.runId,
      workflow: this.run.workflow,
      status: this.run.status,
      task: input.task.slice(0, 200),
      ...(input.customer ? { customer: input.customer } : {}),
      ...(input.user_id ? { user_id: input.user_id } : {}),
      ...(input.started_by ? { started_by: input.started_by } : {}),
      started_at: input.started_at,
    };
  }
}

function pauseNotice(pause: Pause): PauseNotice {
  const decision = pause.decision;
  return {
    request_id: pause.request_id,
    step: pause.step,
    type: pause.type,
    ...(pause.title ? { title: pause.title } : {}),
    message: pause.message,
    ...(pause.options ? { options: pause.options } : {}),
    assignees: [...pause.assignees],
    status: pause.status,
    created_at: pause.created_at,
    ...(pause.timeout_at ? { timeout_at: pause.timeout_at } : {}),
    on_timeout: pause.on_timeout,
    digest: pause.digest,
    ...(pause.context !== undefined ? { context: capped(pause.context) } : {}),
    ...(decision
      ? {
          decision: {
            value: capped(decision.value),
            ...(decision.by ? { by: decision.by } : {}),
            at: decision.at,
            ...(decision.comment ? { comment: decision.comment } : {}),
            channel: decision.channel,
            ...(decision.via ? { via: decision.via } : {}),
          },
        }
      : {}),
    ...(pause.slack_channels ? { slack_channels: pause.slack_channels } : {}),
  };
}

function capped(value: unknown): unknown {
  const bytes = canonicalJson(value).length;
  return bytes > CONTEXT_LIMIT ? { _truncated: true, _bytes: bytes } : value;
}
