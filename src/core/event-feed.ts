import type { Client } from '@temporalio/client';
import { isTerminalEvent } from '../contracts/event-types';
import type { FeedEvent, RunEvent } from '../contracts/events';
import { getEventsQuery } from '../contracts/messages';
import type { Logger } from '../logger';
import { watchHistory } from '../temporal/history-watch';

export interface RunFeedOptions {
  client: Client;
  /** How long one read of a run's events may wait for a worker. */
  readTimeoutMs: number;
  logger: Logger;
  /** Events each watcher keeps for subscribers that are a little behind. @default 256 */
  bufferSize?: number;
  /** How long a watcher outlives its last subscriber (a reconnect finds it warm). @default 30s */
  idleMs?: number;
}

/** Reads of a run's last events after it closed, before its subscribers are told it ended regardless. */
const CLOSED_READ_ATTEMPTS = 8;

/**
 * Live events of single runs, for SSE and WebSocket subscribers. One watcher per run serves all of
 * its subscribers: it follows the run's history with a long poll (nothing is written to the run) and
 * reads what is new with the `getEvents` query. Subscribers are cursors: each pulls the events after
 * its sequence number at its own pace, from the watcher's small buffer or, when further behind, by
 * reading the run directly, so a slow subscriber holds no queue in the gateway.
 */
export class RunFeed {
  private readonly watchers = new Map<string, RunWatcher>();
  private readonly bufferSize: number;
  private readonly idleMs: number;
  private closed = false;

  constructor(private readonly options: RunFeedOptions) {
    this.bufferSize = options.bufferSize ?? 256;
    this.idleMs = options.idleMs ?? 30_000;
  }

  /**
   * The run's events after `after`, then live ones as they happen; ends after the run's last event
   * (or once a run that ended outside holdpoint has nothing more), or when `signal` aborts.
   */
  async *events(runId: string, workflow: string, after: number, signal: AbortSignal): AsyncGenerator<FeedEvent> {
    if (this.closed) return;
    const watcher = this.acquire(runId, workflow, after);
    try {
      let cursor = after;
      while (!signal.aborted && !this.closed) {
        const batch = watcher.after(cursor) ?? (await this.read(runId, workflow, cursor, signal));
        for (const event of batch) {
          cursor = event.seq;
          yield event;
          if (isTerminalEvent(event.type)) return;
        }
        if (batch.length > 0) continue;
        if (watcher.ended && cursor >= watcher.head) return;
        await watcher.changed(cursor, signal);
      }
    } finally {
      this.release(watcher);
    }
  }

  /** Stops every watcher and waits until none has a call in flight; open iterators end. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = [...this.watchers.values()].map((w) => w.stop());
    this.watchers.clear();
    await Promise.all(stopping);
  }

  /** Watchers and subscribers right now (for metrics and the bench). */
  stats(): { watchers: number; subscribers: number } {
    let subscribers = 0;
    for (const w of this.watchers.values()) subscribers += w.refs;
    return { watchers: this.watchers.size, subscribers };
  }

  private acquire(runId: string, workflow: string, after: number): RunWatcher {
    let watcher = this.watchers.get(runId);
    if (!watcher) {
      watcher = new RunWatcher(runId, workflow, after, this.options, this.bufferSize);
      this.watchers.set(runId, watcher);
      watcher.start();
    }
    watcher.hold();
    return watcher;
  }

  private release(watcher: RunWatcher): void {
    watcher.letGo(this.idleMs, () => {
      if (this.watchers.get(watcher.runId) === watcher) this.watchers.delete(watcher.runId);
    });
  }

  /** A subscriber further behind than the buffer reads the run itself, one page at a time. */
  private async read(runId: string, workflow: string, after: number, signal: AbortSignal): Promise<FeedEvent[]> {
    try {
      return (await readEvents(this.options, runId, after, 200)).map((e) => ({ ...e, run_id: runId, workflow }));
    } catch (err) {
      this.options.logger.debug({ err, runId }, 'could not read run events; retrying');
      await sleep(1_000, signal);
      return [];
    }
  }
}

