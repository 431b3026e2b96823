import type { Drill, DrillContext } from '../report';
import { seconds } from '../report';
import type { Load } from '../load';
import { firstServed, underLoad, type Fault } from './under-load';

/** Restarts a backend part once a third of the runs have started; recovery is from the stop to the first run served again. */
async function restartUnderLoad(ctx: DrillContext, load: Load, what: string, restart: () => Promise<{ downMs: number }>): Promise<Fault> {
  await load.until('a third of the runs started', (p) => p.started >= Math.ceil(ctx.runs / 3), 120_000);
  const at = { ...load.progress };
  const stoppedAt = Date.now();
  const { downMs } = await restart();
  const servedAt = await firstServed(ctx, load, 120_000);
  return {
    recoverMs: servedAt - stoppedAt,
    notes: [`${what} stopped with ${at.started} runs started, ${at.paused} paused, ${at.decided} decided, ${at.ended} ended; back after ${seconds(downMs)}, first run served ${seconds(servedAt - stoppedAt - downMs)} later`],
  };
}

export const serverRestart: Drill = {
  name: 'server-restart',
  title: 'stop the Temporal server (cluster) under load and start it again',
  backend: 'cluster',
  ownsBackend: true,
  run: (ctx) => underLoad(ctx, 'server-restart', (load) => restartUnderLoad(ctx, load, 'the Temporal server', () => ctx.topology.restartTemporal())),
};

export const postgresRestart: Drill = {
  name: 'postgres-restart',
  title: 'restart PostgreSQL under load',
  backend: 'cluster',
  ownsBackend: true,
  run: (ctx) => underLoad(ctx, 'postgres-restart', (load) => restartUnderLoad(ctx, load, 'PostgreSQL', () => ctx.topology.restartPostgres())),
};

export const devServerRestart: Drill = {
  name: 'dev-server-restart',
  title: 'stop the dev server process under load and start it again on the same SQLite file',
  backend: 'dev',
  ownsBackend: true,
  run: (ctx) => underLoad(ctx, 'dev-server-restart', (load) => restartUnderLoad(ctx, load, 'the dev server', () => ctx.topology.restartTemporal())),
};
