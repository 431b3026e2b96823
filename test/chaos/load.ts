import { setTimeout as sleep } from 'node:timers/promises';
import type { DrillClient } from './client';
import { approver, DRILL_WORKFLOW, OPERATOR } from './definition';

/** What one run of the load is meant to do. */
export interface RunPlan {
  n: number;
  value: 'approve' | 'reject';
  approver: string;
  /** Started through this gateway, decided through the other. */
  startVia: number;
  decideVia: number;
  startKey: string;
  decideKey: string;
}

/** What happened to it, as its client saw it. */
export interface RunRecord {
  plan: RunPlan;
  runId?: string;
  requestId?: string;
  /** Milliseconds since the epoch of each milestone. */
  t: { begin: number; started?: number; paused?: number; decided?: number; ended?: number };
  /** The decision's answer status (200, or a refusal). */
  decideStatus?: number;
  finalStatus?: string;
  error?: string;
}

export interface Progress {
  started: number;
  paused: number;
  decided: number;
  ended: number;
  failed: number;
}

/** A window of polls: enough to follow a run without flooding two cores with queries. */
const POLL_MS = 1_000;

/**
 * `n` concurrent runs of the drill workflow, each driven like a real client would: start it (with
 * an idempotency key) through one gateway, wait for its pause, decide it (with an idempotency key)
 * through the other gateway, wait for its end. Every fourth run is rejected (it completes early).
 */
export class Load {
  readonly records: RunRecord[];
  readonly progress: Progress = { started: 0, paused: 0, decided: 0, ended: 0, failed: 0 };
  readonly done: Promise<void>;
  readonly began = Date.now();

  constructor(
    private readonly client: DrillClient,
    readonly tag: string,
    n: number,
    private readonly deadline: number,
  ) {
    this.records = Array.from({ length: n }, (_, i) => ({
      plan: {
        n: i,
        value: i % 4 === 3 ? 'reject' : 'approve',
        approver: approver(i),
        startVia: i % 2,
        decideVia: (i + 1) % 2,
        startKey: `${tag}-start-${i}`,
        decideKey: `${tag}-decide-${i}`,
      },
      t: { begin: Date.now() },
    }));
    this.done = Promise.all(
      this.records.map((r) =>
        this.drive(r).catch((err: unknown) => {
          r.error = err instanceof Error ? err.message : String(err);
          this.advance('failed');
        }),
      ),
    ).then(() => undefined);
  }

  /** Resolves once `check` holds for the progress (woken at each change), or rejects at the deadline. */
  until(what: string, check: (p: Progress) => boolean, deadlineMs = 120_000): Promise<void> {
    if (check(this.progress)) return Promise.resolve();
    return new Promise((done, fail) => {
      const waiter = () => {
        if (!check(this.progress)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        done();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        fail(new Error(`load ${this.tag}: ${what} did not happen within ${deadlineMs} ms (${JSON.stringify(this.progress)})`));
      }, deadlineMs);
      this.waiters.add(waiter);
    });
  }

  private readonly waiters = new Set<() => void>();

  private advance(stage: keyof Progress): void {
    this.progress[stage] += 1;
    for (const waiter of [...this.waiters]) waiter();
  }

  private async drive(r: RunRecord): Promise<void> {
    const { plan } = r;
    const deadline = this.deadline;
    const started = await this.client.call({
      kind: 'start',
      method: 'POST',
      path: `/v1/agents/${DRILL_WORKFLOW}/workflow?wait=10s`,
      body: { input: { task: `${this.tag} #${plan.n}`, state: { n: plan.n } }, customer: this.tag },
      key: plan.startKey,
      who: OPERATOR,
      via: plan.startVia,
      deadline,
    });
    if (started.status !== 200) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.body).slice(0, 300)}`);
    const runId: string = started.body.run_id;
    r.runId = runId;
    r.t.started = Date.now();
    this.advance('started');

    let output = started.body.output as { status: string; pendingAction: { request_id: string } | null };
    while (!output.pendingAction && output.status === 'running') {
      if (Date.now() > deadline) throw new Error(`run ${runId} did not pause before the drill's deadline`);
      await sleep(POLL_MS);
      output = (await this.read(runId, plan.decideVia)).output;
    }
    if (!output.pendingAction) throw new Error(`run ${runId} did not pause; it is ${output.status}`);
    r.requestId = output.pendingAction.request_id;
    r.t.paused = Date.now();
    this.advance('paused');

    const decided = await this.client.call({
      kind: 'decide',
      method: 'POST',
      path: `/v1/approvals/${encodeURIComponent(r.requestId)}/decision?wait=10s`,
      body: { value: plan.value, comment: `drill ${this.tag}` },
      key: plan.decideKey,
      who: plan.approver,
      via: plan.decideVia,
      deadline,
    });
    r.decideStatus = decided.status;
    if (decided.status !== 200) throw new Error(`decision answered ${decided.status}: ${JSON.stringify(decided.body).slice(0, 300)}`);
    r.t.decided = Date.now();
    this.advance('decided');

    let status: string = decided.body.run.output.status;
    while (status === 'running' || status === 'paused') {
      if (Date.now() > deadline) throw new Error(`run ${runId} did not end before the drill's deadline; it is ${status}`);
      await sleep(POLL_MS);
      status = (await this.read(runId, plan.startVia)).status;
    }
    r.finalStatus = status;
    r.t.ended = Date.now();
    this.advance('ended');
  }

  private async read(runId: string, via: number): Promise<{ status: string; output: { status: string; pendingAction: { request_id: string } | null } }> {
    const read = await this.client.call({ kind: 'read', method: 'GET', path: `/v1/workflow-runs/${runId}`, who: OPERATOR, via, deadline: this.deadline });
    if (read.status !== 200) throw new Error(`reading run ${runId} answered ${read.status}: ${JSON.stringify(read.body).slice(0, 300)}`);
    return read.body;
  }
}
