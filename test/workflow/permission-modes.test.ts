import type { AgentOutput } from '../../src/contracts/agent';
import type { Definition } from '../../src/contracts/definition';
import type { TaskHandlers } from '../../src/activities/tasks';
import { closed, eventually, startStack, type TestStack, type Who } from '../harness/stack';

/** Emails the tool "sent", keyed by each call's idempotency key (a retried call counts once). */
const sent = new Map<string, { to: string }>();
const handlers: TaskHandlers = {
  lookupAccount: (input: { customer: string }) => ({ customer: input.customer, plan: 'pro' }),
  sendEmail: (input: { to: string }, ctx) => {
    sent.set(ctx.idempotencyKey, input);
    return { sent_to: input.to };
  },
};

/** Seed 004: an assistant that asks which region, looks the customer up, then emails twice. */
const assistant: Definition = {
  name: 'pm-assistant',
  steps: [
    {
      name: 'assistant',
      type: 'agent',
      instructions: 'Help the customer.',
      model: 'scripted',
      tools: [
        { name: 'lookup', handler: 'lookupAccount', input_schema: { type: 'object', properties: { customer: { type: 'string' } } } },
        { name: 'send_email', handler: 'sendEmail', input_schema: { type: 'object', properties: { to: { type: 'string' } } } },
      ],
      script: [
        { tool_calls: [{ name: 'AskUserQuestion', args: { questions: [{ question: 'Which region?', header: 'Region', options: [{ label: 'EU' }, { label: 'US', description: 'North America' }] }] } }] },
        { tool_calls: [{ name: 'lookup', args: { customer: 'acme' } }] },
        { tool_calls: [{ name: 'send_email', args: { to: 'a@acme.test' } }] },
        { tool_calls: [{ name: 'send_email', args: { to: 'b@acme.test' } }] },
        { text: 'Done: {{tool_result}}' },
      ],
    } as never,
  ],
} as Definition;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
type Json = Record<string, any>;
type Mode = { human_in_the_loop?: boolean; permission_mode?: string; user_id?: string };

