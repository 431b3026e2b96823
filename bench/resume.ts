import type { Definition, Step } from '../src/contracts/definition';
import { decideUpdate } from '../src/contracts/messages';
import { floorDecide, HOLDPOINT_CALLS, type FloorCalls } from './floor/workflows';
import type { BenchStack } from './stack';
import { startFloor } from './starts';
import { benchApprover, benchOperator, ms, resumeThroughGateway, summarise } from './stack';

const PAUSES_PER_RUN = 20;

/** A run that alternates a pause and a task: each resume runs one activity and reaches the next pause. */
export const resumeChain: Definition = {
  name: 'bench-resume-chain',
  steps: Array.from({ length: PAUSES_PER_RUN }, (_, i): Step[] => [
    { name: `gate${i}`, type: 'confirmation', message: `Gate ${i}?`, options: ['approve'] },
    { name: `work${i}`, type: 'task', handler: 'classifyLead', input: { leadId: `'lead-${i}'` } },
  ]).flat(),
};

/**
 * Resume → next pause, through the gateway (HTTP, JSON, zod, core) and through the raw client
 * (one update), alternating on the same runs so both see the same server, worker and load; beside
 * them the floor workflow's decide → next pause, alone and then with holdpoint's Temporal calls added
 * one by one, interleaved with holdpoint's. Runs are decided in turn, so each decision reaches a run
 * that has been idle while the others were decided.
 */
export async function benchResume(stack: BenchStack, runs: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) {
    const { run } = await stack.core.runs.start({ workflow: resumeChain.name, task: `bench ${i}`, waitMs: 30_000 }, benchOperator);
    ids.push(run.run_id);
  }
  // The floor, then the floor with holdpoint's Temporal calls added one by one.
  const floors: { label: string; calls: FloorCalls; ids: string[]; samples: number[] }[] = [
    { label: 'floor workflow (update)', calls: {} },
    { label: '  + a local activity at each pause (notify)', calls: { notify: true } },
    { label: '  + search attributes and memo written', calls: { notify: true, visibility: true } },
    { label: "  + a timer bounding the update's wait", calls: HOLDPOINT_CALLS },
  ].map((f) => ({ ...f, ids: [], samples: [] }));
  for (const f of floors) for (let i = 0; i < runs; i++) f.ids.push(await startFloor(stack, PAUSES_PER_RUN, f.calls));
  const gateway: number[] = [];
  const raw: number[] = [];
  const warmup = 2;
  for (let step = 0; step < PAUSES_PER_RUN - 1; step++) {
    for (const [i, runId] of ids.entries()) {
      const viaGateway = (step + i) % 2 === 0;
      const started = performance.now();
      let status: string;
      if (viaGateway) {
        await resumeThroughGateway(stack, runId, `gate${step}`, 'paused');
        status = 'paused';
      } else {
        const view = await stack.client.workflow
          .getHandle(runId)
          .executeUpdate(decideUpdate, { args: [{ step: `gate${step}`, value: 'approve', by: benchApprover.id, groups: benchApprover.groups, wait_ms: 30_000 }] });
        status = view.status;
      }
      const elapsed = performance.now() - started;
      if (status !== 'paused') throw new Error(`run ${runId} is ${status} after gate${step}, expected paused`);
      if (step >= warmup) (viaGateway ? gateway : raw).push(elapsed);
      for (const f of floors) {
        const floorStarted = performance.now();
        const floorStatus = await stack.client.workflow.getHandle(f.ids[i]!).executeUpdate(floorDecide, { args: [`gate${step}`] });
        if (floorStatus !== 'paused') throw new Error(`floor run ${f.ids[i]} is ${floorStatus} after decision ${step}, expected paused`);
        if (step >= warmup) f.samples.push(performance.now() - floorStarted);
      }
    }
  }
  const g = summarise(gateway);
  const r = summarise(raw);
  const floorStats = floors.map((x) => summarise(x.samples));
  const f = floorStats[0]!;
  const shaped = floorStats[floorStats.length - 1]!;
  const row = (x: ReturnType<typeof summarise>) => ({ n: x.n, p50: ms(x.p50), p95: ms(x.p95), mean: ms(x.mean) });
  console.log(`\nresume → next pause (one decision, one activity, the next pause reported; on ${stack.server})`);
  console.table({
    'holdpoint through the gateway (HTTP)': row(g),
    'holdpoint, raw Temporal client (update)': row(r),
    ...Object.fromEntries(floors.map((x, k) => [x.label, row(floorStats[k]!)])),
  });
  console.log(
    `ratio to the floor: p50 gateway ${(g.p50 / f.p50).toFixed(2)}×, raw ${(r.p50 / f.p50).toFixed(2)}×; ` +
      `p95 gateway ${(g.p95 / f.p95).toFixed(2)}×, raw ${(r.p95 / f.p95).toFixed(2)}×`,
  );
  console.log(`ratio to the floor + holdpoint's Temporal calls: p50 raw ${(r.p50 / shaped.p50).toFixed(2)}× (those calls alone: ${(shaped.p50 / f.p50).toFixed(2)}× the floor)`);
}
