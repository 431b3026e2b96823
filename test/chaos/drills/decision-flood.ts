import { awaitSettledUpdate } from '../../../src/contracts/messages';
import { MAX_WAIT_MS } from '../../../src/contracts/message-rules';
import { waitFor } from '../../../src/temporal/processes';
import { approver, DRILL_WORKFLOW, OPERATOR } from '../definition';
import type { Drill, DrillResult } from '../report';
import { verifyRuns } from '../verify';
import { internalErrors } from './under-load';

/**
 * A decision flood: `ctx.runs` concurrent, conflicting decisions (ten approvers, both options) on one
 * pause, spread over both gateways. Exactly one wins; every other one is refused with a 409; the run's
 * history holds one decision. Repeated on a few pauses (HOLDPOINT_DRILL_FLOOD_ROUNDS, default 3).
 */
export const decisionFlood: Drill = {
  name: 'decision-flood',
  title: 'concurrent conflicting decisions on one pause over both gateways: exactly one wins',
  backend: 'cluster',
  run: async (ctx): Promise<DrillResult> => {
    const began = Date.now();
    const { topology } = ctx;
    const { client } = topology;
    client.stats.reset();
    const tag = `decision-flood-${began.toString(36)}`;
    const rounds = Number(process.env.HOLDPOINT_DRILL_FLOOD_ROUNDS ?? 3);
    const problems: string[] = [];
    const notes: string[] = [];
    const expected: { runId: string; n: number; value: string; by: string }[] = [];
    let refused = 0;
    const settleMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const started = await client.call({ kind: 'start', method: 'POST', path: `/v1/agents/${DRILL_WORKFLOW}/workflow?wait=15s`, body: { input: { task: `${tag} round ${round}`, state: { n: round } }, customer: tag }, key: `${tag}-${round}`, who: OPERATOR, via: round, deadline: ctx.deadline });
      if (started.status !== 200) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.body)}`);
      const runId: string = started.body.run_id;
      let pending = started.body.output.pendingAction as { request_id: string } | null;
      if (!pending) {
        // Not paused within the start's wait: wait on the run itself (it answers once it pauses or ends).
        const wait_ms = Math.min(MAX_WAIT_MS, Math.max(1, ctx.deadline - Date.now()));
        const view = await topology.temporal.workflow.getHandle(runId).executeUpdate(awaitSettledUpdate, { args: [{ wait_ms }] });
        pending = view.pending[0] ?? null;
        if (!pending) throw new Error(`run ${runId} did not pause in time (it is ${view.status})`);
      }
      const floodAt = Date.now();
      const answers = await Promise.all(
        Array.from({ length: ctx.runs }, (_, j) =>
          client.call({
            kind: 'decide',
            method: 'POST',
            path: `/v1/approvals/${encodeURIComponent(pending.request_id)}/decision?wait=5s`,
            body: { value: j % 2 === 0 ? 'approve' : 'reject', comment: `flood ${j}` },
            key: `${tag}-${round}-${j}`,
            who: approver(j),
            via: j,
            deadline: ctx.deadline,
          }).then(
            (a) => ({ j, status: a.status, type: (a.body?.error?.type as string | undefined) ?? null }),
            (err: unknown) => ({ j, status: 0, type: String(err) }),
          ),
        ),
      );
      settleMs.push(Date.now() - floodAt);
      const winners = answers.filter((a) => a.status === 200);
      const types = new Map<string, number>();
      for (const a of answers.filter((x) => x.status !== 200)) types.set(`${a.status} ${a.type}`, (types.get(`${a.status} ${a.type}`) ?? 0) + 1);
      refused += answers.filter((a) => a.status === 409).length;
      notes.push(`round ${round}: ${winners.length} won (${winners.map((w) => `${approver(w.j)} ${w.j % 2 === 0 ? 'approve' : 'reject'}`).join(', ')}), refused ${JSON.stringify(Object.fromEntries(types))}, all answered in ${((Date.now() - floodAt) / 1000).toFixed(1)}s`);
      if (winners.length !== 1) problems.push(`round ${round}: ${winners.length} decisions won, not exactly one`);
      const wrong = answers.filter((a) => a.status !== 200 && !(a.status === 409 && a.type === 'already_decided'));
      if (wrong.length > 0) problems.push(`round ${round}: ${wrong.length} losers were not refused with 409 already_decided (${[...new Set(wrong.map((w) => `${w.status} ${w.type}`))].join(', ')})`);
      const winner = winners[0];
      if (winner) expected.push({ runId, n: round, value: winner.j % 2 === 0 ? 'approve' : 'reject', by: approver(winner.j) });
      // The refusals are kept beside the run (its refusal log): all of them, once the log has caught up.
      const refusals = await refusalCount(ctx, runId, ctx.runs - 1);
      if (refusals !== ctx.runs - 1) problems.push(`round ${round}: the refusal log holds ${refusals} refusals, not ${ctx.runs - 1}`);
    }
    // Each run goes on to its end; then the same checks as every drill.
    for (const e of expected) {
      // The run's result (or its failure) once it ends, at most until the drill's deadline; verifyRuns reports a run that did not.
      await topology.temporal
        .withDeadline(Math.max(ctx.deadline, Date.now() + 1), () => topology.temporal.workflow.getHandle(e.runId).result())
        .catch(() => undefined);
    }
    const v = await verifyRuns({ temporal: topology.temporal, client, ledger: topology.ledger, tag, expected, deadline: Date.now() + 60_000 });
    return {
      name: 'decision-flood',
      backend: topology.backend,
      runs: rounds,
      asExpected: v.asExpected,
      decisions: { sent: client.stats.sent.decide, applied: v.applied, refused, inHistory: v.historyDecisions },
      duplicates: v.duplicates,
      attempts: v.attempts,
      effects: v.effects,
      recoverMs: Math.max(...settleMs),
      wallMs: Date.now() - began,
      notes: [...notes, `${ctx.runs} decisions per pause; client retries: ${client.stats.networkErrors} connection failures, 5xx ${JSON.stringify(client.stats.serverErrors)}; "recover" = slowest flood to be fully answered`],
      warnings: internalErrors(client.stats),
      problems: [...problems, ...v.problems],
    };
  },
};

/** Refused decisions in the run's audit (its refusal log), once the log has caught up (or what it holds after 20 s). */
async function refusalCount(ctx: Parameters<Drill['run']>[0], runId: string, expected: number): Promise<number> {
  let count = -1;
  const caughtUp = async () => {
    const audit = await ctx.topology.client.call({ kind: 'read', method: 'GET', path: `/v1/workflow-runs/${runId}/audit`, who: OPERATOR, via: 1, deadline: Date.now() + 10_000 });
    count = audit.status === 200 ? (audit.body.entries as { type: string }[]).filter((e) => e.type === 'refused').length : -1;
    return count >= expected;
  };
  await waitFor(`the refusal log of ${runId}`, caughtUp, { timeoutMs: 20_000, log: ctx.logger, intervalMs: 500 }).catch(() => undefined);
  return count;
}
