import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
// The SDK's writer of the standard JSON history format (what `temporal workflow show -o json` prints).
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection } from '@temporalio/worker';
import { exampleHandlers } from '../../src/activities/handlers';
import { loadCatalog } from '../../src/catalog/load';
import { decideSignal } from '../../src/contracts/messages';
import { hubWorkflowId } from '../../src/contracts/hub';
import { RUN_WORKFLOW_TYPE } from '../../src/contracts/temporal';
import { deliveryWorkflowId, getDeliveriesQuery } from '../../src/contracts/webhooks';
import { createCore, type Core } from '../../src/core';
import type { Definition } from '../../src/contracts/definition';
import type { Principal } from '../../src/contracts/principal';
import { createLogger } from '../../src/logger';
import { installTemporalLogging } from '../../workers/runtime';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { freePort, startDevServer } from '../../src/temporal/dev-server';
import { ensureSearchAttributes } from '../../src/temporal/search-attributes';
import { createHoldpointWorker, defaultLiveSettings, type HoldpointWorker } from '../../workers/worker';

/**
 * `npm run record-histories`: runs each shipped example along its paths on a throwaway dev server and
 * saves the histories to test/replay/histories, which the replay test replays against current code.
 * Re-record only on purpose: a history that stops replaying means the change needs `patched()`.
 */
const ops: Principal = { id: 'ops', roles: ['operator'], groups: [] };
const approver = (id: string, groups: string[]): Principal => ({ id, roles: ['approver'], groups });
const alice = approver('alice', ['sales-ops', 'release-managers', 'billing-ops', 'finance']);
const bob = approver('bob', ['finance']);

/** Definitions only the recordings use (a history carries its definition; replay needs no catalog). */
const recorded: Definition[] = [
  {
    name: 'two-approvers',
    steps: [
      { name: 'fetch', type: 'task', handler: 'lookupCustomer', input: { customerId: "'c-1'" } },
      { name: 'approval', type: 'confirmation', message: 'Refund?', assignees: ['group:finance'], approvals_required: 2, reject_requires_comment: true },
    ],
  },
  {
    name: 'escalating',
    steps: [
      {
        name: 'approval',
        type: 'confirmation',
        message: 'Anyone?',
        assignees: ['group:sales-ops'],
        escalation: { remind_after: '1s', reassign_after: '2s', reassign_to: ['group:finance'] },
        timeout: '3s',
        on_timeout: 'timeout_skip',
      },
    ],
  },
  {
    name: 'ask-and-review',
    steps: [
      { name: 'ask', type: 'question', message: 'Pick', questions: [{ question: 'Which plan?', options: [{ label: 'Basic' }, { label: 'Pro' }] }] },
      { name: 'draft', type: 'task', handler: 'lookupCustomer', input: { customerId: 'steps.ask.output."Which plan?"' } },
      { name: 'review', type: 'output_review', message: 'Check the draft', review: 'draft' },
    ],
  },
  {
    name: 'two-reviewers',
    steps: [
      { name: 'draft', type: 'task', handler: 'lookupCustomer', input: { customerId: "'c-2'" } },
      { name: 'review', type: 'output_review', message: 'Two of finance check the draft', review: 'draft', assignees: ['group:finance'], approvals_required: 2 },
    ],
  },
];

/** A scenario returns its run's id, or several workflows to record (name → workflow id). */
type Recorded = string | Record<string, string>;

const RECORD_SECRET = 'record-histories-secret-0123456789abcdef';

