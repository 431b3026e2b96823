import { CancellationScope, log, proxyLocalActivities } from '@temporalio/workflow';
import { isNotableEvent, isTerminalEvent } from '../contracts/event-types';
import { NOTIFY_ACTIVITY, type NotifiedEvent, type NotifyActivities, type NotifyInput, type PauseNotice, type RunNotice } from '../contracts/notify';
import type { Pause } from '../contracts/run';
import { capped } from '../lib/digest';
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
 * A task activity's call with the run's notices riding on it (behavior 4): the activity gets them as
 * its last argument, and its answer says whether it passed them on; if not, the run sends them.
 */
export interface CarriedNotices {
  call<R extends { notified?: boolean }>(activity: (...notices: [NotifyInput] | []) => Promise<R>): Promise<R>;
}

/** A call with nothing riding on it. */
const NOTHING_CARRIED: CarriedNotices = { call: (activity) => activity() };

/**
 * Hands the run's notable events to the notify activity (webhooks, Slack, the cross-run feed), in
 * order and at least once. One local activity per batch: it adds a marker to history, no task round
 * trip. Batches are chained, so a slow hand-off never lets a later event overtake an earlier one.
 *
 * From behavior 4 the events that come before a task ride with the task's own activity instead
 * ({@link carry}): the workflow task that schedules it then completes without waiting for a local
 * activity. A batch is riding until that activity says it passed it on; any batch sent meanwhile
 * carries the riding events first (receivers drop what they already have), so order holds, and a
 * task that fails, is cancelled or answers without saying so leaves its batch to the next hand-off.
 * The price: those notices go out when the task's activity starts, at once with eager activity
 * execution and a free slot, later when the worker's activity slots are all busy.
 */
export class Notifier {
  private chain: Promise<void> = Promise.resolve();
  /** Local-activity batches not yet handed off: nothing rides past them. */
  private sending = 0;
  /** Batches handed to task activities that have not said they passed them on, oldest first. */
  private riding: NotifiedEvent[][] = [];

  constructor(private readonly run: RunState) {}

  /** Sends whatever notable events were recorded since the last flush. Never throws; never blocks. */
  flush(): void {
    const batch = [...this.takeRiding(), ...this.take()];
    if (batch.length === 0) return;
    this.send({ run: this.runNotice(), events: batch });
  }

  /**
   * The events since the last flush, to ride with the task activity about to be called; sent here as
   * usual (and nothing rides) before behavior 4 or while a local activity is under way.
   */
  carry(): CarriedNotices {
    if (this.run.behavior < 4 || this.sending > 0 || this.riding.length > 0) {
      this.flush();
      return NOTHING_CARRIED;
    }
    const events = this.take();
    if (events.length === 0) return NOTHING_CARRIED;
    this.riding.push(events);
    const input: NotifyInput = { run: this.runNotice(), events };
    return {
      call: async (activity) => {
        try {
          const answer = await activity(input);
          this.settle(events, answer.notified === true);
          return answer;
        } catch (err) {
          this.settle(events, false);
          throw err;
        }
      },
    };
  }

  /** A riding batch's activity answered: done if it passed the batch on, else the batch is sent here. */
  private settle(events: NotifiedEvent[], handedOff: boolean): void {
    if (!this.riding.includes(events)) return; // sent meanwhile with a later batch
    if (handedOff) this.riding = this.riding.filter((r) => r !== events);
    else this.flush();
  }

  /** Resolves once every batch is handed off; await it before the run ends or continues as new. */
  drain(): Promise<void> {
    if (this.riding.length > 0) this.flush();
    return this.chain;
  }

  /** Notable events recorded since the last batch, with what subscribers need to act on them. */
  private take(): NotifiedEvent[] {
    const events = this.run.data.events.filter((e) => e.seq > (this.run.data.notified_seq ?? 0));
    if (events.length === 0) return [];
    this.run.data.notified_seq = events[events.length - 1]!.seq;
    return events
      .filter((e) => isNotableEvent(e.type))
      .map((event) => {
        const pause = event.request_id ? this.run.findPause(event.request_id) : undefined;
        const closed = isTerminalEvent(event.type) ? this.run.data.pauses.filter((p) => p.status === 'cancelled') : [];
        return {
          event,
          ...(pause ? { pause: pauseNotice(pause) } : {}),
          ...(closed.length > 0 ? { closed_pauses: closed.map(pauseNotice) } : {}),
        };
      });
  }

  private takeRiding(): NotifiedEvent[] {
    const events = this.riding.flat();
    this.riding = [];
    return events;
  }

  private send(input: NotifyInput): void {
    this.sending += 1;
    this.chain = this.chain.then(() =>
      // Never cancelled with the run: the cancellation itself is news.
      CancellationScope.nonCancellable(async () => {
        try {
          await activities[NOTIFY_ACTIVITY](input);
        } catch (err) {
          // Only a bug gets here (retries are unlimited); the run goes on without this notification.
          log.error('notification could not be handed off', { runId: this.run.runId, error: String(err) });
        } finally {
          this.sending -= 1;
        }
      }),
    );
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
    ...(pause.context !== undefined ? { context: capped(pause.context, CONTEXT_LIMIT) } : {}),
    ...(decision
      ? {
          decision: {
            value: capped(decision.value, CONTEXT_LIMIT),
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
