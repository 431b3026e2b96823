import type { AgentOutput } from '../../src/contracts/agent';
import { start, startStack, type TestStack } from '../harness/stack';

// The shipped agent examples (seeds 000 and 003), on the scripted model they fall back to offline.
describe('the shipped agent examples', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  const decide = (requestId: string, body: Record<string, unknown>) => stack.http('alice').post(`/v1/approvals/${requestId}/decision?wait=10s`).send(body);

  it('billing-agent looks the customer up, then cancels only after billing ops confirms', async () => {
    const started = await start(stack, 'billing-agent', { input: { task: 'Cancel the Pro plan', state: { customerId: 'cust_42', subscriptionId: 'sub-pro' } } }).expect(200);
    const action = started.body.output.pendingAction;
    expect(action).toMatchObject({
      type: 'tool_approval',
      message: 'Cancel subscription sub-pro of customer cust_42? This cannot be undone.',
      assignees: ['group:billing-ops'],
      context: { tool: 'cancel_subscription', args: { customerId: 'cust_42', subscriptionId: 'sub-pro' } },
    });
    const done = await decide(action.request_id, { value: 'approve' }).expect(200);
    const output = done.body.run.output.result as AgentOutput;
    expect(output.tool_calls.map((c) => c.name)).toEqual(['lookup_customer', 'list_subscriptions', 'cancel_subscription']);
    expect(output.text).toContain('"status":"cancelled"');
  });

  it('deploy-agent pauses inside the agent step until a release manager confirms the deploy, then reports', async () => {
    const started = await start(stack, 'deploy-agent', { input: { task: 'Deploy payments 2.1', state: { app: 'payments', version: '2.1', environment: 'production' } } }).expect(200);
    expect(started.body.output.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['gather_data', 'completed'],
      ['detailed_analysis', 'paused'],
    ]);
    const action = started.body.output.pendingAction;
    expect(action).toMatchObject({ step: 'detailed_analysis', type: 'tool_approval', message: 'Deploy payments v2.1 to production?', assignees: ['group:release-managers'] });
    const refused = await decide(action.request_id, { value: 'reject' }).expect(422);
    expect(refused.body.error.details.rule).toBe('reject_requires_comment');
    const done = await decide(action.request_id, { value: 'approve' }).expect(200);
    expect(done.body.run.output.status).toBe('completed');
    expect(done.body.run.output.result.summary).toMatch(/approved by alice/);
  });

  it('deploy-agent-condition runs the agent (and its pause) for production only', async () => {
    const staging = await start(stack, 'deploy-agent-condition', { input: { task: 'Deploy web 3.1', state: { app: 'web', version: '3.1', environment: 'staging' } } }).expect(200);
    expect(staging.body.output.status).toBe('completed');
    expect(staging.body.output.result.summary).toMatch(/no deployment/);
    const production = await start(stack, 'deploy-agent-condition', { input: { task: 'Deploy web 3.1', state: { app: 'web', version: '3.1', environment: 'production' } } }).expect(200);
    expect(production.body.output.pendingAction).toMatchObject({ step: 'production_analysis', type: 'tool_approval' });
    const done = await decide(production.body.output.pendingAction.request_id, { value: 'reject', comment: 'freeze week' }).expect(200);
    expect(done.body.run.output.status).toBe('completed');
    expect((done.body.run.output.steps.find((s: { name: string }) => s.name === 'production_analysis').output as AgentOutput).text).toMatch(/rejected by alice: freeze week/);
  });
});
