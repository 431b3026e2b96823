import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { connectClient } from '../../src/temporal/connection';
import { connectWorker } from '../../workers/connection';
import { installTemporalLogging } from '../../workers/runtime';
import { workerFromConfig } from '../../workers/worker';
import { drillHandlers } from './handlers';

/**
 * A drill's worker process: workers/main.ts (the production worker, configured by the same
 * environment, HOLDPOINT_WORKER_* tuning included) plus the drill's task handler, and an IPC channel
 * on which it says when it polls and when its hub copy has caught up.

 */
async function main(): Promise<void> {
  const config = loadConfig();
  const name = process.env.HOLDPOINT_DRILL_WORKER ?? 'worker';
  const logger = createLogger({ ...config.log, name: `drill-${name}` });
  installTemporalLogging(logger, config.log.level, { metrics: config.metrics.workerAddress });
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  const ledgerUrl = process.env.HOLDPOINT_DRILL_LEDGER_URL;
  if (!ledgerUrl) throw new Error('HOLDPOINT_DRILL_LEDGER_URL is not set');
  const handlers = drillHandlers({ ledgerUrl, worker: name, holdMs: Number(process.env.HOLDPOINT_DRILL_TASK_MS ?? 1000) });

  const target = { ...config.temporal, address: config.temporal.address };
  const client = await connectClient(target, logger);
  const connection = await connectWorker(target, logger);
  const worker = await workerFromConfig(config, connection, client, logger, handlers);
  process.on('message', (message: { type?: string; version?: number }) => {
    if (message.type !== 'hub' || typeof message.version !== 'number') return;
    const version = message.version;
    worker.subscriptions.waitFor(version, 30_000).then(
      () => process.send?.({ type: 'hub', version }),
      (err: unknown) => process.send?.({ type: 'hub-failed', version, error: String(err) }),
    );
  });
  const running = worker.run();
  process.send?.({ type: 'ready' });
  try {
    await running; // returns once SIGTERM has drained it
  } finally {
    await connection.close();
    await client.connection.close();
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
