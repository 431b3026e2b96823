import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
// The SDK's writer of the standard JSON history format (what `temporal workflow show -o json` prints).
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection } from '@temporalio/worker';
import { exampleHandlers } from '../../src/activities/handlers';
import { loadCatalog } from '../../src/catalog/load';
import { decideSignal } from '../../src/contracts/messages';
import { createCore, type Core } from '../../src/core';
import { createLogger, installTemporalLogging } from '../../src/logger';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { createHoldpointWorker } from '../../workers/worker';

/**
 * `npm run record-histories`: runs each shipped example along its paths on a throwaway dev server and
 * saves the histories to test/replay/histories, which the replay test replays against current code.
 * Re-record only on purpose: a history that stops replaying means the change needs `patched()`.
 */
const scenarios: { name: string; run: (core: Core, client: Client) => Promise<string> }[] = [
  {
    name: 'lead-router-approve',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'lead-router', task: 'Route this lead', state: { leadId: 'lead-123' }, waitMs: 10_000 });
      await core.runs.decide(run.run_id, { step: 'approval', value: 'approve', by: 'alice' }, 10_000);
      return run.run_id;
    },
  },
  {
    name: 'lead-router-escalate-by-signal',
    run: async (core, client) => {
      const { run } = await core.runs.start({ workflow: 'lead-router', task: 'Route', state: { leadId: 'lead-7', employees: 300 }, waitMs: 10_000 });
      const handle = client.workflow.getHandle(run.run_id);
      await handle.signal(decideSignal, { step: 'approval', value: 'maybe', by: 'crm' });
      await handle.signal(decideSignal, { step: 'approval', value: 'escalate', by: 'crm' });
      await handle.result();
      return run.run_id;
    },
  },
  {
    name: 'lead-router-cancelled',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'lead-router', task: 'Route', state: { leadId: 'lead-8' }, waitMs: 10_000 });
      await core.runs.cancel(run.run_id, { by: 'bob', reason: 'duplicate lead' });
      return run.run_id;
    },
  },
  {
    name: 'deploy-approval-approve',
    run: async (core) => {
      const { run } = await core.runs.start({
        workflow: 'deploy-approval',
        task: 'Deploy the payments app version 2.1 to production',
        state: { app: 'payments', version: '2.1', environment: 'production' },
        waitMs: 10_000,
      });
      await core.runs.decide(run.run_id, { step: 'approval', value: 'approve', by: 'carol', comment: 'ship it' }, 10_000);
      return run.run_id;
    },
  },
  {
    name: 'deploy-approval-reject',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'deploy-approval', task: 'Deploy', state: { app: 'web', version: '3.0', environment: 'production' }, waitMs: 10_000 });
      await core.runs.decide(run.run_id, { step: 'approval', value: 'reject', by: 'carol', comment: 'migrations pending' }, 10_000);
      return run.run_id;
    },
  },
  {
    name: 'billing-cancel-approve',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'billing-cancel', task: 'Cancel', state: { customerId: 'cust_123', subscriptionId: 'sub-pro' }, waitMs: 10_000 });
      await core.runs.decide(run.run_id, { request_id: run.pending[0]!.request_id, value: 'approve', by: 'dave' }, 10_000);
      return run.run_id;
    },
  },
  {
    name: 'billing-cancel-reject',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'billing-cancel', task: 'Cancel', state: { customerId: 'cust_9', subscriptionId: 'sub-team' }, waitMs: 10_000 });
      await core.runs.decide(run.run_id, { step: 'confirm_cancel', value: 'reject', by: 'dave', comment: 'customer stays' }, 10_000);
      return run.run_id;
    },
  },
];

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info', format: 'pretty', name: 'record-histories' });
  installTemporalLogging(logger, 'warn');
  const root = resolve(__dirname, '../..');
  const dir = await mkdtemp(join(tmpdir(), 'holdpoint-record-'));
  const cliPath = await ensureTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, cacheDir: join(root, '.temporal'), logger });
  const server = await startDevServer({ cliPath, dbFile: join(dir, 'temporal.db'), port: 17999, namespace: 'default', logger });
  try {
    const connection = await Connection.connect({ address: server.address });
    await ensureSearchAttributes(connection, 'default', logger);
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address: server.address });
    const worker = await createHoldpointWorker({ connection: native, namespace: 'default', taskQueue: 'record', handlers: exampleHandlers, logger });
    const core = createCore({ client, catalog: await loadCatalog(), taskQueue: 'record', maxRunLifetimeMs: 86_400_000 });
    await worker.runUntil(async () => {
      for (const scenario of scenarios) {
        const runId = await scenario.run(core, client);
        await client.workflow.getHandle(runId).result().catch(() => undefined);
        const history = await client.workflow.getHandle(runId).fetchHistory();
        const file = join(root, 'test/replay/histories', `${scenario.name}.json`);
        await writeFile(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
        logger.info({ file, events: history.events?.length }, 'recorded');
      }
    });
    await native.close();
    await connection.close();
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
