import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import type { Definition, Step } from '../src/contracts/definition';
import { BENCH_KEYS, benchApprover, benchOperator, ms, summarise, type BenchStack } from './stack';

const GATES = 8;

/** Runs that alternate a gate and a task, so each decision makes a burst of events. */
export const liveChain: Definition = {
  name: 'bench-live',
  steps: Array.from({ length: GATES }, (_, i): Step[] => [
    { name: `gate${i}`, type: 'confirmation', message: `Gate ${i}?`, options: ['approve'], assignees: ['group:bench'] },
    { name: `work${i}`, type: 'task', handler: 'classifyLead', input: { leadId: `'lead-${i}'` } },
  ]).flat(),
};

/** A run that pauses at once: the webhook bench's unit of work. */
export const liveGate: Definition = {
  name: 'bench-live-gate',
  steps: [{ name: 'gate', type: 'confirmation', message: 'Approve {{ state.n }}?', assignees: ['group:bench'], timeout: '7d' }],
};

interface Sample {
  run: string;
  seq: number;
  type: string;
  latency: number;
}

/** SSE subscribers in a child process, so the gateway's memory is its own. */
async function subscribers(stack: BenchStack, runs: { id: string; after: number }[], perRun: number): Promise<{ child: ChildProcess; samples: Sample[] }> {
  const child = spawn(process.execPath, [...process.execArgv, require.resolve('./sse-clients.ts'), JSON.stringify({ baseUrl: stack.baseUrl, key: BENCH_KEYS.approver, runs, perRun })], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const samples: Sample[] = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((ready, fail) => {
    child.once('exit', (code) => fail(new Error(`SSE client process exited (${code})`)));
    lines.on('line', (line) => {
      if (line === 'ready') ready();
      else samples.push(JSON.parse(line) as Sample);
    });
  });
  return { child, samples };
}

async function decideRound(stack: BenchStack, runIds: string[], gate: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < runIds.length) {
        const runId = runIds[next++]!;
        await stack.core.runs.decide(runId, { step: `gate${gate}`, value: 'approve' }, 30_000, benchApprover);
      }
    }),
  );
}

function heap(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

/**
 * The live parts under load: event → subscriber latency with 1 and with 500 SSE subscribers (5 on
 * each of 100 runs, the same decisions driven in both), the gateway's memory per subscriber, and
 * webhook deliveries per second beside the start rate without and with a webhook.
 */
export async function benchLive(stack: BenchStack, runCount = 100, perRun = 5): Promise<void> {
  const runIds: string[] = [];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (runIds.length < runCount) {
        const slot = runIds.push('') - 1;
        const { run } = await stack.core.runs.start({ workflow: liveChain.name, task: `live ${slot}`, waitMs: 30_000 }, benchOperator);
        runIds[slot] = run.run_id;
      }
    }),
  );
  const heads = async () => Promise.all(runIds.map(async (id) => ({ id, after: (await stack.core.runs.get(id, benchOperator)).last_event_seq })));

  // One subscriber on a run of its own, decided alone: the floor.
  const { run: alone } = await stack.core.runs.start({ workflow: liveChain.name, task: 'live alone', waitMs: 30_000 }, benchOperator);
  const idle = await subscribers(stack, [{ id: alone.run_id, after: alone.last_event_seq }], 1);
  for (let gate = 0; gate < 4; gate++) await decideRound(stack, [alone.run_id], gate);
  idle.child.kill();

  // One subscriber on one run, while every run is decided.
  const one = await subscribers(stack, (await heads()).slice(0, 1), 1);
  for (let gate = 0; gate < 3; gate++) await decideRound(stack, runIds, gate);
  one.child.kill();
  const before = heap();

  // 500 subscribers, the same decisions.
  const many = await subscribers(stack, await heads(), perRun);
  const stats = stack.core.feed.stats();
  const after = heap();
  for (let gate = 3; gate < 6; gate++) await decideRound(stack, runIds, gate);
  const expected = runIds.length * perRun * 3 * 4; // decided, step_completed, step_started, step_completed, paused per gate, at least
  const deadline = Date.now() + 30_000;
  while (many.samples.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  many.child.kill();

  const floor = summarise(idle.samples.map((s) => s.latency));
  const a = summarise(one.samples.map((s) => s.latency));
  const b = summarise(many.samples.map((s) => s.latency));
  console.log(`\nevent → SSE subscriber (arrival minus the event's recorded time; ${runIds.length} runs decided round after round)`);
  console.table({
    '1 subscriber, its run decided alone': { events: floor.n, p50: ms(floor.p50), p95: ms(floor.p95), mean: ms(floor.mean) },
    '1 subscriber': { events: a.n, p50: ms(a.p50), p95: ms(a.p95), mean: ms(a.mean) },
    [`${stats.subscribers} subscribers on ${stats.watchers} runs`]: { events: b.n, p50: ms(b.p50), p95: ms(b.p95), mean: ms(b.mean) },
  });
  console.log(`ratio ${stats.subscribers} / 1 subscriber: p50 ${(b.p50 / a.p50).toFixed(2)}×, p95 ${(b.p95 / a.p95).toFixed(2)}×`);
  console.log(
    `gateway memory with ${stats.subscribers} subscribers: heap +${((after.heap - before.heap) / 1024 / 1024).toFixed(1)} MB ` +
      `(${((after.heap - before.heap) / 1024 / Math.max(1, stats.subscribers)).toFixed(1)} KB each), rss +${((after.rss - before.rss) / 1024 / 1024).toFixed(1)} MB; ` +
      `${stats.watchers} watchers serve them${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: heap figures include garbage)'}`,
  );

  await benchWebhooks(stack);
}

/** Start-to-pause throughput without, then with, a webhook; and the webhook's deliveries per second. */
async function benchWebhooks(stack: BenchStack, runs = 200): Promise<void> {
  let delivered = 0;
  let lastDelivery = 0;
  const receiver = createServer((req, res) => {
    req.resume().on('end', () => {
      delivered += 1;
      lastDelivery = performance.now();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;

  const startAll = async (label: string): Promise<number> => {
    const began = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < runs) {
          const n = next++;
          await stack.core.runs.start({ workflow: liveGate.name, task: `${label} ${n}`, state: { n }, waitMs: 30_000 }, benchOperator);
        }
      }),
    );
    return (runs / (performance.now() - began)) * 1000;
  };

  const without = await startAll('plain');
  const admin = { id: 'bench-admin', roles: ['admin' as const], groups: [] };
  const { webhook } = await stack.core.webhooks.create({ url, events: ['run.started', 'approval.requested'], workflow: liveGate.name }, admin);
  while (!(await stack.worker.subscriptions.current()).webhooks.some((w) => w.id === webhook.id)) await new Promise((r) => setTimeout(r, 50));
  const began = performance.now();
  const withWebhook = await startAll('hooked');
  const deadline = Date.now() + 120_000;
  while (delivered < runs * 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const perSecond = (delivered / (lastDelivery - began)) * 1000;
  receiver.close();
  console.log(`\nwebhooks (${runs} runs, 2 events each, receiver answers at once)`);
  console.table({
    'start → pause, no webhook': { 'runs/s': without.toFixed(1) },
    'start → pause, with a webhook': { 'runs/s': withWebhook.toFixed(1) },
    'webhook deliveries': { 'deliveries/s': perSecond.toFixed(1), delivered },
  });
  console.log(`start rate with / without a webhook: ${(withWebhook / without).toFixed(2)}×`);
}
