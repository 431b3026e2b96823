import { decideSignal } from '../../src/contracts/messages';
import { definition, echo, testHandlers } from '../harness/definitions';
import { eventually, resume, start, startStack, type TestStack } from '../harness/stack';

// Long runs stay under history limits: state, events and pauses move into a fresh execution.
describe('continue-as-new', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => echo(`${prefix}${i}`, `${i}`));
    stack = await startStack({
      handlers: testHandlers().handlers,
      continueAsNewAfterEvents: 40,
      definitions: [
        definition('long', [...many('a', 8), { name: 'gate', type: 'confirmation', message: 'Half way, go on?' }, ...many('b', 8)], {
          result: '$sum(steps.*.output[$type($) = "number"])',
        }),
      ],
    });
  });
  afterAll(() => stack.stop());

  it('carries steps, events and a pending pause across executions', async () => {
    const started = await start(stack, 'long', { input: { task: 'many steps' } }).expect(200);
    const runId: string = started.body.run_id;
    expect(started.body.output.pendingAction.step).toBe('gate');
    const requestId = started.body.output.pendingAction.request_id;

    // Rejected signals lengthen history while the run waits, until it continues as new mid-pause.
    const handle = stack.client.workflow.getHandle(runId);
    for (let i = 0; i < 12; i++) await handle.signal(decideSignal, { step: 'gate', value: 'nonsense' });
    await eventually(async () => {
      const events = (await stack.http().get(`/v1/workflow-runs/${runId}/events?limit=1000`).expect(200)).body.data;
      expect(events.filter((e: { type: string }) => e.type === 'continued_as_new').length).toBeGreaterThanOrEqual(2);
    });

    const paused = await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(paused.body.pendingAction).toMatchObject({ step: 'gate', request_id: requestId });

    const done = await resume(stack, runId, { input: { resume: { step: 'gate', input: 'approve' } } }).expect(200);
    expect(done.body.output.status).toBe('completed');
    expect(done.body.output.result).toBe(2 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
    expect(done.body.output.steps).toHaveLength(17);

    const events = (await stack.http().get(`/v1/workflow-runs/${runId}/events?limit=1000`).expect(200)).body.data as { seq: number; type: string }[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'decision_rejected')).toHaveLength(12);
    expect(events.filter((e) => e.type === 'run_started')).toHaveLength(1);

    const description = await handle.describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
    const listed = await eventually(async () => {
      const res = await stack.http().get('/v1/workflow-runs?workflow=long').expect(200);
      expect(res.body.data.filter((r: { run_id: string }) => r.run_id === runId)).toHaveLength(1);
      return res.body.data;
    });
    expect(listed.find((r: { run_id: string }) => r.run_id === runId).status).toBe('completed');
  });
});
