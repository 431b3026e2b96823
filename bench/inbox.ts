import type { Definition } from '../src/contracts/definition';
import { getRunQuery } from '../src/contracts/messages';
import { RUN_WORKFLOW_TYPE } from '../src/contracts/temporal';
import { BENCH_KEYS, benchOperator, ms, summarise, type BenchStack } from './stack';

/** A run that pauses at once, assigned to a group, with a little context for the inbox to carry. */
export const inboxGate: Definition = {
  name: 'bench-inbox',
  steps: [
    {
      name: 'gate',
      type: 'confirmation',
      message: 'Approve refund {{ state.n }} of {{ state.amount }} EUR?',
      context: '{ "n": state.n, "amount": state.amount }',
      assignees: ['group:bench'],
      timeout: '7d',
    },
  ],
};

const PAGE = 50;
const SAMPLES = 25;

/** Starts runs until `target` are pending, at a bounded concurrency, and waits for visibility to show them. */
async function fillTo(stack: BenchStack, target: number, started: number): Promise<number> {
  const began = performance.now();
  let next = started;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < target) {
        const n = next++;
        await stack.core.runs.start({ workflow: inboxGate.name, task: `refund ${n}`, state: { n, amount: (n % 500) + 1 }, waitMs: 0 }, benchOperator);
      }
    }),
  );
  const query = `WorkflowType = '${RUN_WORKFLOW_TYPE}' AND HoldpointApprovalStates = 'pending'`;
  for (;;) {
    const { count } = await stack.client.workflow.count(query);
    if (count >= target) break;
    await new Promise((r) => setTimeout(r, 500)); // visibility catches up asynchronously; no deadline needed in a bench
  }
  const seconds = (performance.now() - began) / 1000;
  stack.logger.info({ pending: target, startedPerSecond: Math.round((target - started) / seconds) }, 'runs are pending');
  return target;
}

export async function time(fn: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  await fn(); // warm-up
  for (let i = 0; i < SAMPLES; i++) {
    const began = performance.now();
    await fn();
    samples.push(performance.now() - began);
  }
  return samples;
}

export async function inboxPage(stack: BenchStack, query: string): Promise<void> {
  const res = await fetch(`${stack.baseUrl}/v1/approvals?limit=${PAGE}&${query}`, { headers: { 'x-api-key': BENCH_KEYS.approver } });
  const body = (await res.json()) as { data: unknown[] };
  if (res.status !== 200 || body.data.length !== PAGE) throw new Error(`inbox page: ${res.status}, ${body.data?.length} items`);
}

/** What an inbox costs without the memo: list a page of run ids, then ask each run for its state. */
async function queryPerRun(stack: BenchStack): Promise<void> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query: `WorkflowType = '${RUN_WORKFLOW_TYPE}' AND HoldpointApprovalStates = 'pending'`, pageSize: PAGE })) {
    ids.push(execution.workflowId);
    if (ids.length === PAGE) break;
  }
  await Promise.all(ids.map((id) => stack.client.workflow.getHandle(id).query(getRunQuery)));
}

export async function benchInbox(stack: BenchStack, sizes: number[]): Promise<void> {
  const rows: Record<string, Record<string, string | number>> = {};
  const p50: Record<number, number> = {};
  let pending = 0;
  for (const size of sizes) {
    pending = await fillTo(stack, size, pending);
    const first = summarise(await time(() => inboxPage(stack, '')));
    const mine = summarise(await time(() => inboxPage(stack, 'assignee=mine&workflow=bench-inbox')));
    const naive = summarise(await time(() => queryPerRun(stack)));
    p50[size] = first.p50;
    rows[`${size} pending · inbox page (memo)`] = { p50: ms(first.p50), p95: ms(first.p95) };
    rows[`${size} pending · inbox, assignee=mine`] = { p50: ms(mine.p50), p95: ms(mine.p95) };
    rows[`${size} pending · list + query per run`] = { p50: ms(naive.p50), p95: ms(naive.p95) };
    rows[`${size} pending · ratio query-per-run / memo`] = { p50: `${(naive.p50 / first.p50).toFixed(1)}×`, p95: `${(naive.p95 / first.p95).toFixed(1)}×` };
  }
  console.log(`\napprovals inbox: one page of ${PAGE} pending requests (${SAMPLES} samples each)`);
  console.table(rows);
  if (sizes.length > 1) {
    const [small, large] = [sizes[0]!, sizes[sizes.length - 1]!];
    console.log(`inbox page p50 at ${large} vs ${small} pending runs: ${(p50[large]! / p50[small]!).toFixed(2)}×`);
  }
}
