import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { Metrics, TIME_TO_DECISION_BUCKETS } from '../src/contracts/metrics';
import type { Logger } from '../src/logger';

const TEMPORAL_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

export interface RuntimeSettings {
  /** The runtime shuts workers down on SIGINT/SIGTERM; an entry point that stops more takes them itself. @default true */
  handleSignals?: boolean;
  /**
   * Where the Prometheus exporter listens (`host:port`, HOLDPOINT_WORKER_METRICS): the SDK's own
   * `temporal_*` metrics and the `holdpoint_*` ones workflows and activities record, at `/metrics`.
   * Unset: no exporter.
   */
  metrics?: string | undefined;
}

let installed: { metrics: string | undefined } | undefined;

/**
 * Installs the Temporal SDK runtime: its logs (worker, workflow `log`, activity `log`) go to our logger
 * and, when asked, its metrics to a Prometheus exporter. The SDK allows one runtime per process, so
 * only the first call counts; it answers the exporter address in effect.
 */
export function installTemporalLogging(logger: Logger, level: string, options: RuntimeSettings = {}): { metrics: string | undefined } {
  if (installed) return installed;
  const temporal = logger.child({ component: 'temporal' });
  Runtime.install({
    ...(options.handleSignals === false ? { shutdownSignals: [] } : {}),
    logger: new DefaultLogger(TEMPORAL_LEVELS[level] ?? 'INFO', ({ level: l, message, meta }) => {
      const fields = meta ?? {};
      if (l === 'ERROR') temporal.error(fields, message);
      else if (l === 'WARN') temporal.warn(fields, message);
      else if (l === 'INFO') temporal.info(fields, message);
      else temporal.debug(fields, message);
    }),
    ...(options.metrics
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: options.metrics,
                // Prometheus' conventions: counters end in _total, durations are in seconds.
                countersTotalSuffix: true,
                useSecondsForDurations: true,
                histogramBucketOverrides: { [Metrics.timeToDecision]: TIME_TO_DECISION_BUCKETS },
              },
            },
          },
        }
      : {}),
  });
  installed = { metrics: options.metrics };
  if (options.metrics) logger.info({ address: options.metrics }, 'worker metrics exported for Prometheus at /metrics');
  return installed;
}

/** The URL a scraper on this machine reads an exporter bound to `address` at (0.0.0.0 is not an address to call). */
export function metricsUrl(address: string): string {
  const local = address.replace(/^(0\.0\.0\.0|\[::\]):/, '127.0.0.1:');
  return `http://${local}/metrics`;
}
