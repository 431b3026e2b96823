import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { busWorkflowId, EVENT_BUS_WORKFLOW_TYPE, readBusQuery, type BusEntry } from '../contracts/event-bus';
import { ErrorType, HoldpointError } from '../contracts/errors';
import { dropListenerUpdate, HUB_WORKFLOW_TYPE, hubWorkflowId, renewListenerUpdate } from '../contracts/hub';
import type { Logger } from '../logger';
import { watchHistory } from '../temporal/history-watch';

export interface CrossRunFeedOptions {
  client: Client;
  taskQueue: string;
  partitions: number;
  readTimeoutMs: number;
  logger: Logger;
  /** How long a listener lease lasts unless renewed; it is renewed at a third of that. @default 2 min */
  leaseMs?: number;
  /** Entries each partition watcher keeps. @default 512 */
  bufferSize?: number;
}

/** Which events a subscriber wants; every filter given must match. */
export interface CrossRunFilter {
  workflow?: string | undefined;
  types?: readonly string[] | undefined;
  /** Assignee keys (`user:<id>`, `group:<id>`, `*`): the event's pause must be assigned to one of them. */
  assignees?: readonly string[] | undefined;
}

/** What a subscriber gets: an event with the cursor to resume after it, or a note that some were lost. */
export type CrossRunItem =
  | { kind: 'event'; cursor: string; event: BusEntry }
  | { kind: 'gap'; cursor: string; partition: number; missed: { after: number; before: number } };

/**
 * The cross-run feed: notable events of every run, for approver screens and other services. Runs
 * publish to the event bus only while some gateway holds a listener lease on the hub, so a gateway
 * takes one while it has subscribers (and a while after, so a reconnecting subscriber misses nothing).
 * One watcher per bus partition serves every subscriber of this gateway. A cursor is the offsets of
 * all partitions, `"<o0>.<o1>…"`.
 */
export class CrossRunFeed {
  private readonly id = `gateway-${randomUUID()}`;
  private readonly leaseMs: number;
  private partitions: PartitionWatcher[] | undefined;
  private starting: Promise<number> | undefined;
  private subscribers = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  private lastSubscriberAt = 0;
  private hubVersion = 0;
  private closed = false;

  constructor(private readonly options: CrossRunFeedOptions) {
    this.leaseMs = options.leaseMs ?? 120_000;
  }

  /** Parses a cursor from a client; throws a 400 naming the field when it is not one of ours. */
  parseCursor(cursor: string, field: string): number[] {
    const parts = cursor.split('.');
    if (parts.length !== this.options.partitions || !parts.every((p) => /^\d{1,15}$/.test(p))) {
      throw new HoldpointError(ErrorType.InvalidRequest, `${field}: is not a cursor of this feed (${this.options.partitions} dot-separated offsets)`, { field });
    }
    return parts.map(Number);
  }

