/**
 * The holdpoint_* metrics, named once. Workflows and activities record theirs through Temporal's
 * metric meters (replay-safe: a replayed workflow records nothing) and the worker's Prometheus
 * exporter serves them beside the SDK's own `temporal_*` metrics; the gateway serves its own at
 * GET /metrics and, when told where, the worker's too. Counters are named without `_total`: the
 * exporters add it. Labels stay few and bounded: workflow, step, status, channel, rule, outcome.
 */
export const Metrics = {
  /** Runs started (not continued-as-new), by `workflow`. */
  runsStarted: 'holdpoint_runs_started',
  /** Runs that ended, by `workflow` and `status` (completed, failed, cancelled). */
  runsEnded: 'holdpoint_runs_ended',
  /** Pauses opened, by `workflow` and `step`. */
  pausesOpened: 'holdpoint_pauses_opened',
  /** Pauses closed, by `workflow`, `step` and `outcome` (decided, skipped, timed_out, cancelled). */
  pausesClosed: 'holdpoint_pauses_closed',
  /** Seconds from a pause opening to the decision that settled it, by `workflow` and `step` (people and services only, not timeouts). */
  timeToDecision: 'holdpoint_time_to_decision_seconds',
  /** Decisions a run took (each vote counts), by `workflow` and `channel` (rest, aip, slack, agentos, m8tes, update, signal, timeout…). */
  decisions: 'holdpoint_decisions',
  /** Decisions a run refused, by `workflow` and `rule` (the rule that refused it, or the error type when no single rule did). */
  refusals: 'holdpoint_refusals',
  /** Webhook delivery attempts, by `outcome` (delivered, skipped, rejected, unreachable, refused, unconfigured). */
  webhookDeliveries: 'holdpoint_webhook_deliveries',
  /** Gateway: request duration by `method`, `route` (the declared path, never the raw URL) and `status`. */
  httpRequestDuration: 'holdpoint_http_request_duration_seconds',
  /** Gateway: decisions it passed on, by `channel` and `outcome` (accepted, or the error type it answered). */
  gatewayDecisions: 'holdpoint_gateway_decisions',
  /** Gateway: pauses open now, by `workflow` and `step`, counted from Temporal visibility at scrape time. */
  pausesOpen: 'holdpoint_pauses_open',
  /** Gateway: 1 when the worker's exposition was included in the last scrape, 0 when it could not be read. */
  workerMetricsUp: 'holdpoint_worker_metrics_up',
} as const;

/** A decision waits minutes to days: buckets from a second to a week. */
export const TIME_TO_DECISION_BUCKETS = [1, 5, 15, 60, 300, 900, 3_600, 14_400, 43_200, 86_400, 259_200, 604_800];
