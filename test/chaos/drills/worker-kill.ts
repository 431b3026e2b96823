import type { Drill } from '../report';
import { seconds } from '../report';
import { underLoad, until } from './under-load';

/**
 * kill -9 a worker while it holds activities open; a replacement starts. The steps it was in the
 * middle of time out (heartbeat) and run again elsewhere; the ledger applies each key once.
 * Recovery: from the kill to the last of those steps applied by another worker.
 */
export const workerKill: Drill = {
  name: 'worker-kill',
  title: 'kill -9 a worker mid-activity; a replacement starts',
  backend: 'cluster',
  run: (ctx) =>
    underLoad(ctx, 'worker-kill', async () => {
      const { topology } = ctx;
      const { ledger } = topology;
      const victim = topology.workers[0]!;
      const wanted = Math.max(2, Math.min(8, Math.floor(ctx.runs / 10)));
      await until(`${wanted} activities in flight on ${victim.name}`, () => ledger.inFlight(victim.name).length >= wanted, 90_000);
      const orphaned = ledger.inFlight(victim.name);
      const killedAt = Date.now();
      await victim.kill9();
      const replacement = await topology.startWorker(0);
      const replacementMs = Date.now() - killedAt;
      const redone = () => orphaned.filter((e) => ledger.effects.get(e.key)).length;
      await until('every step the killed worker was running applied elsewhere', () => redone() === orphaned.length, Math.max(10_000, ctx.deadline - Date.now()));
      const by = orphaned.map((e) => ledger.effects.get(e.key)!);
      const recoverMs = Math.max(0, ...by.map((e) => e.at - killedAt));
      const retried = by.filter((e) => e.worker !== victim.name).length;
      return {
        recoverMs,
        notes: [
          `killed ${victim.name} (pid ${victim.pid}) with ${orphaned.length} activities in flight; replacement ${replacement.name} polling ${seconds(replacementMs)} after the kill`,
          `those ${orphaned.length} steps: ${retried} re-run and applied by another worker (attempts ${by.map((e) => e.attempt).join(',')}), ${orphaned.length - retried} had been applied just before the kill`,
        ],
      };
    }),
};
