import { floorDecide, HOLDPOINT_CALLS } from './floor/workflows';
import type { BenchStack } from './stack';
import { benchApprover, resumeThroughGateway } from './stack';
import { fmt, measureBatch, meanFigures, pooled, startFloor, startHoldpoint, type BatchFigures } from './starts';

/** The approval decided by the core itself (no HTTP, no express), as the approver. */
async function decideThroughCore(stack: BenchStack, runId: string): Promise<void> {
  const view = await stack.core.runs.decide(runId, { step: 'approval', value: 'approve' }, 30_000, benchApprover);
  if (view.status !== 'completed') throw new Error(`run ${runId} is ${view.status} after its decision through the core, expected completed`);
}

async function decideFloor(stack: BenchStack, workflowId: string): Promise<void> {
  const status = await stack.client.workflow.getHandle(workflowId).executeUpdate(floorDecide, { args: ['approve'] });
  if (status !== 'done') throw new Error(`floor run ${workflowId} is ${status} after its decision, expected done`);
}

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
  const decideAll = (ids: string[], decide: (id: string) => Promise<void>) => measureBatch(stack, ids.length, concurrency, (i) => decide(ids[i]!));
  const viaGateway = (id: string) => resumeThroughGateway(stack, id, 'approval', 'completed');
  const viaCore = (id: string) => decideThroughCore(stack, id);
  // Warm-up: a few of each, decided, so both paths are compiled and connected.
  await decideAll(await startAll((i) => startHoldpoint(stack, 700_000 + i)).then((ids) => ids.slice(0, 20)), viaGateway);
  await decideAll(await startAll((i) => startHoldpoint(stack, 750_000 + i)).then((ids) => ids.slice(0, 20)), viaCore);
  const holdpointIds = await startAll((i) => startHoldpoint(stack, 800_000 + i));
  const coreIds = await startAll((i) => startHoldpoint(stack, 900_000 + i));
  const floorIds = await startAll(() => startFloor(stack));
  const shapedIds = await startAll(() => startFloor(stack, 1, HOLDPOINT_CALLS));
  const half = Math.floor(runs / 2);
  // Alternating halves, so all four see the same server state.
  const h1 = await decideAll(holdpointIds.slice(0, half), viaGateway);
  const c1 = await decideAll(coreIds.slice(0, half), viaCore);
  const f1 = await decideAll(floorIds.slice(0, half), (id) => decideFloor(stack, id));
  const s1 = await decideAll(shapedIds.slice(0, half), (id) => decideFloor(stack, id));
  const h2 = await decideAll(holdpointIds.slice(half), viaGateway);
  const c2 = await decideAll(coreIds.slice(half), viaCore);
  const f2 = await decideAll(floorIds.slice(half), (id) => decideFloor(stack, id));
  const s2 = await decideAll(shapedIds.slice(half), (id) => decideFloor(stack, id));
  const h = meanFigures([h1, h2]);
  const c = meanFigures([c1, c2]);
  const f = meanFigures([f1, f2]);
  const s = meanFigures([s1, s2]);
  const row = (x: BatchFigures) => ({
    'decisions/s': x.perSecond.toFixed(1),
    'CPU/decision holdpoint': fmt(x.ownCpu),
    'CPU/decision Temporal': fmt(x.serverCpu),
    ...(stack.databasePid !== undefined ? { 'CPU/decision PostgreSQL': fmt(x.databaseCpu) } : {}),
  });
  console.log(`\ndecision throughput: ${runs} paused runs each approved once, ${concurrency} approvers at a time (decision → task → end; on ${stack.server})`);
  console.table({ 'holdpoint lead-router (gateway /v1 resume)': row(h), 'holdpoint lead-router (core, no HTTP)': row(c), 'floor workflow (client update)': row(f), "floor + holdpoint's Temporal calls": row(s) });
  console.log(
    `ratio holdpoint / floor: decisions/s ${(h.perSecond / f.perSecond).toFixed(2)}×, CPU in this process ${(h.ownCpu / f.ownCpu).toFixed(2)}× (${(c.ownCpu / f.ownCpu).toFixed(2)}× without HTTP)`,
  );
  console.log(`ratio holdpoint (core, no HTTP) / floor + holdpoint's Temporal calls: CPU in this process ${(c.ownCpu / s.ownCpu).toFixed(2)}×`);
}
