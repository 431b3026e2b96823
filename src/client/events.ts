import { path, type Http } from './http';
import { resumable, type ResumableOptions } from './sse';
import type { BusEvent, CrossRunQuery, FeedEvent, Run, RunEventType } from './types';

/** The last event of every run holdpoint ends. */
export const TERMINAL_EVENTS = ['run_completed', 'run_failed', 'run_cancelled'] as const satisfies readonly RunEventType[];
const TERMINAL = new Set<string>(TERMINAL_EVENTS);
const ENDED = new Set<Run['status']>(['completed', 'failed', 'cancelled']);

export interface RunStreamOptions {
  /** Start after this event (its `seq`); 0 replays the run from its start. @default 0 */
  after?: number;
  /** Stops the iteration; it then ends without an error. */
  signal?: AbortSignal;
}

export interface FeedOptions extends CrossRunQuery {
  /** Resume after this cursor (an item's `cursor`). @default now */
  cursor?: string;
  signal?: AbortSignal;
}

/** What the cross-run feed yields. */
export type FeedItem =
  | { kind: 'ready'; hub_version: number }
  | { kind: 'event'; cursor: string; event: BusEvent }
  /** Events were dropped on the gateway's side before this subscriber read them (the feed keeps a bounded buffer). */
  | { kind: 'gap'; cursor: string; partition: number; missed: { after: number; before: number } };

/** Live events over SSE, resumed after drops from the last event seen (`Last-Event-ID`). */
export class EventStreams {
  constructor(
    private readonly http: Http,
    private readonly getRun: (runId: string) => Promise<Run>,
  ) {}

  /**
   * One run's events, each once and in order, until its last event: across dropped connections and
   * gateway restarts (it reconnects after the last `seq` it saw). `break` or the signal stops it.
   */
  run(runId: string, options: RunStreamOptions = {}): AsyncGenerator<FeedEvent> {
    let last = options.after ?? 0;
    return resumable<FeedEvent>(
      {
        connect: (signal) => this.http.stream({ method: 'GET', path: path`/workflow-runs/${runId}/events`, headers: { 'last-event-id': String(last) }, signal }),
        frame: (frame) => {
          if (frame.id === undefined || frame.data === undefined) return {};
          const event = JSON.parse(frame.data) as FeedEvent;
          if (event.seq <= last) return {}; // already seen (a replayed frame)
          last = event.seq;
          return { value: event, last: TERMINAL.has(event.type) };
        },
        // A run ended from outside holdpoint (terminated) has no last event: ask the run.
        settled: async () => {
          const run = await this.getRun(runId);
          return ENDED.has(run.status) && run.last_event_seq <= last;
        },
      },
      this.streamOptions(options.signal),
    );
  }

  /**
   * Every run's notable events as they happen, filtered (workflow, types, `assignee: 'mine'`). Runs
   * publish to the feed while someone listens; the `ready` item says the subscription stands. The
   * feed has no end: it runs until `break` or the signal.
   */
  feed(options: FeedOptions = {}): AsyncGenerator<FeedItem> {
    const { cursor: from, signal, ...filter } = options;
    let cursor = from;
    return resumable<FeedItem>(
      {
        connect: (connection) =>
          this.http.stream({ method: 'GET', path: '/events', query: { workflow: filter.workflow, type: filter.type, assignee: filter.assignee }, headers: { 'last-event-id': cursor }, signal: connection }),
        frame: (frame) => {
          if (frame.data === undefined) return {};
          const data = JSON.parse(frame.data) as Record<string, unknown>;
          if (frame.event === 'ready') return { value: { kind: 'ready', hub_version: Number(data.hub_version) } };
          if (frame.id === undefined) return {};
          cursor = frame.id;
          if (frame.event === 'gap') return { value: { kind: 'gap', cursor: frame.id, partition: Number(data.partition), missed: data.missed as { after: number; before: number } } };
          return { value: { kind: 'event', cursor: frame.id, event: data as BusEvent } };
        },
        settled: () => Promise.resolve(false),
      },
      this.streamOptions(signal),
    );
  }

  private streamOptions(signal: AbortSignal | undefined): ResumableOptions {
    const { reconnect, streamIdleTimeout } = this.http.options;
    return { signal, initialDelayMs: reconnect?.initialDelayMs, maxDelayMs: reconnect?.maxDelayMs, maxAttempts: reconnect?.maxAttempts, idleTimeoutMs: streamIdleTimeout };
  }
}

export function isEnded(status: Run['status']): boolean {
  return ENDED.has(status);
}
