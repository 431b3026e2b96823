import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, start, startStack, type TestStack } from '../harness/stack';

const body = { input: { task: 'nobody answers', state: {} } };

// Each on_timeout policy with a 1 s timeout: nobody decides, the workflow timer fires.
describe('pause timeouts', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const wait = (extra: object) => ({ name: 'gate', type: 'confirmation' as const, message: 'Approve?', timeout: '1s', ...extra });
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('timeout-fail', [wait({}), echo('after')]),
        definition('timeout-reject', [wait({ on_timeout: 'reject' }), echo('after')]),
        definition('timeout-reject-complete', [wait({ on_timeout: 'reject', on_reject: 'complete' }), echo('after')]),
        definition('timeout-reject-continue', [wait({ on_timeout: 'reject', on_reject: 'continue' }), echo('after', 'steps.gate.output')]),
        definition('timeout-approve', [wait({ on_timeout: 'approve' }), echo('after', 'steps.gate.decision')]),
        definition('timeout-skip', [wait({ on_timeout: 'skip' }), echo('after', "'went on'")]),
        definition('timeout-input-skip', [
          { name: 'gate', type: 'input', message: 'Value?', input_schema: { type: 'number' }, timeout: '1s', on_timeout: 'skip' },
          echo('after', '$exists(steps.gate.output)'),
        ]),
        definition('short-life', [{ name: 'gate', type: 'confirmation', message: 'Approve?' }, echo('after')], { max_lifetime: '2s' }),
      ],
    });
  });
  afterAll(() => stack.stop());

  async function runUntilClosed(workflow: string) {
    const started = await start(stack, workflow, body, '?wait=0').expect(200);
    const runId: string = started.body.run_id;
    const execution = await closed(stack.client, runId);
    const run = await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200);
    return { execution, run: run.body, steps: Object.fromEntries(run.body.output.steps.map((s: { name: string }) => [s.name, s])) };
  }

  it('fail (the default): the run fails with timed_out', async () => {
    const { execution, run, steps } = await runUntilClosed('timeout-fail');
    expect(execution).toBe('FAILED');
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ type: 'timed_out', step: 'gate', message: 'no decision on step "gate" within 1s' });
    expect(steps.gate.status).toBe('failed');
    expect(steps.after).toBeUndefined();
  });

  it('reject: counts as a rejection, which fails the run by default', async () => {
    const { run, steps } = await runUntilClosed('timeout-reject');
    expect(run.error).toMatchObject({ type: 'rejected', message: 'step "gate" was rejected by timeout: no decision within 1s' });
    expect(steps.gate).toMatchObject({ output: 'reject', decision: { by: 'system', channel: 'timeout' } });
  });

  it('reject with on_reject complete: the run completes without the later steps', async () => {
    const { execution, run, steps } = await runUntilClosed('timeout-reject-complete');
    expect(execution).toBe('COMPLETED');
    expect(run.output.result).toMatchObject({ rejected: { step: 'gate', by: 'timeout' } });
    expect(steps.after).toBeUndefined();
  });

  it('reject with on_reject continue: later steps see the rejection', async () => {
    const { run } = await runUntilClosed('timeout-reject-continue');
    expect(run.status).toBe('completed');
    expect(run.output.result).toBe('reject');
  });

  it('a named option: chosen on the approver\'s behalf, recorded as the system', async () => {
    const { run } = await runUntilClosed('timeout-approve');
    expect(run.status).toBe('completed');
    expect(run.output.result).toMatchObject({ value: 'approve', by: 'system', channel: 'timeout' });
  });

  it('skip: the step is skipped and the run goes on', async () => {
    const { run, steps } = await runUntilClosed('timeout-skip');
    expect(steps.gate.status).toBe('skipped');
    expect(run.output.result).toBe('went on');
  });

  it('skip on an input step leaves no output', async () => {
    const { run, steps } = await runUntilClosed('timeout-input-skip');
    expect(steps.gate.status).toBe('skipped');
    expect(run.output.result).toBe(false);
  });

  it('a run past its maximum lifetime fails, and its pause can no longer be decided', async () => {
    const { execution, run, steps } = await runUntilClosed('short-life');
    expect(execution).toBe('FAILED');
    expect(run.error).toMatchObject({ type: 'lifetime_exceeded' });
    expect(run.error.message).toContain('maximum lifetime');
    expect(steps.gate.status).toBe('cancelled');
    const late = await stack.http().post(`/v1/workflow-runs/${run.run_id}/resume`).send({ input: { resume: { step: 'gate', input: 'approve' } } });
    expect(late.status).toBe(409);
    expect(late.body.error.type).toBe('run_ended');
  });

  it('exposes timeout_at and the policy on the pending action', async () => {
    const started = await start(stack, 'timeout-skip', body).expect(200);
    const pending = started.body.output.pendingAction;
    expect(pending.on_timeout).toBe('skip');
    expect(Date.parse(pending.timeout_at) - Date.parse(pending.created_at)).toBe(1000);
  });
});
