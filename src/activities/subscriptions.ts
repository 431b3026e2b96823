import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { declareHandlersUpdate, getHubStateQuery, HUB_WORKFLOW_TYPE, hubWorkflowId, type HubState } from '../contracts/hub';
import type { Logger } from '../logger';
import { watchHistory } from '../temporal/history-watch';

/**
 * The worker's copy of the hub (webhooks, listener leases), kept fresh by watching the hub's history:
 * a change reaches every worker within a round trip, without anyone polling. The notify and delivery
 * activities read it instead of asking the hub each time.
 */
export class SubscriptionCache {
  private state: HubState | undefined;
  private readonly abort = new AbortController();
  private waiters: { version: number; done: () => void }[] = [];
  private refreshing: Promise<void> | undefined;
  private again = false;
  private watching: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly logger: Logger,
  ) {}

  /** Makes sure the hub exists, declares the worker's task handlers, then follows the hub until `stop()`. */
  async start(handlers: readonly string[] = []): Promise<void> {
    // Abortable: a worker stopped right after it started must not wait for the hub to answer.
    const signal = this.abort.signal;
    await this.client.connection.withAbortSignal(signal, () => ensureHub(this.client, this.taskQueue));
    if (handlers.length > 0 && !signal.aborted) {
      await this.client.connection
        .withAbortSignal(signal, () =>
          this.client.workflow.getHandle(hubWorkflowId(this.taskQueue)).executeUpdate(declareHandlersUpdate, { args: [{ handlers: [...handlers] }] }),
        )
        .catch((err: unknown) => {
          if (!signal.aborted) this.logger.warn({ err }, 'could not declare the task handlers to the hub');
        });
    }
    if (signal.aborted) return;
    this.watching = watchHistory({
      client: this.client,
      workflowId: hubWorkflowId(this.taskQueue),
      signal: this.abort.signal,
      waitForStart: true,
      logger: this.logger,
      onChange: () => this.refresh(),
    });
  }

  /** Ends the watch; resolves once no call is in flight (the connection may be closed then). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.starting?.catch(() => undefined);
    await this.watching;
    await this.refreshing;
  }

  private starting: Promise<void> | undefined;

  /** Starts in the background (the worker polls meanwhile); `stop()` waits for it. */
  begin(handlers: readonly string[]): void {
    this.starting = this.start(handlers).catch((err: unknown) => {
      // Notifications wait (and retry) until the hub can be reached.
      if (!this.abort.signal.aborted) this.logger.warn({ err }, 'could not start following the hub yet');
    });
  }

  /** The newest copy; waits (up to `timeoutMs`) for the first one, then throws so the caller retries. */
  async current(timeoutMs = 10_000): Promise<HubState> {
    if (this.state) return this.state;
    await this.refresh();
    if (this.state) return this.state;
    await this.waitFor(0, timeoutMs).catch(() => undefined);
    if (!this.state) throw new Error('the hub did not answer yet; is a worker polling its task queue?');
    return this.state;
  }

  /** Whether a gateway follows the cross-run feed, so runs should publish to the event bus. */
  static listening(state: HubState, now = Date.now()): boolean {
    return state.listeners.some((l) => Date.parse(l.until) > now);
  }

  /** Resolves once the copy is at least this version (tests wait for a change to reach the worker). */
  waitFor(version: number, timeoutMs = 10_000): Promise<void> {
    if ((this.state?.version ?? -1) >= version) return Promise.resolve();
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.done !== finish);
        fail(new Error(`the hub copy did not reach version ${version} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        done();
      };
      this.waiters.push({ version, done: finish });
    });
  }

  /** One query at a time; a change while one runs asks for another afterwards. */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          const handle = this.client.workflow.getHandle(hubWorkflowId(this.taskQueue));
          const state = await this.client.withDeadline(Date.now() + 5_000, () => handle.query(getHubStateQuery));
          if (!this.state || state.version >= this.state.version) this.state = state;
        } catch (err) {
          // No hub: nobody ever subscribed on this task queue.
          if (err instanceof WorkflowNotFoundError && !this.state) this.state = { version: 0, webhooks: [], listeners: [] };
          else this.logger.debug({ err }, 'could not read the hub; will try again on its next change');
        }
      } while (this.again && !this.abort.signal.aborted);
      const version = this.state?.version ?? -1;
      const ready = this.waiters.filter((w) => w.version <= version);
      this.waiters = this.waiters.filter((w) => w.version > version);
      for (const w of ready) w.done();
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}

/** Starts the task queue's hub unless it runs already (gateways and workers both call this). */
export async function ensureHub(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.workflow.start(HUB_WORKFLOW_TYPE, {
      workflowId: hubWorkflowId(taskQueue),
      taskQueue,
      args: [{}],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `webhooks and live-feed listeners of task queue ${taskQueue}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
