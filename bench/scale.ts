import { spawn } from 'node:child_process';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import type { Definition } from '../src/contracts/definition';
import { RUN_WORKFLOW_TYPE } from '../src/contracts/temporal';
import { inboxGate, inboxPage, time } from './inbox';
import { mb, settledRss } from './memory';
import { benchOperator, ms, resumeThroughGateway, summarise, type BenchStack } from './stack';

/** A run that pauses at once for a group (the held runs), and after its decision runs a task and pauses again. */
export const scaleHold: Definition = {
  name: 'bench-scale-hold',
  steps: [
    // The inbox bench's gate: a group's approval with a little context.
    inboxGate.steps[0]!,
    { name: 'work', type: 'task', handler: 'classifyLead', input: { leadId: "'lead-' & $string(state.n)" } },
    { name: 'gate2', type: 'confirmation', message: 'Route it?', assignees: ['group:bench'], timeout: '7d' },
  ],
};

const RESUME_SAMPLES = 25;
/** Starts timed at each checkpoint (they join the population). */
const RATE_SAMPLE = 300;

interface Checkpoint {
  runs: number;
  at: string;
  /** The machine's load average over the last minute when the checkpoint was measured. */
  load: number;
  startsPerSecond: number;
  rss: number;
  databaseBytes: number | undefined;
  inbox: ReturnType<typeof summarise>;
  inboxMine: ReturnType<typeof summarise>;
  resume: ReturnType<typeof summarise>;
}

/** Bytes of Temporal's two databases (persistence and visibility) on the local cluster's PostgreSQL. */
async function databaseBytes(stack: BenchStack): Promise<number | undefined> {
  const pg = stack.cluster?.postgres;
  if (!pg) return undefined;
  const sql = "SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname IN ('temporal', 'temporal_visibility')";
  const child = spawn(join(pg.binDir, 'psql'), ['-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', 'postgres', '-At', '-c', sql], {
    env: { ...process.env, PGPASSWORD: pg.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`psql exited ${code}`);
  return Number(out.trim());
}

/** Starts held runs until `target` exist, `concurrency` starts in flight, then waits for visibility to list them all as pending. */
async function fillTo(stack: BenchStack, ids: string[], target: number, concurrency: number): Promise<number> {
  const began = performance.now();
  const from = ids.length;
  let next = from;
  let lastLog = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < target) {
        const n = next++;
        // Answered once the run pauses: `concurrency` bounds the runs in flight, so the rate is the paused rate.
        const { run } = await stack.core.runs.start({ workflow: scaleHold.name, task: `refund ${n}`, state: { n, amount: (n % 500) + 1 }, waitMs: 30_000 }, benchOperator);
        // A start slower than the wait (a busy machine) is not lost: the visibility count below waits for it.
        if (run.status !== 'paused') stack.logger.warn({ runId: run.run_id, status: run.status }, 'a run had not paused when its start answered');
        ids.push(run.run_id);
        if (performance.now() - lastLog > 30_000) {
          lastLog = performance.now();
          const perSecond = (ids.length - from) / ((lastLog - began) / 1000);
          stack.logger.info({ started: ids.length, target, perSecond: Math.round(perSecond), eta: `${Math.round((target - ids.length) / perSecond / 60)} min`, rss: mb(process.memoryUsage().rss) }, 'filling');
        }
      }
    }),
  );
  for (;;) {
    const { count } = await stack.client.workflow.count(HELD);
    if (count >= target) break;
    await new Promise((r) => setTimeout(r, 1000)); // the worker and visibility catch up asynchronously; a bench needs no deadline
  }
  return ((target - from) * 1000) / (performance.now() - began);
}

const HELD = `WorkflowType = '${RUN_WORKFLOW_TYPE}' AND HoldpointWorkflow = '${scaleHold.name}' AND HoldpointApprovalStates = 'pending'`;

/** The held runs already on the cluster (a fill carries on where an earlier one stopped). */
async function existingRuns(stack: BenchStack): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({ query: HELD, pageSize: 1000 })) ids.push(execution.workflowId);
  return ids;
}

/** Decision → next pause through the gateway on held runs picked across the whole population (most are not in the worker's cache). */
async function resumeSamples(stack: BenchStack, ids: string[], decided: Set<string>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; samples.length < RESUME_SAMPLES; i++) {
    // Spread over the population (a golden-ratio sequence), so old runs long out of the cache are among them.
    const id = ids[Math.floor(((i * 0.6180339887) % 1) * ids.length)]!;
    if (decided.has(id)) continue;
    decided.add(id);
    const began = performance.now();
    await resumeThroughGateway(stack, id, 'gate', 'paused');
    samples.push(performance.now() - began);
  }
  return samples;
}

