import { resume, start, startStack, type TestStack } from '../harness/stack';

// Seed 002's story over HTTP: start lead-router, see it pause with a pendingAction, resume, see it finish.
describe('lead-router over /v1 (seed 002)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  const body = { input: { task: 'Route this lead', state: { leadId: 'lead-123' } } };

  it('pauses for approval, then completes with a result once approved', async () => {
    const started = await start(stack, 'lead-router', body).expect(200);
    expect(started.body.run_id).toMatch(/^wfr_[0-9A-Z]{26}$/);
    expect(started.body.output).toMatchObject({
      status: 'paused',
      steps: [{ name: 'classify', status: 'completed', output: { category: 'enterprise' } }, { name: 'approval', status: 'paused' }],
      result: null,
      pendingAction: {
        step: 'approval',
        type: 'confirmation',
        message: 'Route to enterprise sales team?',
        options: ['approve', 'reject', 'escalate'],
      },
    });

    const resumed = await resume(stack, started.body.run_id, { input: { resume: { step: 'approval', input: 'approve' } } }).expect(200);
    expect(resumed.body.run_id).toBe(started.body.run_id);
    expect(resumed.body.output.status).toBe('completed');
    expect(resumed.body.output.pendingAction).toBeNull();
    expect(resumed.body.output.result).toEqual({
      leadId: 'lead-123',
      category: 'enterprise',
      decision: 'approve',
      routing: { leadId: 'lead-123', team: 'enterprise-sales', queue: 'crm://queues/enterprise-sales' },
    });
    expect(resumed.body.output.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['classify', 'completed'],
      ['approval', 'completed'],
      ['route', 'completed'],
      ['assign', 'completed'],
    ]);
  });

  it('takes the escalate branch', async () => {
    const started = await start(stack, 'lead-router', { input: { task: 'Route', state: { leadId: 'lead-9', employees: 250 } } }).expect(200);
    expect(started.body.output.pendingAction.message).toBe('Route to mid-market sales team?');
    const resumed = await resume(stack, started.body.run_id, { input: { resume: { step: 'approval', input: 'escalate' } } }).expect(200);
    expect(resumed.body.output.result.routing).toEqual({ leadId: 'lead-9', escalatedTo: 'sales-director', reason: "mid-market lead needs a director's routing call" });
  });

  it('continues to the otherwise branch on reject (on_reject: continue)', async () => {
    const started = await start(stack, 'lead-router', body).expect(200);
    const resumed = await resume(stack, started.body.run_id, { input: { resume: { step: 'approval', input: 'reject' } } }).expect(200);
    expect(resumed.body.output.status).toBe('completed');
    expect(resumed.body.output.result.routing.team).toBe('nurture');
  });

  it('accepts the API reference body form {input: {...}} for the only pending step', async () => {
    const started = await start(stack, 'lead-router', body).expect(200);
    const resumed = await resume(stack, started.body.run_id, { input: { approved: true } }).expect(200);
    expect(resumed.body.output.status).toBe('completed');
    expect(resumed.body.output.result.decision).toBe('approve');
  });

  it('reads a run back with GET in both documented shapes', async () => {
    const started = await start(stack, 'lead-router', body).expect(200);
    const run = await stack.http().get(`/v1/workflow-runs/${started.body.run_id}`).expect(200);
    expect(run.body).toMatchObject({
      id: started.body.run_id,
      agentName: 'lead-router',
      status: 'paused',
      input: { task: 'Route this lead', state: { leadId: 'lead-123' } },
      output: { status: 'paused', pendingAction: { step: 'approval' } },
      pendingAction: { step: 'approval', type: 'confirmation' },
    });
    expect(run.body.definition.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('answers with a running run when told not to wait', async () => {
    const started = await start(stack, 'lead-router', body, '?wait=0').expect(200);
    expect(['running', 'paused']).toContain(started.body.output.status);
  });

  it('validates the start body and names the field', async () => {
    const missingTask = await start(stack, 'lead-router', { input: { state: { leadId: 'x' } } }).expect(400);
    expect(missingTask.body.error).toMatchObject({ type: 'invalid_request', details: { field: 'body.input.task' } });
    expect(missingTask.body.error.message).toContain('body.input.task');

    const badState = await start(stack, 'lead-router', { input: { task: 't', state: { leadId: 7 } } }).expect(400);
    expect(badState.body.error.message).toContain('input.state.leadId');

    const missingState = await start(stack, 'lead-router', { input: { task: 't' } }).expect(400);
    expect(missingState.body.error.message).toMatch(/leadId/);

    const notJson = await stack.http().post('/v1/agents/lead-router/workflow').set('content-type', 'application/json').send('{"input":').expect(400);
    expect(notJson.body.error.message).toMatch(/^body: is not valid JSON/);

    const unknownField = await start(stack, 'lead-router', { ...body, inptu: {} }).expect(400);
    expect(unknownField.body.error.message).toMatch(/inptu/);

    const badWait = await start(stack, 'lead-router', body, '?wait=forever').expect(400);
    expect(badWait.body.error.details.field).toBe('query.wait');

    const unknownWorkflow = await start(stack, 'no-such-flow', body).expect(404);
    expect(unknownWorkflow.body.error.type).toBe('not_found');
  });
});
