import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startCluster, type TemporalCluster } from '../src/temporal/cluster';
import { clusterDataDir, loadClusterConfig } from '../src/temporal/cluster-config';

/**
 * `npm run start:cluster`: holdpoint's production topology on one machine. A private PostgreSQL and
 * the Temporal server compose runs (built from Temporal's Go module, configured by config/temporal/),
 * its Web UI, then `npm start` (bin/main.ts: worker and gateway) pointed at it. Ctrl-C stops
 * holdpoint first, then the UI, the server and PostgreSQL. Runs persist in HOLDPOINT_DATA_DIR/cluster.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const cluster = loadClusterConfig();
  const logger = createLogger(config.log);
  if (config.temporal.address) {
    throw new Error(`TEMPORAL_ADDRESS is set (${config.temporal.address}), but start:cluster runs its own Temporal. Unset it, or use npm start to run holdpoint against that server.`);
  }

  // What has been started so far, for a Ctrl-C at any point.
  const parts: { cluster?: TemporalCluster; holdpoint?: ChildProcess } = {};
  let stopping = false;
  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping the cluster stack');
    const { cluster: running, holdpoint } = parts;
    if (holdpoint && holdpoint.exitCode === null && holdpoint.signalCode === null) {
      // A terminal's Ctrl-C reaches holdpoint directly as well; a signal sent to us alone is passed on.
      holdpoint.kill('SIGTERM');
      const killer = setTimeout(() => holdpoint?.kill('SIGKILL'), 60_000);
      await new Promise((done) => holdpoint.once('exit', done));
      clearTimeout(killer);
    }
    running?.mute();
    await running?.stop();
    logger.info('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));

  const dataDir = clusterDataDir(config.dev.dataDir);
  const running = await startCluster({
    dataDir,
    cacheDir: config.dev.cacheDir,
    namespace: config.temporal.namespace,
    frontendPort: config.dev.port,
    postgresPort: cluster.postgresPort,
    uiPort: cluster.withUi ? config.dev.uiPort : undefined,
    logger,
    explicit: cluster.explicit,
  });
  parts.cluster = running;
  if (stopping) return void (await running.stop());
  const pg = running.postgres;
  const lines = [
    '',
    'Temporal cluster is running',
    `  Temporal   ${running.address} (server v${running.version} on PostgreSQL; config/temporal/)`,
    ...(running.uiUrl ? [`  Web UI     ${running.uiUrl}`] : ['  Web UI     off (HOLDPOINT_CLUSTER_UI=false)']),
    `  PostgreSQL ${pg.host}:${pg.port}, PostgreSQL ${pg.version}, data in ${pg.dataDir}`,
    `             psql "postgresql://${pg.user}:${pg.password}@${pg.host}:${pg.port}/temporal"`,
    "  starting holdpoint's worker and gateway against it (npm start with TEMPORAL_ADDRESS)...",
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  // The same entry point as `npm start`, in a child process of the same runtime (tsx's loader included).
  const holdpoint = spawn(process.execPath, [...process.execArgv, join(__dirname, 'main.ts')], {
    stdio: 'inherit',
    env: { ...process.env, TEMPORAL_ADDRESS: running.address, TEMPORAL_NAMESPACE: config.temporal.namespace },
  });
  parts.holdpoint = holdpoint;
  holdpoint.on('exit', (code, signal) => {
    if (stopping) return;
    logger.error({ code, signal }, 'holdpoint (worker and gateway) exited');
    void stop('holdpoint-exited', code || 1);
  });
}

main().catch((err: unknown) => {
  console.error(`\nthe holdpoint cluster could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