  /**
   * Takes the lease and starts following the bus; answers the hub version that holds the lease (a
   * worker whose copy of the hub has reached it publishes to the bus).
   */
  async ready(): Promise<number> {
    if (this.closed) throw new HoldpointError(ErrorType.Unavailable, 'the gateway is shutting down');
    if (this.partitions && this.renewTimer) return this.hubVersion;
    this.starting ??= this.begin().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Events matching `filter` after `cursor` (or from now), live, until `signal` aborts. */
  async *events(filter: CrossRunFilter, cursor: number[] | undefined, signal: AbortSignal): AsyncGenerator<CrossRunItem> {
    await this.ready();
    const partitions = this.partitions!;
    const offsets = cursor ?? partitions.map((p) => p.head);
    this.subscribers += 1;
    try {
      while (!signal.aborted && !this.closed) {
        let progressed = false;
        for (const watcher of partitions) {
          const p = watcher.partition;
          const page = watcher.after(offsets[p]!) ?? (await watcher.read(offsets[p]!, signal));
          if (page.gap) {
            offsets[p] = page.gap.before - 1;
            progressed = true;
            yield { kind: 'gap', cursor: offsets.join('.'), partition: p, missed: page.gap };
          }
          for (const entry of page.entries) {
            offsets[p] = entry.offset;
            progressed = true;
            if (matches(filter, entry)) yield { kind: 'event', cursor: offsets.join('.'), event: entry };
          }
        }
        if (!progressed) await firstChange(partitions, offsets, signal);
      }
    } finally {
      this.subscribers -= 1;
      this.lastSubscriberAt = Date.now();
    }
  }

  /** Drops the lease and stops the watchers (gateway shutdown); resolves once no call is in flight. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.starting?.catch(() => undefined);
    await Promise.all((this.partitions ?? []).map((w) => w.stop()));
    if (this.partitions) await this.dropLease().catch(() => undefined);
  }

  stats(): { subscribers: number; listening: boolean } {
    return { subscribers: this.subscribers, listening: this.renewTimer !== undefined };
  }

  private async begin(): Promise<number> {
    const { client, taskQueue } = this.options;
    await this.renewLease();
    if (!this.partitions) {
      await Promise.all(
        Array.from({ length: this.options.partitions }, async (_, partition) => {
          try {
            await client.workflow.start(EVENT_BUS_WORKFLOW_TYPE, {
              workflowId: busWorkflowId(taskQueue, partition),
              taskQueue,
              args: [{ partition }],
              workflowIdConflictPolicy: 'USE_EXISTING',
              staticSummary: `cross-run event feed, partition ${partition}`,
            });
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          }
        }),
      );
      const watchers = Array.from({ length: this.options.partitions }, (_, p) => new PartitionWatcher(p, this.options, this.options.bufferSize ?? 512));
      await Promise.all(watchers.map((w) => w.start()));
      this.partitions = watchers;
    }
    this.renewTimer = setInterval(() => void this.renewOrRelease(), Math.max(1_000, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    return this.hubVersion;
  }

  private async renewOrRelease(): Promise<void> {
    const idle = this.subscribers === 0 && Date.now() - this.lastSubscriberAt > this.leaseMs;
    if (!idle) {
      await this.renewLease().catch((err: unknown) => this.options.logger.warn({ err }, 'could not renew the cross-run feed lease'));
      return;
    }
    // Nobody has followed the feed for a while: let runs stop publishing.
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await this.dropLease().catch(() => undefined);
  }

  private async renewLease(): Promise<void> {
    const { client, taskQueue } = this.options;
    this.hubVersion = await client.workflow.executeUpdateWithStart(renewListenerUpdate, {
      args: [{ id: this.id, until: new Date(Date.now() + this.leaseMs).toISOString() }],
      startWorkflowOperation: new WithStartWorkflowOperation(HUB_WORKFLOW_TYPE, {
        workflowId: hubWorkflowId(taskQueue),
        taskQueue,
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
  }

  private async dropLease(): Promise<void> {
    await this.options.client.workflow.getHandle(hubWorkflowId(this.options.taskQueue)).executeUpdate(dropListenerUpdate, { args: [{ id: this.id }] });
  }
}

/** Waits for any partition to move past its offset; leaves no waiter behind on the others. */
async function firstChange(partitions: readonly PartitionWatcher[], offsets: readonly number[], signal: AbortSignal): Promise<void> {
  const wait = new AbortController();
  const stop = () => wait.abort();
  signal.addEventListener('abort', stop, { once: true });
  try {
    await Promise.race(partitions.map((w) => w.changed(offsets[w.partition]!, wait.signal)));
  } finally {
    wait.abort();
    signal.removeEventListener('abort', stop);
  }
}

function matches(filter: CrossRunFilter, entry: BusEntry): boolean {
  if (filter.workflow && entry.workflow !== filter.workflow) return false;
  if (filter.types && filter.types.length > 0 && !filter.types.includes(entry.type)) return false;
  if (filter.assignees && !(entry.assignees ?? []).some((a) => filter.assignees!.includes(a))) return false;
  return true;
}

interface Page {
  entries: BusEntry[];
  /** Entries between the cursor and these were dropped from the bus before anyone read them. */
  gap?: { after: number; before: number };
}

/** Follows one bus partition for every cross-run subscriber of this gateway. */
class PartitionWatcher {
  head = 0;
  private start_ = 0;
  private buffer: BusEntry[] = [];
  private readonly abort = new AbortController();
  private waiters = new Set<() => void>();
  private refreshing: Promise<void> | undefined;
  private again = false;
  private watching: Promise<void> = Promise.resolve();

  constructor(
    readonly partition: number,
    private readonly options: CrossRunFeedOptions,
    private readonly bufferSize: number,
  ) {}

  /** Learns the partition's head, then follows it. */
  async start(): Promise<void> {
    // A bus just started answers queries once its first workflow task is done.
    const deadline = Date.now() + this.options.readTimeoutMs * 2;
    let first: Awaited<ReturnType<PartitionWatcher['query']>>;
    for (;;) {
      try {
        first = await this.query(Number.MAX_SAFE_INTEGER, 1);
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new HoldpointError(ErrorType.Unavailable, `the event bus (partition ${this.partition}) did not answer; is a worker polling task queue "${this.options.taskQueue}"?`, { cause: String(err) });
        }
        await new Promise((done) => setTimeout(done, 200).unref());
      }
    }
    this.head = first.head;
    this.start_ = first.head;
    this.watching = watchHistory({
      client: this.options.client,
      workflowId: busWorkflowId(this.options.taskQueue, this.partition),
      signal: this.abort.signal,
      waitForStart: true,
      logger: this.options.logger,
      onChange: () => this.refresh(),
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    for (const waiter of [...this.waiters]) waiter();
    await this.watching;
    await this.refreshing;
  }

  after(offset: number): Page | undefined {
    if (offset < this.start_) return undefined;
    if (offset >= this.head) return { entries: [] };
    return { entries: this.buffer.slice(offset - this.start_) };
  }

  /** A subscriber behind the buffer reads the partition itself. */
  async read(after: number, signal: AbortSignal): Promise<Page> {
    try {
      const page = await this.query(after, 500);
      const gap = page.oldest > after + 1 && page.events.length > 0 ? { after, before: page.oldest } : undefined;
      return { entries: page.events, ...(gap ? { gap } : {}) };
    } catch (err) {
      this.options.logger.debug({ err, partition: this.partition }, 'could not read the event bus; retrying');
      if (!signal.aborted) await new Promise((done) => setTimeout(done, 1_000).unref());
      return { entries: [] };
    }
  }

  changed(offset: number, signal: AbortSignal): Promise<void> {
    if (this.head > offset || signal.aborted || this.abort.signal.aborted) return Promise.resolve();
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

  private query(after: number, limit: number) {
    const handle = this.options.client.workflow.getHandle(busWorkflowId(this.options.taskQueue, this.partition));
    return this.options.client.withDeadline(Date.now() + this.options.readTimeoutMs, () => handle.query(readBusQuery, { after, limit }));
  }

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
            const page = await this.query(this.head, 500);
            if (page.oldest > this.head + 1) {
              // More arrived than was kept: restart the buffer at what the bus still has.
              this.buffer = [];
              this.start_ = page.oldest - 1;
              this.head = page.oldest - 1;
            }
            for (const entry of page.events) {
              if (entry.offset !== this.head + 1) continue;
              this.buffer.push(entry);
              this.head = entry.offset;
            }
            if (page.events.length < 500) break;
          }
          if (this.buffer.length > this.bufferSize) {
            const drop = this.buffer.length - this.bufferSize;
            this.buffer = this.buffer.slice(drop);
            this.start_ += drop;
          }
        } catch (err) {
          this.options.logger.debug({ err, partition: this.partition }, 'could not read the event bus; waiting for its next change');
        }
        for (const waiter of [...this.waiters]) waiter();
      } while (this.again && !this.abort.signal.aborted);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}