const scenarios: { name: string; run: (core: Core, client: Client, receiverUrl: string, worker: HoldpointWorker) => Promise<Recorded> }[] = [
  {
    name: 'lead-router-approve',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'lead-router', task: 'Route this lead', state: { leadId: 'lead-123' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { step: 'approval', value: 'approve' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    name: 'lead-router-escalate-by-signal',
    run: async (core, client) => {
      const { run } = await core.runs.start({ workflow: 'lead-router', task: 'Route', state: { leadId: 'lead-7', employees: 300 }, waitMs: 10_000 }, ops);
      const handle = client.workflow.getHandle(run.run_id);
      await handle.signal(decideSignal, { step: 'approval', value: 'maybe', by: 'crm' });
      await handle.signal(decideSignal, { step: 'approval', value: 'escalate', by: 'crm', groups: ['sales-ops'] });
      await handle.result();
      return run.run_id;
    },
  },
  {
    name: 'lead-router-cancelled',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'lead-router', task: 'Route', state: { leadId: 'lead-8' }, waitMs: 10_000 }, ops);
      await core.runs.cancel(run.run_id, 'duplicate lead', ops);
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
      }, ops);
      await core.runs.decide(run.run_id, { step: 'approval', value: 'approve', comment: 'ship it' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    name: 'deploy-approval-reject',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'deploy-approval', task: 'Deploy', state: { app: 'web', version: '3.0', environment: 'production' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { step: 'approval', value: 'reject', comment: 'migrations pending' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    name: 'billing-cancel-approve',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'billing-cancel', task: 'Cancel', state: { customerId: 'cust_123', subscriptionId: 'sub-pro' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { request_id: run.pending[0]!.request_id, value: 'approve' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    name: 'two-approvers-quorum',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'two-approvers', task: 'Refund', waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { step: 'approval', value: 'approve' }, 0, alice);
      await core.runs.decide(run.run_id, { step: 'approval', value: 'approve', comment: 'ok' }, 10_000, bob);
      return run.run_id;
    },
  },
  {
    name: 'escalation-then-timeout-skip',
    run: async (core, client) => {
      const { run } = await core.runs.start({ workflow: 'escalating', task: 'Nobody answers', waitMs: 10_000 }, ops);
      await client.workflow.getHandle(run.run_id).result();
      return run.run_id;
    },
  },
  {
    name: 'question-then-output-review-edit',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'ask-and-review', task: 'Draft', waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { step: 'ask', value: { 'Which plan?': 'Pro' } }, 10_000, alice);
      await core.runs.decide(run.run_id, { step: 'review', value: { edit: { customerId: 'Pro', name: 'Edited' } } }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    // Behavior 5: bob's approval is of the draft, alice's edit starts a new round, bob approves the edit.
    name: 'two-reviewers-edit-then-approve',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'two-reviewers', task: 'Draft', waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { step: 'review', value: 'approve' }, 0, bob);
      await core.runs.decide(run.run_id, { step: 'review', value: { edit: { customerId: 'c-2', name: 'Edited' } } }, 0, alice);
      await core.runs.decide(run.run_id, { step: 'review', value: 'approve' }, 10_000, bob);
      return run.run_id;
    },
  },
  {
    name: 'billing-cancel-reject',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'billing-cancel', task: 'Cancel', state: { customerId: 'cust_9', subscriptionId: 'sub-team' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { step: 'confirm_cancel', value: 'reject', comment: 'customer stays' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    name: 'billing-agent-approve',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'billing-agent', task: 'Cancel the Pro plan', state: { customerId: 'cust_1', subscriptionId: 'sub-pro' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { request_id: run.pending[0]!.request_id, value: 'approve' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    name: 'deploy-agent-reject',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'deploy-agent', task: 'Deploy', state: { app: 'payments', version: '2.1', environment: 'production' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { request_id: run.pending[0]!.request_id, value: 'reject', comment: 'freeze week' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    name: 'deploy-agent-condition-approve',
    run: async (core) => {
      const { run } = await core.runs.start({ workflow: 'deploy-agent-condition', task: 'Deploy', state: { app: 'web', version: '3.1', environment: 'production' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { request_id: run.pending[0]!.request_id, value: 'approve' }, 10_000, alice);
      return run.run_id;
    },
  },
  {
    // The live parts: the hub a webhook is kept in, and the delivery workflow of one run's events.
    name: 'webhook',
    run: async (core, client, receiverUrl, worker) => {
      const admin: Principal = { id: 'admin', roles: ['admin'], groups: [] };
      const { webhook } = await core.webhooks.create({ url: receiverUrl, events: ['approval.requested', 'approval.decided', 'run.completed'] }, admin);
      // The worker's copy of the hub must know the webhook before the run starts.
      for (let i = 0; i < 100 && !(await worker.subscriptions.current()).webhooks.some((w) => w.id === webhook.id); i++) await new Promise((r) => setTimeout(r, 50));
      const { run } = await core.runs.start({ workflow: 'lead-router', task: 'Route', state: { leadId: 'lead-hook' }, waitMs: 10_000 }, ops);
      await core.runs.decide(run.run_id, { step: 'approval', value: 'approve' }, 10_000, alice);
      const delivery = client.workflow.getHandle(deliveryWorkflowId('record', webhook.id, run.run_id));
      for (let i = 0; i < 100 && (await delivery.query(getDeliveriesQuery)).some((d) => d.status !== 'delivered'); i++) await new Promise((r) => setTimeout(r, 100));
      return { 'webhook-run': run.run_id, 'webhook-delivery': delivery.workflowId, 'webhook-hub': hubWorkflowId('record') };
    },
  },
];

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info', format: 'pretty', name: 'record-histories' });
  installTemporalLogging(logger, 'warn');
  const root = resolve(__dirname, '../..');
  const dir = await mkdtemp(join(tmpdir(), 'holdpoint-record-'));
  const cliPath = await ensureTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, cacheDir: join(root, '.temporal'), logger });
  const server = await startDevServer({ cliPath, dbFile: join(dir, 'temporal.db'), port: await freePort(), namespace: 'default', logger });
  try {
    const connection = await Connection.connect({ address: server.address });
    await ensureSearchAttributes(connection, 'default', logger);
    const client = new Client({ connection });
    const native = await NativeConnection.connect({ address: server.address });
    const live = defaultLiveSettings({ secretKey: RECORD_SECRET, allowedHosts: ['127.0.0.1'] });
    const worker = await createHoldpointWorker({ connection: native, client, live, namespace: 'default', taskQueue: 'record', handlers: exampleHandlers, logger });
    const core = createCore({
      client,
      catalog: await loadCatalog({ extra: recorded }),
      taskQueue: 'record',
      maxRunLifetimeMs: 86_400_000,
      logger,
      live: { secretKey: RECORD_SECRET, allowedHosts: ['127.0.0.1'] },
    });
    const receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
    await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
    const running = worker.run();
    try {
      for (const scenario of scenarios) {
        const result = await scenario.run(core, client, receiverUrl, worker);
        const workflows = typeof result === 'string' ? { [scenario.name]: result } : result;
        for (const [name, workflowId] of Object.entries(workflows)) {
          const handle = client.workflow.getHandle(workflowId);
          // Runs are recorded once ended; the live workflows (hub, deliveries) as they stand.
          if ((await handle.describe()).type === RUN_WORKFLOW_TYPE) await handle.result().catch(() => undefined);
          const history = await handle.fetchHistory();
          // RECORD_SUFFIX keeps earlier recordings (runs of an older behavior) beside the new ones.
          const file = join(root, 'test/replay/histories', `${name}${process.env.RECORD_SUFFIX ?? ''}.json`);
          await writeFile(file, `${JSON.stringify(JSON.parse(historyToJSON(history)), null, 1)}\n`);
          logger.info({ file, events: history.events?.length }, 'recorded');
        }
      }
    } finally {
      worker.shutdown();
      await running;
      receiver.close();
    }
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
