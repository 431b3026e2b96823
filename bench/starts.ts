import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { ownCpuMs, treeCpuMs } from './cpu';
import { floorAwaitPaused, HOLDPOINT_CALLS, type FloorCalls, type floorRun } from './floor/workflows';
import { FLOOR_TASK_QUEUE } from './floor/worker';
import type { BenchStack } from './stack';
import { BENCH_KEYS, benchOperator } from './stack';

/** A batch of calls measured together: their rate, and CPU per call here, in Temporal and in PostgreSQL. */
export interface BatchFigures {
  perSecond: number;
  /** CPU of this process (gateway + worker + client) per call, ms. */
  ownCpu: number;
  /** CPU of the Temporal server per call, ms (undefined when not ours to read). */
  serverCpu: number | undefined;
  /** CPU of PostgreSQL per call, ms (on the local cluster). */
  databaseCpu: number | undefined;
}

/** Calls `one(0 … n-1)`, `concurrency` at a time; CPU read around the batch. */
export async function measureBatch(stack: BenchStack, n: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<BatchFigures> {
  const cpu0 = ownCpuMs();
  const server0 = treeCpuMs(stack.serverPid);
  const database0 = treeCpuMs(stack.databasePid);
  const t0 = performance.now();
  await pooled(n, concurrency, one);
  const wall = performance.now() - t0;
  const perCall = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? (b - a) / n : undefined);
  return {
    perSecond: (n * 1000) / wall,
    ownCpu: (ownCpuMs() - cpu0) / n,
    serverCpu: perCall(server0, treeCpuMs(stack.serverPid)),
    databaseCpu: perCall(database0, treeCpuMs(stack.databasePid)),
  };
}

/** The mean of each figure over batches (undefined where any batch lacks it). */
export function meanFigures(xs: BatchFigures[]): BatchFigures {
  const mean = (pick: (f: BatchFigures) => number | undefined): number | undefined => {
    const vs = xs.map(pick);
    return vs.some((v) => v === undefined) ? undefined : (vs as number[]).reduce((a, b) => a + b, 0) / vs.length;
  };
  return { perSecond: mean((x) => x.perSecond)!, ownCpu: mean((x) => x.ownCpu)!, serverCpu: mean((x) => x.serverCpu), databaseCpu: mean((x) => x.databaseCpu) };
}

/** Calls `one(0 … n-1)`, `concurrency` at a time. */
export async function pooled(n: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
}

