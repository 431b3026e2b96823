import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskHandlers } from '../../src/activities/tasks';

/** The drill definition's task handler name. */
export const DRILL_HANDLER = 'drillEffect';

/** What a drill handler tells the ledger: which step of which run, under which key, from where. */
export interface LedgerCall {
  key: string;
  run: string;
  phase: string;
  worker: string;
  attempt: number;
}

/**
 * The drill's task step: announce the attempt, do "the work" (held open a while, heartbeating, so a
 * killed worker has activities in flight), then make the side effect, keyed by the activity's
 * idempotency key, at the ledger, which applies each key once. Returns the key so the checks can
 * tie each completed step to its effect.
 */
export function drillHandlers(o: { ledgerUrl: string; worker: string; holdMs: number }): TaskHandlers {
  const post = async (path: string, call: LedgerCall, signal: AbortSignal) => {
    const res = await fetch(`${o.ledgerUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call), signal });
    if (!res.ok) throw new Error(`the ledger answered ${res.status} to ${path}`);
  };
  return {
    [DRILL_HANDLER]: async (input: { phase: string; n: number }, ctx) => {
      const call: LedgerCall = { key: ctx.idempotencyKey, run: ctx.runId, phase: input.phase, worker: o.worker, attempt: ctx.attempt };
      await post('/begin', call, ctx.signal);
      // Simulated work of varying length (half to one and a half times holdMs).
      const end = Date.now() + o.holdMs * (0.5 + Math.random());
      while (Date.now() < end) {
        ctx.heartbeat();
        await sleep(Math.min(250, Math.max(0, end - Date.now())), undefined, { signal: ctx.signal });
      }
      await post('/effect', call, ctx.signal);
      return { phase: input.phase, n: input.n, key: ctx.idempotencyKey, worker: o.worker };
    },
  };
}