/** Follows one run for the subscribers of one gateway. */
class RunWatcher {
  /** The newest sequence number seen. */
  head: number;
  /** The buffer holds the events after this sequence number, up to `head`. */
  private start_: number;
  private buffer: FeedEvent[] = [];
  ended = false;
  refs = 0;
  private readonly abort = new AbortController();
  private waiters = new Set<() => void>();
  private refreshing: Promise<void> | undefined;
  private again = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private watching: Promise<void> = Promise.resolve();
  /** Whether the last read of the run's events succeeded. */
  private lastReadOk = false;

  constructor(
    readonly runId: string,
    private readonly workflow: string,
    after: number,
    private readonly options: RunFeedOptions,
    private readonly bufferSize: number,
  ) {
    this.head = after;
    this.start_ = after;
  }

  start(): void {
    this.watching = watchHistory({
      client: this.options.client,
      workflowId: this.runId,
      signal: this.abort.signal,
      logger: this.options.logger,
      onChange: async (change) => {
        if (change.kind === 'missing') return this.end();
        await this.refresh();
        if (change.kind !== 'closed') return;
        // The run's last events are read before its subscribers are told it ended: a read of a run
        // that just closed can fail while a busy worker replays it, and ending then would lose them.
        for (let attempt = 1; !this.lastReadOk && attempt <= CLOSED_READ_ATTEMPTS && !this.abort.signal.aborted; attempt++) {
          await sleep(250 * attempt, this.abort.signal);
          await this.refresh();
        }
        this.end();
      },
    });
    // The history's first page (read at once) triggers a refresh too; this one covers a run whose
    // history shows no completed task yet.
    void this.refresh();
  }

  /** Ends the watch; resolves once its long poll and any read have finished. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.end();
    await this.watching;
    await this.refreshing;
  }

  hold(): void {
    this.refs += 1;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** One subscriber fewer; with none left for `idleMs`, the watcher stops. */
  letGo(idleMs: number, forget: () => void): void {
    this.refs -= 1;
    if (this.refs > 0) return;
    this.idleTimer = setTimeout(() => {
      if (this.refs > 0) return;
      this.abort.abort();
      forget();
    }, idleMs);
    this.idleTimer.unref();
  }

  /** The buffered events after `cursor`, or undefined when the buffer no longer reaches back that far. */
  after(cursor: number): FeedEvent[] | undefined {
    if (cursor < this.start_) return undefined;
    if (cursor >= this.head) return [];
    return this.buffer.slice(cursor - this.start_);
  }

  /** Resolves once there is something after `cursor`, the run has ended, or `signal` aborts. */
  changed(cursor: number, signal: AbortSignal): Promise<void> {
    if (this.head > cursor || this.ended || signal.aborted) return Promise.resolve();
    return new Promise((done) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        done();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  private end(): void {
    this.ended = true;
    this.abort.abort();
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Reads what is new; one read at a time, and another after it when a change came meanwhile. */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          for (;;) {
            const events = await readEvents(this.options, this.runId, this.head, 500);
            if (events.length === 0) break;
            this.append(events);
            if (events.length < 500) break;
          }
          this.lastReadOk = true;
        } catch (err) {
          this.lastReadOk = false;
          this.options.logger.debug({ err, runId: this.runId }, 'could not read run events; waiting for the next change');
        }
      } while (this.again && !this.abort.signal.aborted);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private append(events: RunEvent[]): void {
    for (const event of events) {
      if (event.seq !== this.head + 1) continue;
      this.buffer.push({ ...event, run_id: this.runId, workflow: this.workflow });
      this.head = event.seq;
      if (isTerminalEvent(event.type)) this.ended = true;
    }
    if (this.buffer.length > this.bufferSize) {
      const drop = this.buffer.length - this.bufferSize;
      this.buffer = this.buffer.slice(drop);
      this.start_ += drop;
    }
    if (this.ended) this.abort.abort();
    this.wake();
  }
}

function readEvents(options: RunFeedOptions, runId: string, after: number, limit: number): Promise<RunEvent[]> {
  const handle = options.client.workflow.getHandle(runId);
  return options.client.withDeadline(Date.now() + options.readTimeoutMs, () => handle.query(getEventsQuery, { after, limit }));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal.aborted) return done();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      done();
    }, { once: true });
  });
}
