import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, resume, start, startStack, type TestStack } from '../harness/stack';

const task = { input: { task: 'test', state: { amount: 250 } } };

// Every pause kind and the condition step, driven over HTTP.
describe('pause kinds and conditions', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('confirm-default', [{ name: 'ok', type: 'confirmation', message: 'Proceed with {{ state.amount }}?' }, echo('after')]),
        definition('pick-one', [
          { name: 'pick', type: 'decision', message: 'Which region?', options: ['eu', 'us', 'apac'] },
          echo('chosen', { region: 'steps.pick.output' }),
        ]),
        definition('ask-input', [
          {
            name: 'details',
            type: 'input',
            message: 'Give the shipping address',
            input_schema: {
              type: 'object',
              properties: { street: { type: 'string', minLength: 1 }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
              required: ['street', 'zip'],
              additionalProperties: false,
            },
          },
          echo('ship', { address: 'steps.details.output' }),
        ]),
        definition('branching', [
          {
            name: 'big',
            type: 'condition',
            expression: 'state.amount > 100',
            branches: { true: [echo('large', "'large'")], false: [echo('small', "'small'")] },
          },
          {
            name: 'tier',
            type: 'condition',
            expression: 'state.tier',
            branches: { gold: [echo('gold', "'gold'")] },
            otherwise: [echo('standard', "'standard'")],
          },
          { name: 'nothing', type: 'condition', expression: "'x'", branches: { y: [echo('never')] } },
          echo('end', '$count($keys(steps))'),
        ]),
      ],
    });
  });
  afterAll(() => stack.stop());

  it('confirmation offers approve/reject by default and fails the run on reject', async () => {
    const started = await start(stack, 'confirm-default', task).expect(200);
    expect(started.body.output.pendingAction).toMatchObject({ type: 'confirmation', options: ['approve', 'reject'], message: 'Proceed with 250?' });

    const rejected = await resume(stack, started.body.run_id, { input: { resume: { step: 'ok', input: 'reject', comment: 'too much' } } }).expect(200);
    expect(rejected.body.output).toMatchObject({ status: 'failed', error_type: 'rejected', error: 'step "ok" was rejected by alice: too much' });
    expect(rejected.body.output.steps.map((s: { name: string }) => s.name)).toEqual(['ok']);
    expect(await closed(stack.client, started.body.run_id)).toBe('FAILED');
  });

  it('decision passes the chosen option to later steps', async () => {
    const started = await start(stack, 'pick-one', task).expect(200);
    expect(started.body.output.pendingAction).toMatchObject({ type: 'decision', options: ['eu', 'us', 'apac'] });
    const done = await resume(stack, started.body.run_id, { input: { resume: { step: 'pick', input: 'apac' } } }).expect(200);
    expect(done.body.output.result).toEqual({ region: 'apac' });
  });

  it('input checks the value against its JSON Schema before accepting it', async () => {
    const started = await start(stack, 'ask-input', task).expect(200);
    expect(started.body.output.pendingAction).toMatchObject({ type: 'input', inputSchema: { required: ['street', 'zip'] } });
    expect(started.body.output.pendingAction.options).toBeUndefined();

    const bad = await resume(stack, started.body.run_id, { input: { resume: { step: 'details', input: { street: 'Main St 1', zip: 'abc' } } } }).expect(422);
    expect(bad.body.error.type).toBe('invalid_decision');
    expect(bad.body.error.details.violations).toEqual([expect.objectContaining({ path: 'value.zip' })]);

    const good = await resume(stack, started.body.run_id, { input: { resume: { step: 'details', input: { street: 'Main St 1', zip: '12345' } } } }).expect(200);
    expect(good.body.output.result).toEqual({ address: { street: 'Main St 1', zip: '12345' } });
  });

  it('condition takes the branch its expression names, the otherwise branch, or none', async () => {
    const large = await start(stack, 'branching', task).expect(200);
    expect(large.body.output.status).toBe('completed');
    const steps = Object.fromEntries(large.body.output.steps.map((s: { name: string }) => [s.name, s]));
    expect(steps.big).toMatchObject({ output: true, branch: 'true' });
    expect(steps.large.output).toBe('large');
    expect(steps.small).toBeUndefined();
    expect(steps.tier).toMatchObject({ branch: null });
    expect(steps.standard.output).toBe('standard');
    expect(steps.nothing).toMatchObject({ output: 'x', branch: null });
    expect(steps.never).toBeUndefined();

    const gold = await start(stack, 'branching', { input: { task: 't', state: { amount: 5, tier: 'gold' } } }).expect(200);
    const names = gold.body.output.steps.map((s: { name: string }) => s.name);
    expect(names).toEqual(['big', 'small', 'tier', 'gold', 'nothing', 'end']);
  });
});
