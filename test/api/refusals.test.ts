import { decideSignal } from '../../src/contracts/messages';
import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, eventually, historyLength, resume, start, startStack, type TestStack } from '../harness/stack';

// What a bad decision gets: a clear 4xx naming the rule, and nothing written to the run's history.
describe('refused decisions, signals and cancel', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('two-gates', [
          { name: 'first', type: 'confirmation', message: 'First?' },
          { name: 'form', type: 'input', message: 'Amount?', input_schema: { type: 'object', properties: { amount: { type: 'integer', minimum: 1 } }, required: ['amount'] } },
          echo('done', 'steps.form.output'),
        ]),
      ],
    });
  });
  afterAll(() => stack.stop());

  const begin = async () => (await start(stack, 'two-gates', { input: { task: 't' } }).expect(200)).body.run_id as string;

  it('refuses each invalid resume with its reason and leaves history unchanged', async () => {
    const runId = await begin();
    const before = await historyLength(stack.client, runId);

    const cases: [unknown, number, string, RegExp][] = [
      [{ input: { resume: { step: 'form', input: { amount: 3 } } } }, 409, 'step_mismatch', /step "form" is not waiting.*"first"/],
      [{ input: { resume: { step: 'first', input: 'maybe' } } }, 422, 'invalid_decision', /one of "approve", "reject"/],
      [{ input: { resume: { step: 'first', input: ['approve'] } } }, 422, 'invalid_decision', /one of/],
      [{ input: { resume: { step: 'first' } } }, 400, 'invalid_request', /^body\.input: is required/],
      [{ input: { resume: { input: 'approve' } } }, 400, 'invalid_request', /^body\.step: is required/],
      [{ input: { resume: { step: 'first', input: 'approve', colour: 'red' } } }, 400, 'invalid_request', /colour/],
      [{ input: { resume: { step: 'first', input: 'approve', request_id: `${runId}.form.1` } } }, 404, 'not_found', /no request/],
      [{ input: { nothing: 'useful' } }, 400, 'invalid_request', /takes one of "approve", "reject"/],
      [{}, 400, 'invalid_request', /body\.input: is required/],
      ['approve', 400, 'invalid_request', /body/],
    ];
    for (const [body, status, type, message] of cases) {
      const res = await resume(stack, runId, body);
      expect({ body, status: res.status, type: res.body.error?.type }).toEqual({ body, status, type });
      expect(res.body.error.message).toMatch(message);
    }
    expect(await historyLength(stack.client, runId)).toBe(before);

    // The run is still paused where it was and takes a good decision.
    const ok = await resume(stack, runId, { input: { resume: { step: 'first', input: 'approve' } } }).expect(200);
    expect(ok.body.output.pendingAction.step).toBe('form');
    const atForm = await historyLength(stack.client, runId);
    const schemaFail = await resume(stack, runId, { input: { resume: { step: 'form', input: { amount: 0 } } } }).expect(422);
    expect(schemaFail.body.error.details.violations[0]).toMatchObject({ path: 'value.amount' });
    const again = await resume(stack, runId, { input: { resume: { step: 'first', input: 'approve' } } }).expect(409);
    expect(again.body.error.type).toBe('already_decided');
    expect(await historyLength(stack.client, runId)).toBe(atForm);
  });

  it('answers 404 for an unknown run and 409 once the run has ended', async () => {
    const unknown = await resume(stack, 'wfr_NOPE', { input: { resume: { step: 'first', input: 'approve' } } }).expect(404);
    expect(unknown.body.error).toMatchObject({ type: 'not_found', message: 'no run wfr_NOPE' });
    await stack.http().get('/v1/workflow-runs/wfr_NOPE').expect(404);

    const runId = await begin();
    await resume(stack, runId, { input: { resume: { step: 'first', input: 'approve' } } }).expect(200);
    const done = await resume(stack, runId, { input: { resume: { step: 'form', input: { amount: 2 } } } }).expect(200);
    expect(done.body.output.status).toBe('completed');
    // The run has ended, and the step it names was decided: the answer says by whom and when.
    const ended = await resume(stack, runId, { input: { resume: { step: 'form', input: { amount: 2 } } } }).expect(409);
    expect(ended.body.error).toMatchObject({ type: 'already_decided', details: { decided_by: 'alice' } });
  });

  it('takes a decision by signal, and records an invalid signal as rejected without failing the run', async () => {
    const runId = await begin();
    const handle = stack.client.workflow.getHandle(runId);
    await handle.signal(decideSignal, { step: 'first', value: 'perhaps', by: 'billing-service' });
    await handle.signal(decideSignal, { bogus: true } as never);
    await handle.signal(decideSignal, { step: 'first', value: 'approve', by: 'billing-service' });

    const events = await eventually(async () => {
      const res = await stack.http().get(`/v1/workflow-runs/${runId}/events`).expect(200);
      const types = res.body.data.map((e: { type: string }) => e.type);
      if (!types.includes('decided')) throw new Error(`no decision yet: ${types.join(',')}`);
      return res.body.data as { type: string; data?: Record<string, unknown> }[];
    });
    const rejected = events.filter((e) => e.type === 'decision_rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected[0]!.data).toMatchObject({ type: 'invalid_decision', by: 'billing-service' });
    expect(rejected[1]!.data).toMatchObject({ type: 'invalid_request' });
    expect(events.find((e) => e.type === 'decided')!.data).toMatchObject({ value: 'approve', by: 'billing-service', channel: 'signal' });

    const run = await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(run.body.pendingAction.step).toBe('form');
  });

  it('cancels a paused run: it ends cancelled and its pause can no longer be decided', async () => {
    const runId = await begin();
    const cancelled = await stack.http().delete(`/v1/workflow-runs/${runId}`).send({ reason: 'customer withdrew' }).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', pendingAction: null, cancel_requested: { reason: 'customer withdrew' } });
    expect(cancelled.body.output.steps[0]).toMatchObject({ name: 'first', status: 'cancelled' });
    expect(await closed(stack.client, runId)).toBe('CANCELLED');

    const late = await resume(stack, runId, { input: { resume: { step: 'first', input: 'approve' } } }).expect(409);
    expect(late.body.error.type).toBe('run_ended');
    const twice = await stack.http().delete(`/v1/workflow-runs/${runId}`).expect(409);
    expect(twice.body.error.type).toBe('run_ended');
    await stack.http().delete('/v1/workflow-runs/wfr_NOPE').expect(404);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await stack.http().get('/v1/nothing-here').expect(404);
    expect(res.body.error).toMatchObject({ type: 'not_found', message: 'no route GET /v1/nothing-here' });
  });
});
