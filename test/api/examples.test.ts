import { resume, start, startStack, type TestStack } from '../harness/stack';

// The two other shipped examples, end to end over HTTP.
describe('shipped examples', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('deploy-approval: gather → analysis → approval → deploy → report', async () => {
    const started = await start(stack, 'deploy-approval', {
      input: {
        task: 'Deploy the payments app version 2.1 to the production environment.',
        state: { app: 'payments', version: '2.1', environment: 'production' },
      },
    }).expect(200);
    expect(started.body.output.steps.map((s: { name: string }) => s.name)).toEqual(['gather_data', 'detailed_analysis', 'approval']);
    expect(started.body.output.pendingAction).toMatchObject({
      step: 'approval',
      title: 'Approve the deployment',
      message: 'Deploy payments v2.1 to production? Risk: medium. All pre-deployment checks passed.',
      context: { analysis: { risk: 'medium' }, checks: { tests: 'passed' } },
      assignee: 'group:release-managers',
      assignees: ['group:release-managers'],
      on_timeout: 'reject',
    });
    const done = await resume(stack, started.body.run_id, { input: { resume: { step: 'approval', input: 'approve' } } }).expect(200);
    expect(done.body.output.status).toBe('completed');
    expect(done.body.output.result.summary).toMatch(/^Successfully deployed payments v2\.1 to production\. Risk was medium/);
  });

  it('deploy-approval: a rejection stops the deploy', async () => {
    const started = await start(stack, 'deploy-approval', { input: { task: 'Deploy', state: { app: 'web', version: '3.0', environment: 'production' } } }).expect(200);
    expect(started.body.output.pendingAction.message).toContain('Risk: high');
    const done = await resume(stack, started.body.run_id, { input: { resume: { step: 'approval', input: 'reject', comment: 'migrations pending' } } }).expect(200);
    expect(done.body.output).toMatchObject({ status: 'failed', error_type: 'rejected' });
    expect(done.body.output.steps.map((s: { name: string }) => s.name)).not.toContain('deploy');
  });

  it('billing-cancel: confirms before the irreversible cancel', async () => {
    const state = { customerId: 'cust_123', subscriptionId: 'sub-pro' };
    const started = await start(stack, 'billing-cancel', { input: { task: 'Cancel the Pro plan', state } }).expect(200);
    expect(started.body.output.pendingAction).toMatchObject({
      step: 'confirm_cancel',
      message: 'Cancel the Pro subscription sub-pro of Customer cust_123? This cannot be undone.',
      context: { customer: { customerId: 'cust_123' }, subscription: { id: 'sub-pro', plan: 'Pro' } },
    });
    const done = await resume(stack, started.body.run_id, { input: { resume: { step: 'confirm_cancel', input: 'approve' } } }).expect(200);
    expect(done.body.output.result).toEqual({ cancelled: { customerId: 'cust_123', subscriptionId: 'sub-pro', plan: 'Pro', status: 'cancelled', refund: 0 } });
  });

  it('billing-cancel: a rejection completes the run without cancelling anything', async () => {
    const started = await start(stack, 'billing-cancel', { input: { task: 'Cancel', state: { customerId: 'c1', subscriptionId: 'sub-team' } } }).expect(200);
    const done = await resume(stack, started.body.run_id, { input: { resume: { step: 'confirm_cancel', input: 'reject', comment: 'customer changed their mind' } } }).expect(200);
    expect(done.body.output.status).toBe('completed');
    expect(done.body.output.result).toMatchObject({ rejected: { step: 'confirm_cancel', comment: 'customer changed their mind' } });
    expect(done.body.output.steps.map((s: { name: string }) => s.name)).not.toContain('cancel_subscription');
  });
});
