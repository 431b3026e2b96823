import type { AgentOutput } from '../../src/contracts/agent';
import type { Definition } from '../../src/contracts/definition';
import type { TaskHandlers } from '../../src/activities/tasks';
import { closed, eventually, start, startStack, type TestStack } from '../harness/stack';

/** Side effects of the test tools, keyed by each call's idempotency key (a retried call counts once). */
const effects = new Map<string, unknown>();
const handlers: TaskHandlers = {
  lookupAccount: (input: { customer: string }) => ({ customer: input.customer, plan: 'pro', since: '2021-04-01' }),
  cancelAccount: (input: { customer: string; reason?: string }, ctx) => {
    effects.set(ctx.idempotencyKey, input);
    return { cancelled: input.customer, reason: input.reason ?? null };
  },
  sendEmail: (input: { to: string; subject: string }, ctx) => {
    effects.set(ctx.idempotencyKey, input);
    return { sent_to: input.to };
  },
  /** A sync that hangs on its first attempt (until its worker goes away), then succeeds. */
  syncLedger: async (input: { account: string }, ctx) => {
    syncAttempts.push(ctx.attempt);
    if (ctx.attempt === 1) {
      firstSyncStarted();
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      throw new Error('the worker went away mid-sync');
    }
    effects.set(ctx.idempotencyKey, input);
    return { synced: input.account };
  },
};
const syncAttempts: number[] = [];
let firstSyncStarted: () => void = () => undefined;

const tools = [
  { name: 'lookup', handler: 'lookupAccount', description: 'Read an account', input_schema: { type: 'object', properties: { customer: { type: 'string' } }, required: ['customer'] } },
  {
    name: 'cancel',
    handler: 'cancelAccount',
    description: 'Cancel an account (irreversible)',
    input_schema: { type: 'object', properties: { customer: { type: 'string' }, reason: { type: 'string' } }, required: ['customer'] },
    requires_confirmation: true,
    assignees: ['group:billing-ops'],
    timeout: '1h',
    on_timeout: 'reject',
  },
];

/** Seed 000: look the customer up, then cancel only once a person confirms. */
const billingAgent: Definition = {
  name: 'agent-billing',
  steps: [
    {
      name: 'agent',
      type: 'agent',
      instructions: 'You are a billing ops assistant for {{ state.customer }}.',
      model: 'scripted',
      tools,
      script: [
        { tool_calls: [{ name: 'lookup', args: { customer: '{{ state.customer }}' } }] },
        { tool_calls: [{ name: 'cancel', args: { customer: '{{ state.customer }}', reason: 'asked by phone' } }] },
        { text: 'Outcome: {{tool_result}}' },
      ],
    },
  ],
};

const withTool = (name: string, tool: Record<string, unknown>, script: unknown[], extra: Record<string, unknown> = {}): Definition => ({
  name,
  steps: [{ name: 'agent', type: 'agent', instructions: 'Help.', model: 'scripted', tools: [tool], script, ...extra } as never],
});

const emailTool = {
  name: 'send_email',
  handler: 'sendEmail',
  input_schema: { type: 'object', properties: { to: { type: 'string', format: 'email' }, subject: { type: 'string' } }, required: ['to', 'subject'] },
  requires_user_input: true,
  user_input_fields: ['to'],
};

