import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger } from '../src/logger';
import { REPO_ROOT } from '../src/temporal/cluster';
import { DRILLS } from '../test/chaos/drills';
import { summaryTable, type Drill, type DrillResult } from '../test/chaos/report';
import { Topology, type Backend } from '../test/chaos/topology';
import { bundleWorkflows } from '../workers/worker';

/**
 * `npm run drill [-- name ...]`: holdpoint's failure drills, as real processes. A Temporal cluster on
 * PostgreSQL (or HOLDPOINT_DRILL_TEMPORAL_ADDRESS), two worker and two gateway processes, and for each
 * drill HOLDPOINT_DRILL_RUNS (100) concurrent runs with task steps and pauses while something breaks;
 * then a dev server on a SQLite file for the dev-server drill. Every run is read back and checked.
 * Prints a table; exits 1 if any check failed.
 *
 * HOLDPOINT_DRILL_DEADLINE (seconds, 150) bounds each drill; HOLDPOINT_DRILL_TASK_MS (1000) is how long
 * a task step holds its activity; HOLDPOINT_DRILL_FLOOD_ROUNDS (3) is how many pauses the decision flood
 * hits; HOLDPOINT_DRILL_KEEP=1 keeps the scratch directory (.data/drill-*: logs of every process, the
 * Temporal server's in temporal.log). Everything else in the environment (HOLDPOINT_WORKER_* tuning)
 * passes through to the worker and gateway processes.
 */
async function main(): Promise<void> {
  const logger = createLogger({ level: process.env.HOLDPOINT_DRILL_LOG_LEVEL ?? 'info', format: 'pretty', name: 'drill' });
  const runs = positive('HOLDPOINT_DRILL_RUNS', 100);
  const drillMs = positive('HOLDPOINT_DRILL_DEADLINE', 150) * 1000;
  const taskHoldMs = positive('HOLDPOINT_DRILL_TASK_MS', 1000);
  const external = process.env.HOLDPOINT_DRILL_TEMPORAL_ADDRESS || undefined;
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !DRILLS.some((d) => d.name === name));
  if (unknown.length > 0) throw new Error(`no drill named ${unknown.join(', ')}; the drills are ${DRILLS.map((d) => d.name).join(', ')}`);
  const selected = DRILLS.filter((d) => asked.length === 0 || asked.includes(d.name));

  await mkdir(join(REPO_ROOT, '.data'), { recursive: true });
  const dir = await mkdtemp(join(REPO_ROOT, '.data', 'drill-'));
  // PostgreSQL runs as its own OS user when we are root: it must be able to enter the drill's directory.
  await chmod(dir, 0o755);
  const began = Date.now();
  logger.info({ drills: selected.map((d) => d.name), runs, dir }, 'failure drills: bundling the workflow code once for every worker process');
  const bundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(bundlePath, (await bundleWorkflows()).code);

  let current: Topology | undefined;
  const interrupt = (signal: string) => {
    logger.warn({ signal }, 'interrupted: stopping the drill topology');
    void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('SIGINT'));
  process.once('SIGTERM', () => interrupt('SIGTERM'));

  const results: DrillResult[] = [];
  for (const backend of ['cluster', 'dev'] as const) {
    const drills = selected.filter((d) => d.backend === backend);
    if (drills.length === 0) continue;
    const kind: Backend = backend === 'cluster' && external ? 'external' : backend;
    const setUpAt = Date.now();
    logger.info({ backend: kind }, kind === 'cluster' ? 'starting a Temporal cluster on PostgreSQL and the drill processes' : `starting the ${kind} backend and the drill processes`);
    current = await Topology.start({ backend: kind, address: external, dir: join(dir, backend), bundlePath, taskHoldMs, logger });
    logger.info({ took: `${Math.round((Date.now() - setUpAt) / 1000)}s` }, 'topology ready');
    try {
      for (const drill of drills) results.push(await runDrill(drill, current, runs, drillMs, logger));
    } finally {
      await current.stop();
      current = undefined;
    }
  }

  const failed = results.filter((r) => r.problems.length > 0);
  const lines = ['', `failure drills: ${runs} runs per drill, ${Math.round((Date.now() - began) / 1000)} s in all`, '', summaryTable(results), ''];
  for (const r of results) {
    lines.push(`${r.name}:`, ...r.notes.map((n) => `  ${n}`), ...r.warnings.map((w) => `  WARNING: ${w}`), ...r.problems.map((p) => `  FAILED: ${p}`));
  }
  lines.push('', failed.length === 0 ? 'all drills passed' : `${failed.length} drill(s) failed: ${failed.map((r) => r.name).join(', ')}`, '');
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failed.length === 0 && !process.env.HOLDPOINT_DRILL_KEEP) await rm(dir, { recursive: true, force: true });
  else logger.info({ dir }, 'kept the drill directory (logs of every process under */logs)');
  process.exit(failed.length === 0 ? 0 : 1);
}

async function runDrill(drill: Drill, topology: Topology, runs: number, drillMs: number, logger: ReturnType<typeof createLogger>): Promise<DrillResult> {
  const began = Date.now();
  if (drill.ownsBackend && !topology.canRestartServer) {
    return { ...empty(drill, topology, began), notes: ['skipped: the drill restarts a Temporal it does not own (HOLDPOINT_DRILL_TEMPORAL_ADDRESS is set)'] };
  }
  const healed = await topology.heal();
  if (healed.length > 0) logger.info({ healed }, 'restarted processes an earlier drill left dead');
  logger.info({ drill: drill.name, runs }, drill.title);
  try {
    const result = await drill.run({ topology, runs, deadline: began + drillMs, logger });
    logger.info({ drill: drill.name, ok: result.problems.length === 0, wall: `${Math.round(result.wallMs / 1000)}s` }, 'drill finished');
    return result;
  } catch (err) {
    logger.error({ drill: drill.name, err }, 'drill failed');
    return { ...empty(drill, topology, began), problems: [`the drill itself failed: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

function empty(drill: Drill, topology: Topology, began: number): DrillResult {
  return { name: drill.name, backend: topology.backend, runs: 0, asExpected: 0, decisions: { sent: 0, applied: 0, refused: 0, inHistory: 0 }, duplicates: 0, attempts: 0, effects: 0, recoverMs: undefined, wallMs: Date.now() - began, notes: [], warnings: [], problems: [] };
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number (got ${JSON.stringify(raw)})`);
  return value;
}

main().catch((err: unknown) => {
  console.error(`\nthe failure drills could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
