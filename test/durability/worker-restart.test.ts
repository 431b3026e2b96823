import { decideSignal } from '../../src/contracts/messages';
import type { TaskHandlers } from '../../src/activities/tasks';
import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, start, startStack, type TestStack } from '../harness/stack';

// Workers come and go; runs do not notice.
describe('worker restarts', () => {
  let stack: TestStack;
  let firstAttemptStarted: () => void;
  const firstAttempt = new Promise<void>((r) => (firstAttemptStarted = r));
  const handlers: TaskHandlers = {
    ...testHandlers().handlers,
    // The first attempt hangs until its worker goes away; a later attempt succeeds.
    slowOnce: async (_input: unknown, ctx: { attempt: number; signal: AbortSignal }) => {
      if (ctx.attempt === 1) {
        firstAttemptStarted();
        await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('worker went away'))));
      }
      return { finishedOnAttempt: ctx.attempt };
    },
  };

  beforeAll(async () => {
    stack = await startStack({
      handlers,
      definitions: [
        definition('gate-then-echo', [{ name: 'gate', type: 'confirmation', message: 'Go?' }, echo('after', "'done'")]),
        definition('slow-task', [{ name: 'slow', type: 'task', handler: 'slowOnce', timeout: '3s', retry: { initial_interval: '100ms' } }]),
      ],
    });
  });
  afterAll(() => stack.stop());

  it('a decision signalled while no worker runs is applied by the next worker', async () => {
    const started = await start(stack, 'gate-then-echo', { input: { task: 't' } }).expect(200);
    expect(started.body.output.status).toBe('paused');
    await stack.worker.stop();

    const handle = stack.client.workflow.getHandle(started.body.run_id);
    await handle.signal(decideSignal, { step: 'gate', value: 'approve', by: 'ops-service' });

    const replacement = await stack.startWorker();
    try {
      expect(await closed(stack.client, started.body.run_id)).toBe('COMPLETED');
      const run = await stack.http().get(`/v1/workflow-runs/${started.body.run_id}`).expect(200);
      expect(run.body.output.result).toBe('done');
      expect(run.body.output.steps[0].decision).toMatchObject({ by: 'ops-service', channel: 'signal' });
    } finally {
      stack.worker = replacement;
    }
  });

  it('a task cut off by its worker stopping is retried and finished by another worker', async () => {
    const started = await start(stack, 'slow-task', { input: { task: 't' } }, '?wait=0').expect(200);
    await firstAttempt;
    await stack.worker.stop();
    stack.worker = await stack.startWorker();

    expect(await closed(stack.client, started.body.run_id)).toBe('COMPLETED');
    const run = await stack.http().get(`/v1/workflow-runs/${started.body.run_id}`).expect(200);
    expect(run.body.output.steps[0]).toMatchObject({ status: 'completed', attempts: 2, output: { finishedOnAttempt: 2 } });
  });
});
