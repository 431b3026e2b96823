import { waitFor } from '../../../src/temporal/processes';
import { ADMIN, DRILL_WORKFLOW } from '../definition';
import type { Drill, DrillResult } from '../report';
import { seconds } from '../report';
import { underLoad, until } from './under-load';

const EVENTS = ['approval.requested', 'approval.decided', 'run.completed'] as const;

/**
 * A webhook receiver that is down while every run of the load happens, then comes back: each run's
 * three events must arrive (retried), none lost. Recovery: from the receiver's return to the last
 * delivery.
 */
export const webhookDown: Drill = {
  name: 'webhook-down',
  title: 'a webhook receiver down while the runs happen, then up: deliveries retried, none lost',
  backend: 'cluster',
  run: async (ctx): Promise<DrillResult> => {
    const { topology } = ctx;
    const { receiver, client } = topology;
    const hook = `wh-${Date.now().toString(36)}`;
    const admin = { who: ADMIN, via: 0, deadline: ctx.deadline } as const;
    const created = await client.call({ ...admin, kind: 'admin', method: 'POST', path: '/v1/webhooks', key: hook, body: { url: `${receiver.url}?wh=${hook}`, events: EVENTS, workflow: DRILL_WORKFLOW, description: 'failure drill' } });
    if (created.status !== 201) throw new Error(`registering the webhook answered ${created.status}: ${JSON.stringify(created.body)}`);
    const webhookId: string = created.body.id;
    let down = false;
    try {
      // Both workers must know the webhook before the runs that should reach it start.
      await topology.awaitHub();
      await receiver.stop();
      down = true;
      const stoppedAt = Date.now();
      return await underLoad(ctx, 'webhook-down', async (load) => {
        await load.done;
        const downMs = Date.now() - stoppedAt;
        await receiver.start();
        down = false;
        const upAt = Date.now();
        const runIds = new Set(load.records.flatMap((r) => (r.runId ? [r.runId] : [])));
        const expected = runIds.size * EVENTS.length;
        const mine = () => receiver.delivered().filter((r) => r.path === `/hooks?wh=${hook}`);
        const unique = () => new Set(mine().map((r) => r.headers['webhook-id'])).size;
        const problems: string[] = [];
        await until(`${expected} deliveries`, () => unique() >= expected, Math.max(30_000, ctx.deadline - Date.now())).catch((err: unknown) => problems.push(String(err)));
        const got = new Map<string, Set<string>>();
        for (const r of mine()) {
          const { type, data } = JSON.parse(r.body) as { type: string; data: { run_id: string } };
          got.set(data.run_id, (got.get(data.run_id) ?? new Set()).add(type));
        }
        const lost = [...runIds].flatMap((id) => EVENTS.filter((e) => !got.get(id)?.has(e)).map((e) => `${id} ${e}`));
        if (lost.length > 0) problems.push(`${lost.length} deliveries lost, e.g. ${lost.slice(0, 3).join(', ')}`);
        const last = Math.max(upAt, ...mine().map((r) => r.at));
        const log = await deliveryLog(ctx, webhookId, expected);
        return {
          recoverMs: last - upAt,
          notes: [
            `receiver down ${seconds(downMs)} while ${runIds.size} runs ran; ${expected} deliveries expected, ${unique()} delivered (${mine().length - unique()} repeated webhook-ids), ${lost.length} lost`,
            `delivery log: ${log.records} records, ${log.delivered} delivered, ${log.attempts} attempts in all (${log.attempts - log.records} retries)`,
          ],
          problems,
        };
      });
    } finally {
      if (down) await receiver.start();
      await client.call({ ...admin, deadline: Date.now() + 30_000, kind: 'admin', method: 'DELETE', path: `/v1/webhooks/${webhookId}` }).catch(() => undefined);
    }
  },
};

/** The webhook's delivery log (read from visibility, which follows deliveries by a moment). */
async function deliveryLog(ctx: Parameters<Drill['run']>[0], webhookId: string, expected: number): Promise<{ records: number; delivered: number; attempts: number }> {
  const read = async () => {
    const tally = { records: 0, delivered: 0, attempts: 0, readable: true };
    let cursor: string | undefined;
    do {
      const page = await ctx.topology.client.call({ kind: 'admin', method: 'GET', path: `/v1/webhooks/${webhookId}/deliveries?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, who: ADMIN, via: 1, deadline: Date.now() + 10_000 });
      if (page.status !== 200) return { ...tally, readable: false };
      for (const d of page.body.data as { status: string; attempts: number }[]) {
        tally.records += 1;
        tally.attempts += d.attempts;
        if (d.status === 'delivered') tally.delivered += 1;
      }
      cursor = page.body.next_cursor ?? undefined;
    } while (cursor);
    return tally;
  };
  // The log catches up with the deliveries a moment later; what it shows at the deadline is the answer.
  let log = { records: 0, delivered: 0, attempts: 0, readable: true };
  const caughtUp = async () => {
    log = await read();
    return !log.readable || log.delivered >= expected;
  };
  await waitFor(`${expected} deliveries in the log of ${webhookId}`, caughtUp, { timeoutMs: 20_000, log: ctx.logger, intervalMs: 500 }).catch(() => undefined);
  const { readable: _readable, ...tally } = log;
  return tally;
}
