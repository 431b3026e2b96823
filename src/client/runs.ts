import { HoldpointWaitTimeoutError } from './errors';
import { isEnded, type EventStreams } from './events';
import { DEFAULT_HOLD_MS, path, waitParam, type Http } from './http';
import { Paginated } from './paging';
import type { EventPage, FeedEvent, PermissionMode, ResumeRunBody, Run, RunAudit, RunListItem, RunListQuery, RunPage, RunResponse, StartRunBody } from './types';

export interface HoldOptions {
  /** How long the gateway may wait for the run's next pause or its end before answering (ms). @default the gateway's (20 s) */
  wait?: number;
  /** A retried request with the same key answers what the first one did. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** `settled`: paused or ended; `ended`: completed, failed or cancelled. @default settled */
  until?: 'settled' | 'ended';
  /** Give up after this many ms with {@link HoldpointWaitTimeoutError}. @default no limit */
  timeout?: number;
  signal?: AbortSignal;
  /** Hears every event of the run while waiting (a progress line). */
  onEvent?: (event: FeedEvent) => void;
}

/** Runs: start, read, list, resume, cancel, and wait for one to get somewhere. */
export class Runs {
  constructor(
    private readonly http: Http,
    private readonly streams: () => EventStreams,
  ) {}

  /** Starts a run of `workflow`; answers once it pauses or ends (at most `wait`). */
  start(workflow: string, body: StartRunBody, options: HoldOptions = {}): Promise<RunResponse> {
    return this.http.json({
      method: 'POST',
      path: path`/agents/${workflow}/workflow`,
      query: { wait: waitParam(options.wait) },
      headers: { 'idempotency-key': options.idempotencyKey },
      body,
      holdMs: options.wait ?? DEFAULT_HOLD_MS,
      signal: options.signal,
    });
  }

  get(runId: string, options: { signal?: AbortSignal } = {}): Promise<Run> {
    return this.http.json({ method: 'GET', path: path`/workflow-runs/${runId}`, signal: options.signal });
  }

  /** Runs, newest first, across pages: `for await (const run of client.runs.list({ status: 'paused' }))`. */
  list(query: RunListQuery = {}): Paginated<RunListItem, RunPage> {
    return new Paginated((cursor) => this.http.json<RunPage>({ method: 'GET', path: '/workflow-runs', query: { ...query, cursor } }));
  }

  /** Resumes a paused run with its step's input (seed 002's body); answers at its next pause or end. */
  resume(runId: string, body: ResumeRunBody, options: HoldOptions = {}): Promise<RunResponse> {
    return this.http.json({
      method: 'POST',
      path: path`/workflow-runs/${runId}/resume`,
      query: { wait: waitParam(options.wait) },
      headers: { 'idempotency-key': options.idempotencyKey },
      body,
      holdMs: options.wait ?? DEFAULT_HOLD_MS,
      signal: options.signal,
    });
  }

  cancel(runId: string, reason?: string): Promise<Run> {
    return this.http.json({ method: 'DELETE', path: path`/workflow-runs/${runId}`, body: reason === undefined ? {} : { reason } });
  }

  setPermissionMode(runId: string, mode: PermissionMode): Promise<Run> {
    return this.http.json({ method: 'PATCH', path: path`/workflow-runs/${runId}/permission-mode`, body: { permission_mode: mode } });
  }

  /** A page of the run's event log (JSON; `client.events.run` follows it live). */
  events(runId: string, query: { after?: number; limit?: number } = {}): Promise<EventPage> {
    return this.http.json({ method: 'GET', path: path`/workflow-runs/${runId}/events`, query });
  }

  /** The run's hash-chained audit trail, with the gateway's verification of its chains. */
  audit(runId: string): Promise<RunAudit> {
    return this.http.json({ method: 'GET', path: path`/workflow-runs/${runId}/audit` });
  }

  /**
   * Waits until the run pauses or ends (`until: 'ended'`: ends), following its live events rather
   * than polling; answers the run as it then stands.
   */
  async wait(runId: string, options: WaitOptions = {}): Promise<Run> {
    const reached = (run: Run) => (options.until === 'ended' ? isEnded(run.status) : run.status !== 'running');
    let run = await this.get(runId, { signal: options.signal });
    if (reached(run)) return run;
    const stop = new AbortController();
    const follow = () => stop.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', follow, { once: true });
    const timer = options.timeout === undefined ? undefined : setTimeout(() => stop.abort(), options.timeout);
    try {
      for await (const event of this.streams().run(runId, { after: run.last_event_seq, signal: stop.signal })) {
        options.onEvent?.(event);
        if (!SETTLING.has(event.type)) continue;
        run = await this.get(runId, { signal: stop.signal });
        if (reached(run)) return run;
      }
      if (!stop.signal.aborted) {
        run = await this.get(runId);
        if (reached(run)) return run;
      }
    } catch (err) {
      // The deadline aborted a read in flight: that is the timeout below, not a failure.
      if (!stop.signal.aborted || options.signal?.aborted) throw err;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', follow);
    }
    if (options.signal?.aborted) throw options.signal.reason;
    throw new HoldpointWaitTimeoutError(`run ${runId} is still ${run.status} after ${options.timeout} ms`, run);
  }
}

const SETTLING = new Set<string>(['paused', 'decided', 'run_completed', 'run_failed', 'run_cancelled', 'timed_out']);
