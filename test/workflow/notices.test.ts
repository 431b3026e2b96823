import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createMarkActivities } from '../../src/activities/markers';
import { createNotifyActivities } from '../../src/activities/notify';
import { SubscriptionCache } from '../../src/activities/subscriptions';
import { createTaskActivities } from '../../src/activities/tasks';
import { createDeliveryActivities } from '../../src/activities/webhook-delivery';
import { NOTIFY_ACTIVITY } from '../../src/contracts/notify';
import { TargetPolicy } from '../../src/webhooks/targets';
import { definition, echo, testHandlers } from '../harness/definitions';
import { Receiver, type Received } from '../harness/receiver';
import { eventually, logger, resume, start, startStack, TEST_SECRET_KEY, type TestStack } from '../harness/stack';

const { handlers } = testHandlers();
const task = { input: { task: 'notices', state: { n: 1 } } };

/** A task, a gate, a task: the run's start and the decision each ride with the task after them. */
const chain = definition('notice-chain', [echo('prepare'), { name: 'gate', type: 'confirmation', message: 'Go on?' }, echo('after', { n: 'state.n' })]);
const failing = definition('notice-failing', [
  { name: 'gate', type: 'confirmation', message: 'Charge?' },
  { name: 'charge', type: 'task', handler: 'alwaysFail', retry: { maximum_attempts: 1 } },
]);
/** An agent whose one tool asks a person first: the decision rides with the tool's activity. */
const agent = definition('notice-agent', [
  {
    name: 'assistant',
    type: 'agent',
    instructions: 'Help.',
    model: 'scripted',
    tools: [{ name: 'echo_tool', handler: 'echo', requires_confirmation: true, input_schema: { type: 'object', properties: { n: { type: 'number' } } } }],
    script: [{ tool_calls: [{ name: 'echo_tool', args: { n: 7 } }] }, { text: 'Done.' }],
  } as never,
]);
const EVENTS = ['run.started', 'approval.requested', 'approval.decided', 'run.completed', 'run.failed'];

/** The types of the run's deliveries to one webhook, in the order they arrived, each webhook-id once. */
function deliveredTypes(receiver: Receiver, hook: string, runId: string): string[] {
  const seen = new Set<string>();
  const types: string[] = [];
  for (const r of receiver.delivered().filter((d: Received) => d.path === `/hooks?wh=${hook}`)) {
    const body = JSON.parse(r.body) as { type: string; data: { run_id: string } };
    if (body.data.run_id !== runId) continue;
    expect(seen.has(r.headers['webhook-id'] as string)).toBe(false); // delivered once per webhook-id
    seen.add(r.headers['webhook-id'] as string);
    types.push(body.type);
  }
  return types;
}