describe('agent steps with tools (scripted model)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers,
      definitions: [
        billingAgent,
        withTool('agent-timeout', { ...tools[1]!, timeout: '1s', on_timeout: 'reject' }, [{ tool_calls: [{ name: 'cancel', args: { customer: 'c' } }] }, { text: 'Told: {{tool_result}}' }]),
        withTool('agent-skip', { ...tools[1]!, timeout: '1s', on_timeout: 'timeout_skip' }, [{ tool_calls: [{ name: 'cancel', args: { customer: 'c' } }] }, { text: 'Told: {{tool_result}}' }]),
        withTool('agent-input', emailTool, [{ tool_calls: [{ name: 'send_email', args: { subject: 'Your invoice' } }] }, { text: 'Sent: {{tool_result}}' }]),
        withTool('agent-external', { name: 'run_migration', external_execution: true, input_schema: { type: 'object', properties: { db: { type: 'string' } } } }, [
          { tool_calls: [{ name: 'run_migration', args: { db: 'orders' } }] },
          { text: 'Migration says: {{tool_result}}' },
        ]),
        withTool('agent-approval', { ...tools[1]!, approval: 'required' }, [{ tool_calls: [{ name: 'cancel', args: { customer: 'c' } }] }, { text: 'done' }]),
        withTool(
          'agent-sync',
          { name: 'sync', handler: 'syncLedger', input_schema: { type: 'object', properties: { account: { type: 'string' } } }, handler_timeout: '2s', retry: { initial_interval: '100ms' } },
          [{ tool_calls: [{ name: 'sync', args: { account: 'acme' } }] }, { text: 'Synced: {{tool_result}}' }],
        ),
        withTool('agent-budget', tools[0]!, [0, 1, 2, 3].map(() => ({ tool_calls: [{ name: 'lookup', args: { customer: 'c' } }] })), { max_steps: 3 }),
        withTool('agent-object', tools[0]!, [{ tool_calls: [{ name: 'lookup', args: { customer: 'acme' } }] }, { object: { plan: 'pro', churn_risk: 0.2 } }], {
          output: { schema: { type: 'object', properties: { plan: { type: 'string' }, churn_risk: { type: 'number' } }, required: ['plan', 'churn_risk'] } },
        }),
      ],
    });
  });
  afterAll(() => stack.stop());

  const decide = (requestId: string, body: Record<string, unknown>, who: 'alice' | 'bob' | 'admin' = 'alice') =>
    stack.http(who).post(`/v1/approvals/${requestId}/decision?wait=10s`).send(body);

  it('pauses before a tool that needs confirmation, runs it once approved, and answers with what it did', async () => {
    effects.clear();
    const started = await start(stack, 'agent-billing', { input: { task: 'Cancel acme', state: { customer: 'acme' } } }).expect(200);
    expect(started.body.output.status).toBe('paused');
    const action = started.body.output.pendingAction;
    expect(action).toMatchObject({
      step: 'agent',
      type: 'tool_approval',
      message: 'Allow cancel with {"customer":"acme","reason":"asked by phone"}?',
      options: ['approve', 'reject'],
      assignees: ['group:billing-ops'],
      context: { tool: 'cancel', args: { customer: 'acme', reason: 'asked by phone' } },
    });
    expect(effects.size).toBe(0);

    const decided = await decide(action.request_id, { value: 'approve' }).expect(200);
    expect(decided.body.run.output.status).toBe('completed');
    const output = decided.body.run.output.result as AgentOutput;
    expect(output.text).toBe('Outcome: {"cancelled":"acme","reason":"asked by phone"}');
    expect(output.tool_calls.map((c) => [c.name, c.status])).toEqual([['lookup', 'ran'], ['cancel', 'ran']]);
    expect(output.tool_calls[1]).toMatchObject({ request_id: action.request_id, decided_by: 'alice' });
    expect(output.model_calls).toBe(3);
    expect(effects.size).toBe(1);

    const events = await stack.http().get(`/v1/workflow-runs/${started.body.run_id}/events?limit=1000`).expect(200);
    const types = events.body.data.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['tool_started', 'tool_completed', 'agent_message', 'paused', 'decided']));

    // Each model call and each tool call was its own activity, named for what it is.
    const history = await stack.client.workflow.getHandle(started.body.run_id).fetchHistory();
    const activities = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
    expect(activities).toEqual(['__holdpoint_callModel', 'lookupAccount', '__holdpoint_callModel', 'cancelAccount', '__holdpoint_callModel']);
  });

  it('tells the model when a person rejects the call, with their reason, and does not run it', async () => {
    effects.clear();
    const started = await start(stack, 'agent-billing', { input: { task: 'Cancel globex', state: { customer: 'globex' } } }).expect(200);
    const decided = await decide(started.body.output.pendingAction.request_id, { value: 'reject', comment: 'they renewed yesterday' }).expect(200);
    const output = decided.body.run.output.result as AgentOutput;
    expect(output.text).toMatch(/^Outcome: The call to cancel was rejected by alice: they renewed yesterday\./);
    expect(output.tool_calls[1]!.status).toBe('rejected');
    expect(effects.size).toBe(0);
  });

  it('rejects on timeout, or skips the tool on timeout_skip, and the agent goes on without it', async () => {
    effects.clear();
    const rejected = await start(stack, 'agent-timeout', { input: { task: 'x' } }).expect(200);
    expect(await closed(stack.client, rejected.body.run_id)).toBe('COMPLETED');
    const r = (await stack.http().get(`/v1/workflow-runs/${rejected.body.run_id}`).expect(200)).body.output.result as AgentOutput;
    expect(r.text).toMatch(/rejected by nobody within 1s \(rejected on timeout\)/);

    const skipped = await start(stack, 'agent-skip', { input: { task: 'x' } }).expect(200);
    expect(await closed(stack.client, skipped.body.run_id)).toBe('COMPLETED');
    const s = (await stack.http().get(`/v1/workflow-runs/${skipped.body.run_id}`).expect(200)).body.output.result as AgentOutput;
    expect(s.text).toMatch(/was skipped \(no decision within 1s\); it did not run/);
    expect(s.tool_calls[0]!.status).toBe('skipped');
    expect(effects.size).toBe(0);
  });

  it('asks a person for the arguments a requires_user_input tool leaves to them, checked against its schema', async () => {
    effects.clear();
    const started = await start(stack, 'agent-input', { input: { task: 'Send the invoice' } }).expect(200);
    const action = started.body.output.pendingAction;
    expect(action).toMatchObject({ type: 'input', inputSchema: { type: 'object', properties: { to: { type: 'string', format: 'email' } }, required: ['to'] } });
    const bad = await decide(action.request_id, { value: { to: 'someone', subject: 'x' } }).expect(422);
    expect(bad.body.error.type).toBe('invalid_decision');
    const decided = await decide(action.request_id, { value: { to: 'billing@acme.test' } }).expect(200);
    expect((decided.body.run.output.result as AgentOutput).text).toBe('Sent: {"sent_to":"billing@acme.test"}');
    expect([...effects.values()]).toEqual([{ subject: 'Your invoice', to: 'billing@acme.test' }]);
  });

  it('takes the result of an external_execution tool from whoever ran it', async () => {
    const started = await start(stack, 'agent-external', { input: { task: 'Migrate' } }).expect(200);
    const action = started.body.output.pendingAction;
    expect(action.type).toBe('input');
    expect(action.message).toBe('Run run_migration with {"db":"orders"} and give its result.');
    const decided = await decide(action.request_id, { value: { rows: 1200, ok: true } }).expect(200);
    expect((decided.body.run.output.result as AgentOutput).text).toBe('Migration says: {"rows":1200,"ok":true}');
  });

  it('marks approval-record tools, and enforces approver rules on tool pauses like on any pause', async () => {
    const started = await start(stack, 'agent-approval', { input: { task: 'Cancel' } }).expect(200);
    const requestId = started.body.output.pendingAction.request_id;
    const item = await stack.http().get(`/v1/approvals/${requestId}`).expect(200);
    expect(item.body).toMatchObject({ type: 'tool_approval', who_may_decide: { assignees: ['group:billing-ops'] } });
    const run = await stack.http().get(`/v1/workflow-runs/${started.body.run_id}`).expect(200);
    expect(run.body.output.pendingAction).toMatchObject({ type: 'tool_approval' });
    const view = await stack.core.runs.get(started.body.run_id, { id: 'admin', roles: ['admin'], groups: [] });
    expect(view.pending[0]!.tool).toMatchObject({ name: 'cancel', hitl: 'confirmation', approval: 'required', agent_step: 'agent' });
    // bob is not in billing-ops.
    const refused = await decide(requestId, { value: 'approve' }, 'bob').expect(403);
    expect(refused.body.error.details.rule).toBe('assignees');
  });

  it('fails the step once the model has used its step budget', async () => {
    const started = await start(stack, 'agent-budget', { input: { task: 'Loop' } }).expect(200);
    expect(started.body.output.status).toBe('failed');
    expect(started.body.output.error).toMatch(/reached its step budget \(3 model calls\)/);
    expect(started.body.output.steps[0]).toMatchObject({ status: 'failed', error_type: 'step_limit_exceeded' });
  });

  it('answers with JSON matching the output schema', async () => {
    const started = await start(stack, 'agent-object', { input: { task: 'Assess' } }).expect(200);
    expect(started.body.output.status).toBe('completed');
    expect((started.body.output.result as AgentOutput).object).toEqual({ plan: 'pro', churn_risk: 0.2 });
  });

  it('survives a worker dying while a tool runs: the call is retried and its side effect happens once', async () => {
    effects.clear();
    syncAttempts.length = 0;
    const started = new Promise<void>((resolve) => (firstSyncStarted = resolve));
    const run = await start(stack, 'agent-sync', { input: { task: 'Sync' } }, '?wait=0').expect(200);
    await started;
    await stack.worker.stop();
    stack.worker = await stack.startWorker();
    expect(await closed(stack.client, run.body.run_id)).toBe('COMPLETED');
    const view = await stack.http('viewer').get(`/v1/workflow-runs/${run.body.run_id}`).expect(200);
    expect((view.body.output.result as AgentOutput).text).toBe('Synced: {"synced":"acme"}');
    expect(syncAttempts).toEqual([1, 2]);
    expect([...effects.values()]).toEqual([{ account: 'acme' }]);
    // One model call before the tool and one after, each recorded once; the tool's second attempt completed.
    const history = await stack.client.workflow.getHandle(run.body.run_id).fetchHistory();
    expect((history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length).toBe(3);
  });

  it('carries the conversation across continue-as-new and a worker restart while a tool waits', async () => {
    const small = await startStack({ handlers, definitions: [billingAgent], continueAsNewAfterEvents: 12 });
    try {
      effects.clear();
      const started = await start(small, 'agent-billing', { input: { task: 'Cancel', state: { customer: 'initech' } } }).expect(200);
      const requestId = started.body.output.pendingAction.request_id;
      await small.worker.stop();
      small.worker = await small.startWorker();
      const decided = await small.http('alice').post(`/v1/approvals/${requestId}/decision?wait=15s`).send({ value: 'approve' }).expect(200);
      expect(decided.body.run.output.status).toBe('completed');
      expect((decided.body.run.output.result as AgentOutput).text).toBe('Outcome: {"cancelled":"initech","reason":"asked by phone"}');
      const events = await small.http().get(`/v1/workflow-runs/${started.body.run_id}/events?limit=1000`).expect(200);
      expect(events.body.data.some((e: { type: string }) => e.type === 'continued_as_new')).toBe(true);
      await eventually(async () => expect(effects.size).toBe(1));
    } finally {
      await small.stop();
    }
  });
});