/** A lead-router run started through the gateway (/v1), answered once it pauses for approval. */
export async function startHoldpoint(stack: BenchStack, i: number): Promise<string> {
  const res = await fetch(`${stack.baseUrl}/v1/agents/lead-router/workflow?wait=30s`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_KEYS.operator },
    body: JSON.stringify({ input: { task: `bench start ${i}`, state: { leadId: `lead-${i}`, company: 'Acme', employees: 800 } } }),
  });
  const body = (await res.json()) as { run_id: string; output?: { status?: string } };
  if (res.status !== 200 || body.output?.status !== 'paused') throw new Error(`start ${i}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.run_id;
}

/** A lead-router run started by the core itself (no HTTP, no express): what the gateway costs is the difference. */
export async function startHoldpointCore(stack: BenchStack, i: number): Promise<string> {
  const { run } = await stack.core.runs.start({ workflow: 'lead-router', task: `bench start ${i}`, state: { leadId: `lead-${i}`, company: 'Acme', employees: 800 }, waitMs: 30_000 }, benchOperator);
  if (run.status !== 'paused') throw new Error(`core start ${i}: the run is ${run.status}, expected paused`);
  return run.run_id;
}

/** The floor workflow started with an update that answers once it pauses (the same shape as a holdpoint start). */
export async function startFloor(stack: BenchStack, pauses = 1, calls: FloorCalls = {}): Promise<string> {
  const workflowId = `floor-${randomUUID()}`;
  const status = await stack.client.workflow.executeUpdateWithStart(floorAwaitPaused, {
    startWorkflowOperation: new WithStartWorkflowOperation<typeof floorRun>('floorRun', {
      workflowId,
      taskQueue: FLOOR_TASK_QUEUE,
      args: [pauses, calls],
      workflowIdConflictPolicy: 'FAIL',
    }),
  });
  if (status !== 'paused') throw new Error(`floor run is ${status}, expected paused`);
  return workflowId;
}

/** What one run's start cost in history: events, workflow tasks, activities (each a server round trip). */
async function historyShape(stack: BenchStack, workflowId: string): Promise<{ events: number; workflowTasks: number; activities: number; bytes: number }> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    events: events.length,
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    bytes: JSON.stringify(history).length,
  };
}

export const fmt = (v: number | undefined, unit = 'ms'): string => (v === undefined ? 'n/a' : `${v.toFixed(1)} ${unit}`);

/**
 * Starts to the first pause: holdpoint (through the gateway) and the floor workflow, in alternating
 * batches so both see the same server state. Figures: starts/s, CPU per run in this process
 * (gateway + worker) and in the Temporal server, and holdpoint's ratio to the floor.
 */
export async function benchStarts(stack: BenchStack, runs: number, concurrency: number): Promise<void> {
  // Warm both paths (bundle contexts, connections, JIT) before measuring.
  await measureBatch(stack, 20, concurrency, (i) => startHoldpoint(stack, 100_000 + i));
  await measureBatch(stack, 20, concurrency, (i) => startHoldpointCore(stack, 200_000 + i));
  await measureBatch(stack, 20, concurrency, () => startFloor(stack));
  const holdpoint: BatchFigures[] = [];
  const direct: BatchFigures[] = [];
  const floor: BatchFigures[] = [];
  const shaped: BatchFigures[] = [];
  const rounds = 2;
  for (let r = 0; r < rounds; r++) {
    holdpoint.push(await measureBatch(stack, runs / rounds, concurrency, (i) => startHoldpoint(stack, r * runs + i)));
    direct.push(await measureBatch(stack, runs / rounds, concurrency, (i) => startHoldpointCore(stack, 300_000 + r * runs + i)));
    floor.push(await measureBatch(stack, runs / rounds, concurrency, () => startFloor(stack)));
    shaped.push(await measureBatch(stack, runs / rounds, concurrency, () => startFloor(stack, 1, HOLDPOINT_CALLS)));
  }
  const h = meanFigures(holdpoint);
  const c = meanFigures(direct);
  const f = meanFigures(floor);
  const s = meanFigures(shaped);
  const row = (x: BatchFigures) => ({
    'starts/s': x.perSecond.toFixed(1),
    'CPU/run holdpoint': fmt(x.ownCpu),
    'CPU/run Temporal': fmt(x.serverCpu),
    ...(stack.databasePid !== undefined ? { 'CPU/run PostgreSQL': fmt(x.databaseCpu) } : {}),
  });
  console.log(`\nstarts to the first pause (${runs} runs each, ${concurrency} at a time, on ${stack.server})`);
  console.table({ 'holdpoint lead-router (gateway)': row(h), 'holdpoint lead-router (core, no HTTP)': row(c), 'floor workflow (client update-with-start)': row(f), "floor + holdpoint's Temporal calls": row(s) });
  const shapes = { holdpoint: await historyShape(stack, await startHoldpoint(stack, 999_999)), floor: await historyShape(stack, await startFloor(stack)) };
  console.log('one start to its first pause, in history (each workflow task and activity is a round trip to the server)');
  console.table(shapes);
  console.log(
    `ratio holdpoint / floor: starts/s ${(h.perSecond / f.perSecond).toFixed(2)}×, CPU in this process ${(h.ownCpu / f.ownCpu).toFixed(2)}× (${(c.ownCpu / f.ownCpu).toFixed(2)}× without HTTP)` +
      (h.serverCpu !== undefined && f.serverCpu !== undefined ? `, CPU in Temporal ${(h.serverCpu / f.serverCpu).toFixed(2)}×` : '') +
      (h.databaseCpu !== undefined && f.databaseCpu !== undefined ? `, CPU in PostgreSQL ${(h.databaseCpu / f.databaseCpu).toFixed(2)}×` : ''),
  );
  console.log(`ratio holdpoint (core, no HTTP) / floor + holdpoint's Temporal calls: CPU in this process ${(c.ownCpu / s.ownCpu).toFixed(2)}×`);
}