// From behavior 4 the notices of what came before a task ride with the task's activity: the workflow
// task that schedules it waits for no local activity. Subscribers must not tell the difference.
describe('notices that ride with a task', () => {
  let stack: TestStack;
  let receiver: Receiver;
  beforeAll(async () => {
    stack = await startStack({ handlers, definitions: [chain, failing, agent] });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await stack.stop();
  });

  async function register(id: string): Promise<void> {
    const created = await stack.http().post('/v1/webhooks').send({ url: `${receiver.url}?wh=${id}`, events: EVENTS }).expect(201);
    await eventually(async () => expect((await stack.worker.holdpoint.subscriptions.current()).webhooks.some((w) => w.id === created.body.id)).toBe(true));
  }

  /** The inputs of the run's notify local activities and of its task activities, from its history. */
  async function handOffs(runId: string): Promise<{ notifyMarkers: number; taskArgs: Record<string, number> }> {
    const { events } = await stack.client.workflow.getHandle(runId).fetchHistory();
    let notifyMarkers = 0;
    const taskArgs: Record<string, number> = {};
    for (const e of events ?? []) {
      if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
        const data = e.markerRecordedEventAttributes.details?.data?.payloads?.[0]?.data;
        if (data && Buffer.from(data).toString().includes(NOTIFY_ACTIVITY)) notifyMarkers += 1;
      }
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name && !scheduled.activityType.name.startsWith('__holdpoint')) {
        taskArgs[scheduled.activityId ?? ''] = scheduled.input?.payloads?.length ?? 0;
      }
    }
    return { notifyMarkers, taskArgs };
  }

  /** Starts a run of `workflow` and approves its gate: the run's id and how it ended. */
  async function startAndApprove(workflow: string): Promise<{ runId: string; status: string }> {
    const started = await start(stack, workflow, task).expect(200);
    const runId = started.body.run_id as string;
    const decided = await resume(stack, runId, { input: { resume: { step: 'gate', input: 'approve' } } }).expect(200);
    return { runId, status: decided.body.output.status as string };
  }

  /** The webhook's deliveries for the run once `count` have arrived, by type. */
  async function delivered(hook: string, runId: string, count: number): Promise<string[]> {
    await receiver.until(() => deliveredTypes(receiver, hook, runId).length >= count);
    return deliveredTypes(receiver, hook, runId);
  }

  it('hands the start and the decision to the tasks after them, in order, once each', async () => {
    await register('chain');
    const { runId, status } = await startAndApprove('notice-chain');
    expect(status).toBe('completed');
    expect(await delivered('chain', runId, 4)).toEqual(['run.started', 'approval.requested', 'approval.decided', 'run.completed']);
    // Both tasks carried notices (input + notices); only the pause and the end used the local activity.
    const { notifyMarkers, taskArgs } = await handOffs(runId);
    expect(Object.values(taskArgs)).toEqual([2, 2]);
    expect(notifyMarkers).toBe(2);
  });

  it("hands an agent's tool decision to the tool's activity", async () => {
    await register('agent');
    const started = await start(stack, 'notice-agent', task).expect(200);
    const runId = started.body.run_id as string;
    expect(started.body.output.pendingAction).toMatchObject({ message: expect.stringMatching(/echo_tool/) });
    const done = await stack.http('alice').post(`/v1/approvals/${started.body.output.pendingAction.request_id}/decision?wait=10s`).send({ value: 'approve' }).expect(200);
    expect(done.body.run.output.status).toBe('completed');

    expect(await delivered('agent', runId, 4)).toEqual(['run.started', 'approval.requested', 'approval.decided', 'run.completed']);
    // The tool's activity carried the decision; the model calls carry nothing.
    const { taskArgs } = await handOffs(runId);
    expect(Object.values(taskArgs).filter((n) => n === 2)).toHaveLength(1);
  });

  it('sends the notices a failed task carried, before the failure', async () => {
    await register('failing');
    const { runId, status } = await startAndApprove('notice-failing');
    expect(status).toBe('failed');
    expect(await delivered('failing', runId, 4)).toEqual(['run.started', 'approval.requested', 'approval.decided', 'run.failed']);
  });

  it('sends the notices itself when the task activity did not pass them on (a worker of an earlier release)', async () => {
    await register('earlier');
    // The stack's worker stops; one whose task activities ignore notices takes its place.
    await stack.worker.stop();
    const connection = await Connection.connect({ address: stack.address });
    const client = new Client({ connection, namespace: 'default' });
    const native = await NativeConnection.connect({ address: stack.address });
    const subscriptions = new SubscriptionCache(client, stack.taskQueue, logger);
    subscriptions.begin(Object.keys(handlers));
    const delivery = { initial_interval_ms: 100, maximum_interval_ms: 1_000, give_up_after_ms: 60_000 };
    const worker = await Worker.create({
      connection: native,
      namespace: 'default',
      taskQueue: stack.taskQueue,
      workflowBundle: { codePath: process.env.HOLDPOINT_TEST_BUNDLE! },
      activities: {
        ...createTaskActivities(handlers),
        ...createNotifyActivities({ client, taskQueue: stack.taskQueue, subscriptions, busPartitions: 2, delivery, slack: { enabled: false, defaultChannels: [] }, logger }),
        ...createDeliveryActivities({ subscriptions, secretKey: TEST_SECRET_KEY, targets: new TargetPolicy(['127.0.0.1', 'localhost']), timeoutMs: 5_000 }),
        ...createMarkActivities(),
      },
      shutdownGraceTime: '1s',
    });
    const running = worker.run();
    try {
      const { runId } = await startAndApprove('notice-chain');
      expect(await delivered('earlier', runId, 4)).toEqual(['run.started', 'approval.requested', 'approval.decided', 'run.completed']);
      // Each task's answer lacked `notified`, so its notices went out in a local activity of their own.
      expect((await handOffs(runId)).notifyMarkers).toBe(4);
    } finally {
      worker.shutdown();
      await running;
      await subscriptions.stop();
      await native.close();
      await connection.close();
      stack.worker = await stack.startWorker();
    }
  });
});