/**
 * Many paused runs held at once (BENCH_SCALE_RUNS, 100,000 by default; meant for BENCH_TEMPORAL=cluster
 * with BENCH_CLUSTER_DIR, so a fill that stops carries on next time). At each checkpoint
 * (BENCH_SCALE_CHECKPOINTS, default 1000,10000,50000 and the total): the start rate over the next
 * RATE_SAMPLE starts, RSS of this process (gateway + worker, whose cache HOLDPOINT_WORKER_MAX_CACHED_RUNS
 * bounds), bytes in PostgreSQL, an inbox page and resume → next pause on runs across the population.
 * Each checkpoint is appended to `log` (JSON lines) as it is reached; the table shows them all.
 */
export async function benchScale(stack: BenchStack, total: number, checkpoints: number[], concurrency: number, log: string): Promise<void> {
  await mkdir(dirname(log), { recursive: true });
  const ids = await existingRuns(stack);
  if (ids.length > 0) stack.logger.info({ held: ids.length, log }, 'carrying on with the runs already held on this cluster');
  const decided = new Set<string>();
  for (const target of [...new Set([...checkpoints, total])].sort((a, b) => a - b)) {
    if (target < ids.length) continue;
    await fillTo(stack, ids, target, concurrency);
    const startsPerSecond = await fillTo(stack, ids, ids.length + RATE_SAMPLE, concurrency);
    const point: Checkpoint = {
      runs: target,
      at: new Date().toISOString(),
      load: loadavg()[0]!,
      startsPerSecond,
      rss: await settledRss(),
      databaseBytes: await databaseBytes(stack),
      inbox: summarise(await time(() => inboxPage(stack, ''))),
      inboxMine: summarise(await time(() => inboxPage(stack, `assignee=mine&workflow=${scaleHold.name}`))),
      resume: summarise(await resumeSamples(stack, ids, decided)),
    };
    await appendFile(log, `${JSON.stringify(point)}\n`);
    stack.logger.info({ runs: target, startsPerSecond: point.startsPerSecond.toFixed(1), rss: mb(point.rss), database: point.databaseBytes === undefined ? 'n/a' : mb(point.databaseBytes) }, 'checkpoint');
  }
  const points = (await readFile(log, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Checkpoint);
  const rows: Record<string, Record<string, string>> = {};
  for (const p of points) {
    rows[`${p.runs} paused runs`] = {
      'measured at (load)': `${p.at.slice(0, 16)} (${p.load.toFixed(1)})`,
      'starts/s': p.startsPerSecond.toFixed(1),
      'RSS gateway+worker': mb(p.rss),
      'PostgreSQL': p.databaseBytes === undefined ? 'n/a' : mb(p.databaseBytes),
      'inbox page p50/p95': `${ms(p.inbox.p50)} / ${ms(p.inbox.p95)}`,
      'inbox mine p50/p95': `${ms(p.inboxMine.p50)} / ${ms(p.inboxMine.p95)}`,
      'resume p50/p95': `${ms(p.resume.p50)} / ${ms(p.resume.p95)}`,
    };
  }
  console.log(`\npaused runs held on ${stack.server} (worker cache ${stack.worker.worker.options.maxCachedWorkflows} runs; ${concurrency} starts in flight; ${log})`);
  console.table(rows);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (points.length > 1) {
    console.log(
      `at ${last.runs} vs ${first.runs}: starts/s ${(last.startsPerSecond / first.startsPerSecond).toFixed(2)}×, inbox page p50 ${(last.inbox.p50 / first.inbox.p50).toFixed(2)}×, ` +
        `resume p50 ${(last.resume.p50 / first.resume.p50).toFixed(2)}×, RSS ${(last.rss / first.rss).toFixed(2)}×`,
    );
    if (last.databaseBytes !== undefined && first.databaseBytes !== undefined) {
      const perRun = (last.databaseBytes - first.databaseBytes) / (last.runs - first.runs);
      console.log(`PostgreSQL bytes per paused run: ${(perRun / 1024).toFixed(1)} KiB (from ${first.runs} to ${last.runs} runs)`);
    }
    console.log(`worker memory per paused run: ${((last.rss - first.rss) / (last.runs - first.runs) / 1024).toFixed(2)} KiB (RSS from ${first.runs} to ${last.runs})`);
  }
}
