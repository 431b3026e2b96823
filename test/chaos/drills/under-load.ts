import type { CallStats } from '../client';
import { createLogger } from '../../../src/logger';
import { waitFor } from '../../../src/temporal/processes';
import { Load } from '../load';
import type { DrillContext, DrillResult } from '../report';
import { verifyRuns } from '../verify';

/** What a fault did: when the interrupted work was going again, and figures worth a line. */
export interface Fault {
  recoverMs?: number | undefined;
  notes?: string[];
  problems?: string[];
}

/**
 * The common shape of a drill: `ctx.runs` concurrent runs, a fault injected while they run, then
 * every run read back and checked (status, result, decision, side effects, executions).
 */
export async function underLoad(ctx: DrillContext, name: string, inject: (load: Load) => Promise<Fault>): Promise<DrillResult> {
  const began = Date.now();
  const { topology } = ctx;
  const exitsBefore = topology.unexpectedExits.length;
  topology.client.stats.reset();
  const tag = `${name}-${began.toString(36)}`;
  const load = new Load(topology.client, tag, ctx.runs, ctx.deadline);
  const problems: string[] = [];
  let fault: Fault = {};
  try {
    fault = await inject(load);
  } catch (err) {
    problems.push(`the fault: ${err instanceof Error ? err.message : String(err)}`);
  }
  await load.done;
  const result = await checkLoad(ctx, name, load, began);
  const exits = topology.unexpectedExits.slice(exitsBefore);
  return {
    ...result,
    recoverMs: fault.recoverMs,
    notes: [...(fault.notes ?? []), ...result.notes],
    problems: [...problems, ...(fault.problems ?? []), ...result.problems, ...exits.map((e) => `a process the drill did not kill exited: ${e}`)],
  };
}

/** Reads back and checks every run of a load; the figures of a drill without its fault's. */
export async function checkLoad(ctx: DrillContext, name: string, load: Load, began: number): Promise<DrillResult> {
  const { topology } = ctx;
  const stats = topology.client.stats;
  const problems: string[] = [];
  const failed = load.records.filter((r) => r.error);
  for (const r of failed.slice(0, 5)) problems.push(`run #${r.plan.n}${r.runId ? ` (${r.runId})` : ''}: ${r.error}`);
  if (failed.length > 5) problems.push(`...and ${failed.length - 5} more runs whose client gave up`);
  const expected = load.records.filter((r) => r.runId).map((r) => ({ runId: r.runId!, n: r.plan.n, value: r.plan.value, by: r.plan.approver }));
  const v = await verifyRuns({ temporal: topology.temporal, client: topology.client, ledger: topology.ledger, tag: load.tag, expected, deadline: Date.now() + 120_000 });
  const sentDecisions = stats.sent.decide;
  const clientSide = `client: ${stats.sent.start} start, ${sentDecisions} decide, ${stats.sent.read} read requests; ${stats.networkErrors} connection failures; 5xx ${JSON.stringify(stats.serverErrors)}`;
  return {
    name,
    backend: topology.backend,
    runs: load.records.length,
    asExpected: v.asExpected,
    decisions: { sent: sentDecisions, applied: v.applied, refused: load.records.filter((r) => r.decideStatus !== undefined && r.decideStatus !== 200).length, inHistory: v.historyDecisions },
    duplicates: v.duplicates,
    attempts: v.attempts,
    effects: v.effects,
    recoverMs: undefined,
    wallMs: Date.now() - began,
    notes: [clientSide, `executions in visibility: ${v.executions}; effect calls ${v.effectCalls} (repeats deduped by key: ${v.effectCalls - v.effects})`],
    warnings: internalErrors(stats),
    problems: [...problems, ...v.problems],
  };
}

/** Resolves once `check` holds (the project's `waitFor`, every 100 ms); throws naming `what` at the deadline. */
export function until(what: string, check: () => boolean, deadlineMs: number): Promise<void> {
  return waitFor(what, () => Promise.resolve(check()), { timeoutMs: deadlineMs, log: quiet, intervalMs: 100 });
}

/** The drills' waits report through their errors, not through progress lines. */
const quiet = createLogger({ level: 'silent', format: 'json' });

/**
 * The first moment, from now, a gateway answers a read of a live run: the gateway, Temporal and a
 * worker (which answers the query) all serve again.
 */
export async function firstServed(ctx: DrillContext, load: Load, deadlineMs: number): Promise<number> {
  const { topology } = ctx;
  const served = async () => {
    const live = load.records.find((r) => r.runId && !r.t.ended) ?? load.records.find((r) => r.runId);
    if (!live?.runId) return false;
    for (const via of topology.gateways.keys()) {
      const read = topology.client.call({ kind: 'read', method: 'GET', path: `/v1/workflow-runs/${live.runId}`, who: 'drill-operator', via, deadline: Date.now() + 3_000 });
      if (await read.then((a) => a.status === 200, () => false)) return true;
    }
    return false;
  };
  await waitFor('a gateway serving a run after the restart', served, { timeoutMs: deadlineMs, log: quiet, intervalMs: 250 });
  return Date.now();
}

/** 500s the gateways answered (the client retried them): never right, even while something is down. */
export function internalErrors(stats: CallStats): string[] {
  const count = stats.serverErrors[500] ?? 0;
  return count === 0 ? [] : [`${count} answers were HTTP 500 (retried with the same key), e.g. ${stats.internalErrors.join(' | ')}`];
}
