import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, eventually, start, startStack, type TestStack } from '../harness/stack';

// Remind, then reassign, then the timeout outcome: all workflow timers, every rung recorded.
describe('escalation ladder', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('ladder', [
          {
            name: 'gate',
            type: 'confirmation',
            message: 'Ship it?',
            assignees: ['group:release-managers'],
            escalation: { remind_after: '1s', reassign_after: '2s', reassign_to: ['group:engineering-managers'] },
            timeout: '3500ms',
            on_timeout: 'reject',
            on_reject: 'complete',
          },
          echo('after', "'shipped'"),
        ]),
      ],
    });
  });
  afterAll(() => stack.stop());

  const eventTypes = async (runId: string) =>
    ((await stack.http('viewer').get(`/v1/workflow-runs/${runId}/events`).expect(200)).body.data as { type: string; data?: Record<string, unknown> }[]);

  it('reminds, then hands the decision to the next group, who may then decide', async () => {
    const started = await start(stack, 'ladder', { input: { task: 'release 4.2' } }).expect(200);
    const { run_id: runId } = started.body;
    const requestId = started.body.output.pendingAction.request_id;

    const reminded = await eventually(async () => {
      const events = await eventTypes(runId);
      const found = events.find((e) => e.type === 'reminded');
      if (!found) throw new Error('not reminded yet');
      return found;
    });
    expect(reminded.data).toMatchObject({ assignees: ['group:release-managers'] });

    const escalated = await eventually(async () => {
      const found = (await eventTypes(runId)).find((e) => e.type === 'escalated');
      if (!found) throw new Error('not escalated yet');
      return found;
    });
    expect(escalated.data).toEqual({ from: ['group:release-managers'], to: ['group:engineering-managers'] });

    const item = await stack.http('carol').get(`/v1/approvals/${requestId}`).expect(200);
    expect(item.body).toMatchObject({ who_may_decide: { assignees: ['group:engineering-managers'] }, you_may_decide: true });
    expect(item.body.escalation).toMatchObject({ reminded_at: expect.any(String), reassigned_at: expect.any(String) });

    // Alice was a release manager; the step is no longer hers.
    const refused = await stack.http('alice').post(`/v1/approvals/${requestId}/decision`).send({ value: 'approve' }).expect(403);
    expect(refused.body.error.message).toMatch(/assigned to group:engineering-managers/);
    const decided = await stack.http('carol').post(`/v1/approvals/${requestId}/decision`).send({ value: 'approve' }).expect(200);
    expect(decided.body.run.output).toMatchObject({ status: 'completed', result: 'shipped' });

    const audit = await stack.http('viewer').get(`/v1/workflow-runs/${runId}/audit`).expect(200);
    const trail = audit.body.entries.filter((e: { chain: string }) => e.chain === 'run').map((e: { type: string }) => e.type);
    expect(trail).toEqual(['requested', 'reminded', 'escalated', 'decided']);
  });

  it('applies the timeout outcome once the last rung has passed', async () => {
    const started = await start(stack, 'ladder', { input: { task: 'release 4.3' } }, '?wait=0').expect(200);
    const runId = started.body.run_id;
    expect(await closed(stack.client, runId)).toBe('COMPLETED');
    const run = await stack.http('viewer').get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(run.body.output.result).toMatchObject({ rejected: { step: 'gate', by: 'timeout' } });
    const types = (await eventTypes(runId)).map((e) => e.type);
    expect(types.indexOf('reminded')).toBeLessThan(types.indexOf('escalated'));
    expect(types.indexOf('escalated')).toBeLessThan(types.indexOf('timed_out'));
    const audit = await stack.http('viewer').get(`/v1/workflow-runs/${runId}/audit`).expect(200);
    expect(audit.body.entries.map((e: { type: string }) => e.type)).toEqual(['requested', 'reminded', 'escalated', 'timed_out', 'decided']);
    expect(audit.body.entries.at(-1)).toMatchObject({ by: 'system', channel: 'timeout', value: 'reject' });
  });
});