describe('permission modes on agent runs', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ handlers, definitions: [assistant] });
  });
  afterAll(() => stack.stop());

  const begin = async (mode: Mode, who: Who = 'dave') => {
    const res = await stack.http(who).post('/v1/agents/pm-assistant/workflow').send({ input: { task: 'Email the customer' }, ...mode }).expect(200);
    return res.body as { run_id: string; status: string; output: Json; pendingAction?: Json };
  };
  const decide = (requestId: string, body: Record<string, unknown>, who: Who = 'dave') => stack.http(who).post(`/v1/approvals/${requestId}/decision?wait=10s`).send(body);
  const pending = (run: { pendingAction?: Json; output: Json }) => (run.pendingAction ?? run.output.pendingAction) as Json;
  const output = (run: { output: Json }) => run.output.result as AgentOutput;

  it('refuses approval or plan without a person in the loop, naming the rule', async () => {
    for (const permission_mode of ['approval', 'plan']) {
      const res = await stack.http('dave').post('/v1/agents/pm-assistant/workflow').send({ input: { task: 'x' }, human_in_the_loop: false, permission_mode }).expect(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request', message: expect.stringContaining('needs human_in_the_loop: true'), details: { field: 'permission_mode' } });
    }
    const bad = await stack.http('dave').post('/v1/agents/pm-assistant/workflow').send({ input: { task: 'x' }, permission_mode: 'yolo' }).expect(400);
    expect(bad.body.error.message).toMatch(/permission_mode: must be one of autonomous, approval, plan/);
  });

  it('runs without any pause when nobody is in the loop (the question tool is not offered)', async () => {
    const run = await begin({});
    expect(run.output.status).toBe('completed');
    const calls = output(run).tool_calls;
    expect(calls.map((c) => [c.name, c.status])).toEqual([
      ['AskUserQuestion', 'skipped'],
      ['lookup', 'ran'],
      ['send_email', 'ran'],
      ['send_email', 'ran'],
    ]);
    const view = await stack.http('viewer').get(`/v1/workflow-runs/${run.run_id}`).expect(200);
    expect(view.body).toMatchObject({ human_in_the_loop: false, permission_mode: 'autonomous' });
  });

  it('autonomous with a person: the agent asks (options or free text), then its tools run unasked', async () => {
    const run = await begin({ human_in_the_loop: true, permission_mode: 'autonomous' });
    const question = pending(run);
    expect(question).toMatchObject({ type: 'question', questions: [{ question: 'Which region?', header: 'Region', options: [{ label: 'EU' }, { label: 'US', description: 'North America' }], allow_free_text: true }] });
    const answered = await decide(question.request_id, { value: { 'Which region?': 'Asia, actually' } }).expect(200);
    expect(answered.body.run.output.status).toBe('completed');
    const calls = (answered.body.run.output.result as AgentOutput).tool_calls;
    expect(calls[0]).toMatchObject({ name: 'AskUserQuestion', status: 'ran', result: { answers: { 'Which region?': 'Asia, actually' } } });
    expect(calls.slice(1).every((c) => c.status === 'ran' && !c.request_id)).toBe(true);
  });

  it('approval: a gate before each tool call; deny tells the model, allow runs it, remember stops asking for that tool', async () => {
    const run = await begin({ human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_gate' });
    let next = (await decide(pending(run).request_id, { value: { 'Which region?': 'EU' } }).expect(200)).body.run;
    const lookupGate = next.output.pendingAction;
    expect(lookupGate).toMatchObject({ type: 'tool_approval', message: 'Allow lookup with {"customer":"acme"}?' });
    const gateItem = await stack.http('dave').get(`/v1/approvals/${lookupGate.request_id}`).expect(200);
    expect(gateItem.body.tool).toMatchObject({ name: 'lookup', gate: 'permission_mode', args: { customer: 'acme' } });
    next = (await decide(lookupGate.request_id, { value: 'reject', comment: 'no lookups today' }).expect(200)).body.run;
    const emailGate = next.output.pendingAction;
    expect(emailGate.message).toBe('Allow send_email with {"to":"a@acme.test"}?');
    // remember only applies to allowing a gate.
    const wrong = await decide(lookupGate.request_id, { value: 'approve', remember: true }).expect(409);
    expect(wrong.body.error.type).toBe('already_decided');
    next = (await decide(emailGate.request_id, { value: 'approve', remember: true }).expect(200)).body.run;
    expect(next.output.status).toBe('completed');
    const calls = (next.output.result as AgentOutput).tool_calls;
    expect(calls.map((c) => [c.name, c.status, c.allowed_by ?? null])).toEqual([
      ['AskUserQuestion', 'ran', null],
      ['lookup', 'rejected', null],
      ['send_email', 'ran', null],
      ['send_email', 'ran', 'remembered'],
    ]);
    expect(calls[1]!.result).toMatch(/rejected by dave: no lookups today/);

    // The remembered tool is a policy of the end user now: their next run's email goes unasked.
    const policies = await stack.http('viewer').get('/v1/policies?user_id=cust_gate').expect(200);
    expect(policies.body.data).toEqual([expect.objectContaining({ tool: 'send_email', user_id: 'cust_gate', source: 'remember', created_by: 'dave' })]);
    const later = await begin({ human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_gate' });
    const laterGate = (await decide(pending(later).request_id, { value: { 'Which region?': 'EU' } }).expect(200)).body.run.output.pendingAction;
    const done = (await decide(laterGate.request_id, { value: 'approve' }).expect(200)).body.run;
    expect((done.output.result as AgentOutput).tool_calls.filter((c) => c.name === 'send_email').map((c) => c.allowed_by)).toEqual([
      expect.stringMatching(/^policy:\d+$/),
      expect.stringMatching(/^policy:\d+$/),
    ]);
  });

  it('pre-approvals per end user and per account make the gates vanish; deleting one brings them back', async () => {
    const forUser = await stack.http('admin').post('/v1/policies').send({ tool: 'lookup', user_id: 'cust_pre' }).expect(201);
    const again = await stack.http('admin').post('/v1/policies').send({ tool: 'lookup', user_id: 'cust_pre' }).expect(201);
    expect(again.body).toEqual(forUser.body);
    expect(forUser.body).toMatchObject({ id: expect.any(Number), tool: 'lookup', user_id: 'cust_pre', source: 'api', created_by: 'admin' });
    const account = await stack.http('admin').post('/v1/policies').send({ tool: 'send_email' }).expect(201);
    expect(account.body.user_id).toBeNull();
    await stack.http('dave').post('/v1/policies').send({ tool: 'lookup' }).expect(403);
    const bad = await stack.http('admin').post('/v1/policies').send({ tool: 'no spaces' }).expect(400);
    expect(bad.body.error.details.field).toBe('tool');

    try {
      const run = await begin({ human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_pre' });
      const done = (await decide(pending(run).request_id, { value: { 'Which region?': 'US' } }).expect(200)).body.run;
      expect(done.output.status).toBe('completed');
      expect((done.output.result as AgentOutput).tool_calls.slice(1).map((c) => c.allowed_by)).toEqual([`policy:${forUser.body.id}`, `policy:${account.body.id}`, `policy:${account.body.id}`]);

      // Another end user has only the account's policy: their lookup is gated.
      const other = await begin({ human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_other' });
      const gate = (await decide(pending(other).request_id, { value: { 'Which region?': 'US' } }).expect(200)).body.run.output.pendingAction;
      expect(gate.message).toMatch(/^Allow lookup/);
      await stack.http('dave').delete(`/v1/workflow-runs/${other.run_id}`).expect(200);
    } finally {
      await stack.http('admin').delete(`/v1/policies/${account.body.id}`).expect(200);
    }
    await stack.http('admin').delete(`/v1/policies/${forUser.body.id}`).expect(404); // wrong scope: it is cust_pre's
    await stack.http('admin').delete(`/v1/policies/${forUser.body.id}?user_id=cust_pre`).expect(200);
    const all = await eventually(async () => {
      const res = await stack.http('viewer').get('/v1/policies').expect(200);
      expect(res.body.data.filter((p: { user_id: string | null }) => p.user_id === 'cust_pre' || p.user_id === null)).toEqual([]);
      return res;
    });
    expect(all.status).toBe(200);
  });

  it('lists every policy of a scope whose list outgrew its memo (Temporal warns above 2 KiB)', async () => {
    const tools = Array.from({ length: 20 }, (_, i) => `crm.contacts.lookup_by_email_address_and_company_domain_${String(i).padStart(2, '0')}`);
    for (const tool of tools) await stack.http('admin').post('/v1/policies').send({ tool, user_id: 'cust_many' }).expect(201);
    // The scope's memo counts them but no longer carries the list (it would be ~3 KB).
    const memo = (await stack.client.workflow.getHandle(`${stack.taskQueue}.policies.user.cust_many`).describe()).memo?.holdpoint_policies as { count: number; policies?: unknown[] };
    expect(memo).toEqual({ user_id: 'cust_many', count: 20 });
    // The listing of every scope reads that one from its entity.
    await eventually(async () => {
      const res = await stack.http('viewer').get('/v1/policies').expect(200);
      expect(res.body.data.filter((p: { user_id: string | null }) => p.user_id === 'cust_many').map((p: { tool: string }) => p.tool)).toEqual(tools);
    });
    expect((await stack.http('viewer').get('/v1/policies?user_id=cust_many').expect(200)).body.data).toHaveLength(20);
  });

  it('plan: the agent proposes a plan; feedback makes it re-plan (twice), "Approve" carries it out; every revision is kept', async () => {
    const run = await begin({ human_in_the_loop: true, permission_mode: 'plan' });
    const first = pending(run);
    expect(first).toMatchObject({ type: 'question', questions: [{ header: 'Plan Approval', options: [{ label: 'Approve' }], allow_free_text: true }] });
    const plan1 = first.questions[0].question as string;
    expect(plan1).toMatch(/^Plan:\n1\. Call AskUserQuestion/);
    let next = (await decide(first.request_id, { value: { [plan1]: 'Do not email b@' } }).expect(200)).body.run;
    const second = next.output.pendingAction;
    expect(second.questions[0].question).toMatch(/revision 2, after your feedback: "Do not email b@"/);
    next = (await decide(second.request_id, { value: { [second.questions[0].question]: 'Shorter, please' } }).expect(200)).body.run;
    const third = next.output.pendingAction;
    expect(third.questions[0].question).toMatch(/revision 3/);
    next = (await decide(third.request_id, { value: { [third.questions[0].question]: 'Approve' } }).expect(200)).body.run;
    // Plan mode asks questions too; tools then run without gates.
    expect(next.output.pendingAction).toMatchObject({ type: 'question', questions: [{ question: 'Which region?' }] });
    next = (await decide(next.output.pendingAction.request_id, { value: { 'Which region?': 'EU' } }).expect(200)).body.run;
    expect(next.output.status).toBe('completed');
    const result = next.output.result as AgentOutput;
    expect(result.plans!.map((p) => [p.revision, p.outcome, p.feedback ?? null, p.decided_by])).toEqual([
      [1, 'revised', 'Do not email b@', 'dave'],
      [2, 'revised', 'Shorter, please', 'dave'],
      [3, 'approved', null, 'dave'],
    ]);
    const audit = await stack.http('viewer').get(`/v1/workflow-runs/${run.run_id}/audit`).expect(200);
    const planRequests = (audit.body.entries as Array<{ type: string; data?: { plan_revision?: number } }>).filter((e) => e.type === 'requested' && e.data?.plan_revision);
    expect(planRequests.map((e) => e.data!.plan_revision)).toEqual([1, 2, 3]);
  });

  it('switching to autonomous while gated allows the waiting gate, and the rest runs unasked', async () => {
    const run = await begin({ human_in_the_loop: true, permission_mode: 'approval' });
    const gate = (await decide(pending(run).request_id, { value: { 'Which region?': 'EU' } }).expect(200)).body.run.output.pendingAction;
    expect(gate.type).toBe('tool_approval');
    await stack.http('ops').patch(`/v1/workflow-runs/${run.run_id}/permission-mode`).send({ permission_mode: 'autonomous' }).expect(403);
    const switched = await stack.http('dave').patch(`/v1/workflow-runs/${run.run_id}/permission-mode`).send({ permission_mode: 'autonomous' }).expect(200);
    expect(switched.body.permission_mode).toBe('autonomous');
    expect(await closed(stack.client, run.run_id)).toBe('COMPLETED');
    const view = (await stack.http('viewer').get(`/v1/workflow-runs/${run.run_id}`).expect(200)).body;
    const calls = (view.output.result as AgentOutput).tool_calls;
    expect(calls[1]).toMatchObject({ name: 'lookup', status: 'ran', decided_by: 'dave' });
    expect(calls.slice(2).every((c) => c.status === 'ran' && !c.request_id)).toBe(true);
    const events = (await stack.http('viewer').get(`/v1/workflow-runs/${run.run_id}/events`).expect(200)).body.data as Array<{ type: string; data?: Record<string, unknown> }>;
    expect(events.find((e) => e.type === 'permission_mode_changed')!.data).toMatchObject({ from: 'approval', to: 'autonomous', allowed: [gate.request_id], by: 'dave' });
    // An ended run's mode no longer matters.
    const plain = await begin({});
    const refused = await stack.http('dave').patch(`/v1/workflow-runs/${plain.run_id}/permission-mode`).send({ permission_mode: 'approval' }).expect(409);
    expect(refused.body.error.type).toBe('run_ended');
  });
});
