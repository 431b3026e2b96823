import { ownCpuMs, treeCpuMs } from './cpu';
import { floorDecide } from './floor/workflows';
import type { BenchStack } from './stack';
import { resumeThroughGateway } from './stack';
import { pooled, startFloor, startHoldpoint } from './starts';

interface DecisionFigures {
  perSecond: number;
  ownCpu: number;
  serverCpu: number | undefined;
  databaseCpu: number | undefined;
}

/** Sends one decision per run, `concurrency` at a time; CPU read around the batch. */
async function measure(stack: BenchStack, ids: string[], concurrency: number, decide: (id: string) => Promise<void>): Promise<DecisionFigures> {
  const cpu0 = ownCpuMs();
  const server0 = treeCpuMs(stack.serverPid);
  const database0 = treeCpuMs(stack.databasePid);
  const t0 = performance.now();
  await pooled(ids.length, concurrency, (i) => decide(ids[i]!));
  const wall = performance.now() - t0;
  const delta = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? (b - a) / ids.length : undefined);
  return {
    perSecond: (ids.length * 1000) / wall,
    ownCpu: (ownCpuMs() - cpu0) / ids.length,
    serverCpu: delta(server0, treeCpuMs(stack.serverPid)),
    databaseCpu: delta(database0, treeCpuMs(stack.databasePid)),
  };
}

async function decideFloor(stack: BenchStack, workflowId: string): Promise<void> {
  const status = await stack.client.workflow.getHandle(workflowId).executeUpdate(floorDecide, { args: ['approve'] });
  if (status !== 'done') throw new Error(`floor run ${workflowId} is ${status} after its decision, expected done`);
}

const fmt = (v: number | undefined): string => (v === undefined ? 'n/a' : `${v.toFixed(1)} ms`);

/**
 * Decision throughput with many approvers deciding at once: `runs` paused lead-router runs each get
 * one approval through the gateway (the run then routes the lead and ends), `concurrency` requests in
 * flight; beside it the floor workflow's decide → activity → end by raw update. Figures: decisions/s
 * and CPU per decision in this process, the Temporal server and (on the cluster) PostgreSQL.
 */
export async function benchDecisions(stack: BenchStack, runs: number, concurrency: number): Promise<void> {
  const startAll = (start: (i: number) => Promise<string>) => {
    const ids: string[] = [];
    return pooled(runs, 16, async (i) => void ids.push(await start(i))).then(() => ids);
  };
  // Warm-up: a few of each, decided, so both paths are compiled and connected.
  await measure(stack, await startAll((i) => startHoldpoint(stack, 700_000 + i)).then((ids) => ids.slice(0, 20)), concurrency, (id) => resumeThroughGateway(stack, id, 'approval', 'completed'));
  const holdpointIds = await startAll((i) => startHoldpoint(stack, 800_000 + i));
  const floorIds = await startAll(() => startFloor(stack));
  const half = Math.floor(runs / 2);
  // Alternating halves, so both see the same server state.
  const h1 = await measure(stack, holdpointIds.slice(0, half), concurrency, (id) => resumeThroughGateway(stack, id, 'approval', 'completed'));
  const f1 = await measure(stack, floorIds.slice(0, half), concurrency, (id) => decideFloor(stack, id));
  const h2 = await measure(stack, holdpointIds.slice(half), concurrency, (id) => resumeThroughGateway(stack, id, 'approval', 'completed'));
  const f2 = await measure(stack, floorIds.slice(half), concurrency, (id) => decideFloor(stack, id));
  const avg = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? (a + b) / 2 : undefined);
  const both = (a: DecisionFigures, b: DecisionFigures): DecisionFigures => ({
    perSecond: (a.perSecond + b.perSecond) / 2,
    ownCpu: (a.ownCpu + b.ownCpu) / 2,
    serverCpu: avg(a.serverCpu, b.serverCpu),
    databaseCpu: avg(a.databaseCpu, b.databaseCpu),
  });
  const h = both(h1, h2);
  const f = both(f1, f2);
  const row = (x: DecisionFigures) => ({
    'decisions/s': x.perSecond.toFixed(1),
    'CPU/decision holdpoint': fmt(x.ownCpu),
    'CPU/decision Temporal': fmt(x.serverCpu),
    ...(stack.databasePid !== undefined ? { 'CPU/decision PostgreSQL': fmt(x.databaseCpu) } : {}),
  });
  console.log(`\ndecision throughput: ${runs} paused runs each approved once, ${concurrency} approvers at a time (decision → task → end; on ${stack.server})`);
  console.table({ 'holdpoint lead-router (gateway /v1 resume)': row(h), 'floor workflow (client update)': row(f) });
  console.log(`ratio holdpoint / floor: decisions/s ${(h.perSecond / f.perSecond).toFixed(2)}×, CPU in this process ${(h.ownCpu / f.ownCpu).toFixed(2)}×`);
}
