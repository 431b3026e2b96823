import type { Client } from '@temporalio/client';
import { verifyRunAudit } from '../../src/core/audit-verify';
import { RUN_WORKFLOW_TYPE } from '../../src/contracts/temporal';
import { createLogger } from '../../src/logger';
import { waitFor } from '../../src/temporal/processes';
import type { DrillClient } from './client';
import { OPERATOR } from './definition';

const quiet = createLogger({ level: 'warn', format: 'pretty', name: 'drill-verify' });
import type { Ledger } from './ledger';

/** How a run must end: approved runs do both side effects, rejected ones complete after the first. */
export interface Expectation {
  runId: string;
  n: number;
  value: string;
  by: string;
}

/** What the checks found over a drill's runs. */
export interface Verification {
  runs: number;
  /** Runs that ended as they should, with their decision and side effects. */
  asExpected: number;
  /** Executions visibility holds for the drill's tag (one per run, unless a run was started twice or a failed start made one). */
  executions: number;
  /** Decisions the runs applied (audit `decided` entries) and decisions their histories received. */
  applied: number;
  historyDecisions: number;
  /** Handler attempts, effect calls (repeats included) and effects the ledger applied. */
  attempts: number;
  effectCalls: number;
  effects: number;
  /** Decisions applied twice, side effects applied twice for one step, runs started twice. */
  duplicates: number;
  problems: string[];
}

type View = {
  status: string;
  output: { result: unknown; steps: { name: string; type: string; status: string; output?: { key?: string }; decision?: { by?: string; value?: unknown } }[] };
};

/**
 * Reads every run back through the API and Temporal: its final status and result, the decision on its
 * pause (audit trail and history, cross-checked), and its side effects in the ledger (each completed
 * task step's key applied, no step applied under two keys); then counts the tag's executions.
 */
export async function verifyRuns(o: { temporal: Client; client: DrillClient; ledger: Ledger; tag: string; expected: Expectation[]; deadline: number }): Promise<Verification> {
  const problems: string[] = [];
  let asExpected = 0;
  let applied = 0;
  let historyDecisions = 0;
  let duplicates = 0;
  const runIds = new Set(o.expected.map((e) => e.runId));
  const { attempts, calls, applied: effects } = o.ledger.tally(runIds);
  const effectsByRun = new Map<string, Map<string, Set<string>>>();
  for (const e of effects) {
    const phases = effectsByRun.get(e.run) ?? new Map<string, Set<string>>();
    phases.set(e.phase, (phases.get(e.phase) ?? new Set()).add(e.key));
    effectsByRun.set(e.run, phases);
  }

  await forEachLimit(o.expected, 6, async (e) => {
    const own: string[] = [];
    const read = await o.client.call({ kind: 'read', method: 'GET', path: `/v1/workflow-runs/${e.runId}`, who: OPERATOR, via: e.n, deadline: o.deadline });
    if (read.status !== 200) return void problems.push(`run ${e.runId}: reading it answered ${read.status}`);
    const view = read.body as View;
    if (view.status !== 'completed') own.push(`ended ${view.status}, not completed`);
    const result = view.output.result as Record<string, unknown> | null;
    if (e.value === 'approve' && JSON.stringify(result) !== JSON.stringify({ n: e.n, prepared: 'prepare', applied: 'apply' })) own.push(`result ${JSON.stringify(result)}`);
    if (e.value === 'reject' && (result?.rejected as { by?: string } | undefined)?.by !== e.by) own.push(`result ${JSON.stringify(result)}, not rejected by ${e.by}`);
    const decision = view.output.steps.find((s) => s.name === 'approval')?.decision;
    if (decision?.by !== e.by || decision.value !== e.value) own.push(`decision ${JSON.stringify(decision)}, not ${e.value} by ${e.by}`);

    const audit = await o.client.call({ kind: 'read', method: 'GET', path: `/v1/workflow-runs/${e.runId}/audit`, who: OPERATOR, via: e.n + 1, deadline: o.deadline });
    const decided = audit.status === 200 ? (audit.body.entries as { type: string; chain: string }[]).filter((a) => a.type === 'decided' && a.chain === 'run').length : -1;
    applied += Math.max(0, decided);
    if (decided !== 1) own.push(`${decided} decisions applied (audit answered ${audit.status})`);
    if (decided > 1) duplicates += decided - 1;
    const report = await verifyRunAudit(o.temporal, e.runId);
    historyDecisions += report.history.received;
    if (!report.ok) own.push(`audit chain: ${report.problems.map((p) => JSON.stringify(p)).join('; ')}`);
    if (!report.history.ok) own.push(`history vs audit: ${report.history.problems.join('; ')}`);

    const wanted = e.value === 'approve' ? ['prepare', 'apply'] : ['prepare'];
    const phases = effectsByRun.get(e.runId) ?? new Map<string, Set<string>>();
    for (const phase of wanted) {
      const keys = phases.get(phase)?.size ?? 0;
      if (keys === 0) own.push(`no side effect for ${phase}`);
      if (keys > 1) {
        own.push(`${phase} applied under ${keys} keys`);
        duplicates += keys - 1;
      }
      const step = view.output.steps.find((s) => s.name === phase);
      if (step?.status !== 'completed' || !step.output?.key || !o.ledger.effects.has(step.output.key)) own.push(`step ${phase} is ${step?.status ?? 'missing'}; its key has ${step?.output?.key && o.ledger.effects.has(step.output.key) ? 'an' : 'no'} effect`);
    }
    for (const phase of phases.keys()) if (!wanted.includes(phase)) own.push(`unexpected side effect ${phase}`);

    if (own.length === 0) asExpected += 1;
    else problems.push(`run ${e.runId} (#${e.n}, ${e.value}): ${own.join('; ')}`);
  });

  // One execution per run: the same id twice is a run started twice; an id no client holds is a run
  // whose start the client was told failed.
  const executions = await listExecutions(o.temporal, o.tag, o.expected.length);
  const ids = new Set(executions.map((e) => e.workflowId));
  if (executions.length > ids.size) {
    problems.push(`${executions.length - ids.size} runs were started twice (${executions.length} executions for ${ids.size} run ids)`);
    duplicates += executions.length - ids.size;
  }
  const unknown = [...ids].filter((id) => !runIds.has(id));
  if (unknown.length > 0) problems.push(`${unknown.length} runs exist whose start the client was answered with an error (e.g. ${unknown.slice(0, 2).join(', ')})`);

  return { runs: o.expected.length, asExpected, executions: executions.length, applied, historyDecisions, attempts, effectCalls: calls, effects: effects.length, duplicates, problems };
}

/** Executions of the run workflow tagged (customer) `tag`; visibility lags, so it is read until all are there (at most 20 s). */
export async function listExecutions(temporal: Client, tag: string, expected: number): Promise<{ workflowId: string; runId: string }[]> {
  const query = `WorkflowType = '${RUN_WORKFLOW_TYPE}' AND HoldpointCustomer = '${tag}'`;
  let found: { workflowId: string; runId: string }[] = [];
  const all = async () => {
    found = [];
    for await (const e of temporal.workflow.list({ query, pageSize: 500 })) found.push({ workflowId: e.workflowId, runId: e.runId });
    return found.length >= expected;
  };
  // Fewer than expected after the deadline is the verifier's finding, not an error here.
  await waitFor(`${expected} executions tagged ${tag} in visibility`, all, { timeoutMs: 20_000, intervalMs: 500, log: quiet }).catch(() => undefined);
  return found;
}

export async function forEachLimit<T>(items: readonly T[], limit: number, each: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
}
