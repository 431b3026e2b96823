import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { ownCpuMs, treeCpuMs } from './cpu';
import { floorAwaitPaused, type floorRun } from './floor/workflows';
import { FLOOR_TASK_QUEUE } from './floor/worker';
import type { BenchStack } from './stack';
import { BENCH_KEYS } from './stack';

interface StartFigures {
  runs: number;
  perSecond: number;
  /** CPU of this process (gateway + worker + client) per run, ms. */
  ownCpuPerRun: number;
  /** CPU of the Temporal server per run, ms (undefined when not ours to read). */
  serverCpuPerRun: number | undefined;
  /** CPU of PostgreSQL per run, ms (on the local cluster). */
  databaseCpuPerRun: number | undefined;
}

/** Starts `runs` runs, `concurrency` at a time, each until it pauses; CPU read around the batch. */
async function measure(stack: BenchStack, runs: number, concurrency: number, startOne: (i: number) => Promise<unknown>): Promise<StartFigures> {
  const cpu0 = ownCpuMs();
  const server0 = treeCpuMs(stack.serverPid);
  const database0 = treeCpuMs(stack.databasePid);
  const t0 = performance.now();
  await pooled(runs, concurrency, startOne);
  const wall = performance.now() - t0;
  const server1 = treeCpuMs(stack.serverPid);
  const database1 = treeCpuMs(stack.databasePid);
  return {
    runs,
    perSecond: (runs * 1000) / wall,
    ownCpuPerRun: (ownCpuMs() - cpu0) / runs,
    serverCpuPerRun: server0 !== undefined && server1 !== undefined ? (server1 - server0) / runs : undefined,
    databaseCpuPerRun: database0 !== undefined && database1 !== undefined ? (database1 - database0) / runs : undefined,
  };
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

/** The floor workflow started with an update that answers once it pauses (the same shape as a holdpoint start). */
export async function startFloor(stack: BenchStack, pauses = 1): Promise<string> {
  const workflowId = `floor-${randomUUID()}`;
  const status = await stack.client.workflow.executeUpdateWithStart(floorAwaitPaused, {
    startWorkflowOperation: new WithStartWorkflowOperation<typeof floorRun>('floorRun', {
      workflowId,
      taskQueue: FLOOR_TASK_QUEUE,
      args: [pauses],
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

const fmt = (v: number | undefined, unit = 'ms'): string => (v === undefined ? 'n/a' : `${v.toFixed(1)} ${unit}`);

/**
 * Starts to the first pause: holdpoint (through the gateway) and the floor workflow, in alternating
 * batches so both see the same server state. Figures: starts/s, CPU per run in this process
 * (gateway + worker) and in the Temporal server, and holdpoint's ratio to the floor.
 */
export async function benchStarts(stack: BenchStack, runs: number, concurrency: number): Promise<void> {
  // Warm both paths (bundle contexts, connections, JIT) before measuring.
  await measure(stack, 20, concurrency, (i) => startHoldpoint(stack, 100_000 + i));
  await measure(stack, 20, concurrency, () => startFloor(stack));
  const holdpoint: StartFigures[] = [];
  const floor: StartFigures[] = [];
  const rounds = 2;
  for (let r = 0; r < rounds; r++) {
    holdpoint.push(await measure(stack, runs / rounds, concurrency, (i) => startHoldpoint(stack, r * runs + i)));
    floor.push(await measure(stack, runs / rounds, concurrency, () => startFloor(stack)));
  }
  const mean = (xs: StartFigures[], pick: (f: StartFigures) => number | undefined): number | undefined => {
    const vs = xs.map(pick);
    return vs.some((v) => v === undefined) ? undefined : (vs as number[]).reduce((a, b) => a + b, 0) / vs.length;
  };
  const figures = (xs: StartFigures[]) => ({
    perSecond: mean(xs, (x) => x.perSecond)!,
    own: mean(xs, (x) => x.ownCpuPerRun)!,
    server: mean(xs, (x) => x.serverCpuPerRun),
    database: mean(xs, (x) => x.databaseCpuPerRun),
  });
  const h = figures(holdpoint);
  const f = figures(floor);
  const row = (x: typeof h) => ({
    'starts/s': x.perSecond.toFixed(1),
    'CPU/run holdpoint': fmt(x.own),
    'CPU/run Temporal': fmt(x.server),
    ...(stack.databasePid !== undefined ? { 'CPU/run PostgreSQL': fmt(x.database) } : {}),
  });
  console.log(`\nstarts to the first pause (${runs} runs each, ${concurrency} at a time, on ${stack.server})`);
  console.table({ 'holdpoint lead-router (gateway)': row(h), 'floor workflow (client update-with-start)': row(f) });
  const shapes = { holdpoint: await historyShape(stack, await startHoldpoint(stack, 999_999)), floor: await historyShape(stack, await startFloor(stack)) };
  console.log('one start to its first pause, in history (each workflow task and activity is a round trip to the server)');
  console.table(shapes);
  console.log(
    `ratio holdpoint / floor: starts/s ${(h.perSecond / f.perSecond).toFixed(2)}×, CPU in this process ${(h.own / f.own).toFixed(2)}×` +
      (h.server !== undefined && f.server !== undefined ? `, CPU in Temporal ${(h.server / f.server).toFixed(2)}×` : '') +
      (h.database !== undefined && f.database !== undefined ? `, CPU in PostgreSQL ${(h.database / f.database).toFixed(2)}×` : ''),
  );
}
