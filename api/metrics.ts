import type { Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Metrics } from '../src/contracts/metrics';
import type { Core } from '../src/core';
import { countOpenPauses, type OpenPauses } from '../src/core/open-pauses';
import type { Logger } from '../src/logger';

export interface MetricsOptions {
  /** The worker's Prometheus exposition to serve with ours (HOLDPOINT_WORKER_METRICS_URL; `npm start` sets it). */
  workerUrl?: string | undefined;
  /** GET /metrics needs no key (HOLDPOINT_METRICS_PUBLIC). @default true */
  public?: boolean;
  /** How long one count of open pauses serves scrapes (it pages through visibility). @default 5s */
  openPausesCacheMs?: number;
}

/** Request durations in seconds: a quick read to a long-polling resume (SSE streams land in +Inf). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const WORKER_SCRAPE_TIMEOUT_MS = 3_000;

/**
 * The gateway's metrics, in a registry of its own (several gateways in one process never collide):
 * request durations by declared route, decisions as the core passes them on, pauses open now (from
 * visibility), the process' own, and, when the worker's exporter is known, the worker's exposition
 * appended, so one scrape sees the gateway, the runs and the Temporal SDK.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly public: boolean;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly workerUp: Gauge | undefined;
  private openPauses: { at: number; value: Promise<OpenPauses> } | undefined;
  private lastOpenPauses: OpenPauses = { counts: [], truncated: false };

  constructor(
    private readonly core: Core,
    private readonly logger: Logger,
    private readonly options: MetricsOptions = {},
  ) {
    this.public = options.public ?? true;
    collectDefaultMetrics({ register: this.registry });
    this.duration = new Histogram({
      name: Metrics.httpRequestDuration,
      help: 'Gateway request duration in seconds, by method, declared route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    const decisions = new Counter({
      name: `${Metrics.gatewayDecisions}_total`,
      help: 'Decisions the gateway passed on, by channel and outcome (accepted, or the error type answered)',
      labelNames: ['channel', 'outcome'],
      registers: [this.registry],
    });
    core.runs.observeDecisions(({ channel, outcome }) => decisions.inc({ channel, outcome }));
    const open = new Gauge({
      name: Metrics.pausesOpen,
      help: 'Pauses waiting for a decision now, by workflow and step (from Temporal visibility, cached a few seconds)',
      labelNames: ['workflow', 'step'],
      registers: [this.registry],
      // Read at scrape time: only visibility knows every worker's paused runs (see src/workflows/metrics.ts).
      collect: async () => {
        const { counts } = await this.readOpenPauses();
        open.reset();
        for (const { workflow, step, open: n } of counts) open.set({ workflow, step }, n);
      },
    });
    this.workerUp = options.workerUrl
      ? new Gauge({ name: Metrics.workerMetricsUp, help: "1 when the worker's metrics were read for this scrape, 0 when they could not be", registers: [this.registry] })
      : undefined;
  }

  /** Times every request, labelled with the route it matched as declared (`/v1/workflow-runs/:runId`). */
  timeRequests(): RequestHandler {
    return (req, res, next) => {
      const end = this.duration.startTimer();
      res.once('finish', () => end({ method: req.method, route: routeOf(req, res), status: String(res.statusCode) }));
      next();
    };
  }

  /** The Prometheus text exposition: the gateway's metrics, then the worker's when configured. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    const worker = this.options.workerUrl ? await this.readWorker(this.options.workerUrl) : undefined;
    this.workerUp?.set(worker === undefined ? 0 : 1);
    const own = await this.registry.metrics();
    return { contentType: this.registry.contentType, text: worker ? `${own}\n${worker}` : own };
  }

  private readOpenPauses(): Promise<OpenPauses> {
    const maxAge = this.options.openPausesCacheMs ?? 5_000;
    if (!this.openPauses || Date.now() - this.openPauses.at > maxAge) {
      const value = countOpenPauses(this.core.client, this.core.taskQueue).then(
        (counted) => {
          if (counted.truncated) this.logger.warn('too many paused runs to count them all; holdpoint_pauses_open is a floor');
          this.lastOpenPauses = counted;
          return counted;
        },
        (err: unknown) => {
          // The last good count is better than a failed scrape; the next scrape tries again.
          this.logger.warn({ err }, 'could not count open pauses from visibility');
          this.openPauses = undefined;
          return this.lastOpenPauses;
        },
      );
      this.openPauses = { at: Date.now(), value };
    }
    return this.openPauses.value;
  }

  private async readWorker(url: string): Promise<string | undefined> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(WORKER_SCRAPE_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`the worker's exporter answered ${res.status}`);
      return await res.text();
    } catch (err) {
      this.logger.warn({ err, url }, "could not read the worker's metrics");
      return undefined;
    }
  }
}

/** The declared route a request matched (set by RouteTable), else Express' own match, else `unmatched`: never the raw URL. */
function routeOf(req: Request, res: Response): string {
  const declared = (res.locals as { route?: unknown }).route;
  if (typeof declared === 'string') return declared;
  const matched = (req.route as { path?: unknown } | undefined)?.path;
  return typeof matched === 'string' ? `${req.baseUrl}${matched}` : 'unmatched';
}
