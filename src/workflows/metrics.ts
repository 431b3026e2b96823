import type { MetricCounter, MetricHistogram } from '@temporalio/common';
import { ApplicationFailure, metricMeter } from '@temporalio/workflow';
import type { RunEvent } from '../contracts/events';
import { Metrics } from '../contracts/metrics';
import type { Pause } from '../contracts/run';
import type { RunState } from './run-state';

const TERMINAL: Partial<Record<RunEvent['type'], string>> = { run_completed: 'completed', run_failed: 'failed', run_cancelled: 'cancelled' };

/**
 * A run's metrics. They follow the run's event log: every change they count (started, paused, decided,
 * ended) is an event the run records, so they are told of each event as it is recorded, and a change
 * that records none cannot be missed by a second path. Temporal's workflow meter drops what a replay
 * records, so a run replayed after a restart or an eviction counts nothing twice, and nothing here
 * touches the workflow's history. The worker adds `workflowType`, `namespace` and `taskQueue` labels.
 *
 * "Pauses open" is not a gauge here: a run cannot own a shared gauge (each worker process holds only
 * its own runs, and a restarted worker would start from zero), so runs count openings and closings
 * and the gateway reads the number open now from visibility (api/metrics.ts).
 */
export class RunMetrics {
  /** Whether each pause seen so far was still pending then, by request id. Rebuilt alike on replay. */
  private readonly seen = new Map<string, boolean>();
  private readonly runsStarted: MetricCounter;
  private readonly runsEnded: MetricCounter;
  private readonly pausesOpened: MetricCounter;
  private readonly pausesClosed: MetricCounter;
  private readonly decisions: MetricCounter;
  private readonly refusals: MetricCounter;
  private readonly timeToDecision: MetricHistogram;

  constructor(private readonly run: RunState) {
    const meter = metricMeter.withTags({ workflow: run.workflow });
    this.runsStarted = meter.createCounter(Metrics.runsStarted, undefined, 'Runs started');
    this.runsEnded = meter.createCounter(Metrics.runsEnded, undefined, 'Runs ended, by status');
    this.pausesOpened = meter.createCounter(Metrics.pausesOpened, undefined, 'Pauses opened');
    this.pausesClosed = meter.createCounter(Metrics.pausesClosed, undefined, 'Pauses closed, by outcome');
    this.decisions = meter.createCounter(Metrics.decisions, undefined, 'Decisions taken, by channel');
    this.refusals = meter.createCounter(Metrics.refusals, undefined, 'Decisions refused, by rule');
    this.timeToDecision = meter.createHistogram(Metrics.timeToDecision, 'float', 's', 'Seconds from a pause opening to its decision');
    // Pauses a continued-as-new run carries were counted by the execution that opened them.
    for (const pause of run.data.pauses) this.seen.set(pause.request_id, pause.status === 'pending');
    run.onRecord = (event) => this.observe(event);
  }

  /** A decision the run refused (update validator or signal handler), by the rule that refused it. */
  refused(err: unknown): void {
    const failure = err instanceof ApplicationFailure ? err : undefined;
    const details = failure?.details?.[0] as { rule?: unknown } | undefined;
    const rule = typeof details?.rule === 'string' ? details.rule : (failure?.type ?? 'invalid');
    this.refusals.add(1, { rule });
  }

  private observe(event: RunEvent): void {
    this.pausesChanged();
    if (event.type === 'run_started') this.runsStarted.add(1);
    const status = TERMINAL[event.type];
    if (status) this.runsEnded.add(1, { status });
    if ((event.type === 'decided' || event.type === 'voted') && event.request_id) {
      const pause = this.run.findPause(event.request_id);
      if (pause) this.decided(pause, event);
    }
  }

  /** Counts pauses that opened or closed since the last event (a pause may do both in between). */
  private pausesChanged(): void {
    for (const pause of this.run.data.pauses) {
      const pending = pause.status === 'pending';
      const wasPending = this.seen.get(pause.request_id);
      if (wasPending === undefined) this.pausesOpened.add(1, { step: pause.step });
      if (wasPending !== false && !pending) this.pausesClosed.add(1, { step: pause.step, outcome: pause.status });
      this.seen.set(pause.request_id, pending);
    }
  }

  private decided(pause: Pause, event: RunEvent): void {
    // A vote that settles the pause is its decision; one that does not is the newest vote.
    const taken = event.type === 'decided' ? pause.decision : pause.votes[pause.votes.length - 1];
    if (!taken) return;
    this.decisions.add(1, { channel: taken.via ?? taken.channel });
    if (event.type === 'decided' && taken.channel !== 'timeout') {
      const seconds = (Date.parse(taken.at) - Date.parse(pause.created_at)) / 1_000;
      this.timeToDecision.record(Math.max(0, seconds), { step: pause.step });
    }
  }
}
