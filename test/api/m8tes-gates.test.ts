import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AgentOutput } from '../../src/contracts/agent';
import { numericId } from '../../src/contracts/numeric-id';
import { closed, eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';
import { m8Definitions, m8Handlers } from '../clients/m8tes/definitions';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
type Json = Record<string, any>;

const V2 = '/api/v2';

// m8tes' gates over holdpoint's pauses: questions, tool gates with remember, pre-approvals, plans, the
// mode switch, and every refusal code m8tes' SDK branches on.
describe('m8tes face: gates', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ handlers: m8Handlers, definitions: m8Definitions });
  });
  afterAll(() => stack.stop());

  const v2 = (who: Who = 'dave') => ({
    get: (path: string) => request(stack.app).get(`${V2}${path}`).set('Authorization', `Bearer ${keyOf(who)}`),
    post: (path: string, body?: object) => request(stack.app).post(`${V2}${path}`).set('Authorization', `Bearer ${keyOf(who)}`).set('Idempotency-Key', randomUUID()).send(body ?? {}),
    patch: (path: string, body: object) => request(stack.app).patch(`${V2}${path}`).set('Authorization', `Bearer ${keyOf(who)}`).send(body),
    delete: (path: string) => request(stack.app).delete(`${V2}${path}`).set('Authorization', `Bearer ${keyOf(who)}`),
  });
  const create = async (agent: string, body: Json) => (await v2().post('/runs/', { stream: false, teammate_id: numericId(agent), message: 'Email the customer', ...body }).expect(201)).body as Json;
  /** The gate the run waits on next (the first pending one), once it waits. */
  const nextGate = (id: number, not?: string) =>
    eventually(async () => {
      const res = await v2('viewer').get(`/runs/${id}/permissions`).expect(200);
      const pending = (res.body as Json[]).filter((p) => p.status === 'pending' && p.request_id !== not);
      expect(pending).toHaveLength(1);
      return pending[0] as Json;
    });
  const agentOutput = async (run: Json) => {
    expect(await closed(stack.client, run.holdpoint.run_id)).toBe('COMPLETED');
    return (await stack.http('viewer').get(`/v1/workflow-runs/${run.holdpoint.run_id}`).expect(200)).body.output.result as AgentOutput;
  };

  it('approval: answers a question (keyed by its header), denies and allows tool gates, and remember stops asking', async () => {
    const user = `cust_gate_${randomUUID().slice(0, 6)}`;
    const run = await create('m8-assistant', { human_in_the_loop: true, permission_mode: 'approval', user_id: user });
    const question = await nextGate(run.id);
    expect(question).toMatchObject({
      request_id: expect.any(String),
      tool_name: 'AskUserQuestion',
      status: 'pending',
      tool_use_id: expect.any(String),
      tool_input: { questions: [{ question: 'Which region?', header: 'Region', options: [{ label: 'EU' }, { label: 'US', description: 'North America' }], multiSelect: false }] },
      can_remember: false,
      resolved_at: null,
    });
    expect((await v2('viewer').get(`/runs/${run.id}`).expect(200)).body.status).toBe('awaiting_approval');
    expect((await v2().post(`/runs/${run.id}/approve`, { request_id: question.request_id, decision: 'allow' }).expect(422)).body.error.details.error_code).toBe('not_a_tool_gate');
    expect(await v2().post(`/runs/${run.id}/answer`, { answers: { Region: 'EU' } }).expect(200).then((r) => r.body)).toEqual({ status: 'ok', resumed: true, request_id: question.request_id });

    const lookup = await nextGate(run.id, question.request_id);
    expect(lookup).toMatchObject({ tool_name: 'lookup', tool_input: { customer: 'acme' }, fields: [['customer', 'acme']], can_remember: true, tool_use_id: expect.any(String) });
    expect((await v2().post(`/runs/${run.id}/answer`, { request_id: lookup.request_id, answers: { x: 'y' } }).expect(422)).body.error.details.error_code).toBe('not_a_question');
    const denied = (await v2().post(`/runs/${run.id}/approve`, { request_id: lookup.request_id, decision: 'deny', reason: 'no lookups today' }).expect(200)).body as Json;
    expect(denied).toMatchObject({ request_id: lookup.request_id, status: 'denied', resumed: true, remembered: false, resolved_at: expect.any(String), holdpoint: { decided_by: 'dave', channel: 'update' } });

    const email = await nextGate(run.id, lookup.request_id);
    expect(email).toMatchObject({ tool_name: 'send_email', tool_input: { to: 'a@acme.test' } });
    const allowed = (await v2().post(`/runs/${run.id}/approve`, { request_id: email.request_id, decision: 'allow', remember: true }).expect(200)).body as Json;
    expect(allowed).toMatchObject({ status: 'allowed', resumed: true, remembered: true });
    // The same decision again changes nothing; the other one is refused: it did not happen.
    const again = (await v2().post(`/runs/${run.id}/approve`, { request_id: email.request_id, decision: 'allow', remember: true }).expect(200)).body as Json;
    expect(again).toMatchObject({ status: 'allowed', resumed: false, remembered: true });
    const otherwise = await v2().post(`/runs/${run.id}/approve`, { request_id: lookup.request_id, decision: 'allow' }).expect(404);
    expect(otherwise.body.error).toMatchObject({ type: 'not_found_error', code: 404, details: { error_code: 'gate_resolved_otherwise', status: 'denied', decided_by: 'dave' } });
    expect((await v2().post(`/runs/${run.id}/approve`, { request_id: `${run.holdpoint.run_id}.assistant.99`, decision: 'allow' }).expect(404)).body.error.details.error_code).toBe('gate_not_found');

    const output = await agentOutput(run);
    expect(output.tool_calls.map((c) => [c.name, c.status, c.allowed_by ?? null])).toEqual([
      ['AskUserQuestion', 'ran', null],
      ['lookup', 'rejected', null],
      ['send_email', 'ran', null],
      ['send_email', 'ran', 'remembered'],
    ]);
    expect(output.tool_calls[1]!.result).toMatch(/rejected by dave: no lookups today/);
    expect(output.tool_calls[0]!.result).toEqual({ answers: { 'Which region?': 'EU' } });
    const gates = (await v2('viewer').get(`/runs/${run.id}/permissions`).expect(200)).body as Json[];
    expect(gates.map((g) => [g.tool_name, g.status])).toEqual([
      ['AskUserQuestion', 'answered'],
      ['lookup', 'denied'],
      ['send_email', 'allowed'],
    ]);
    expect(gates[0]!.tool_input.answers).toEqual({ 'Which region?': 'EU' });
    expect((await v2().post(`/runs/${run.id}/answer`, { answers: { Region: 'US' } }).expect(409)).body.error.details.error_code).toBe('run_not_active');

    // remember is a policy of the end user now, listed with m8tes' source word.
    const policies = (await v2('viewer').get(`/permissions/?user_id=${user}`).expect(200)).body as Json;
    expect(policies).toMatchObject({ data: [{ id: expect.any(Number), user_id: user, tool_name: 'send_email', source: 'run_approval' }], has_more: false });
  });

  it("pre-approvals per end user and per account make a run's gates vanish; deleting brings them back", async () => {
    const forUser = await v2('admin').post('/permissions/', { user_id: 'cust_pre', tool: 'lookup' }).expect(201);
    expect(forUser.body).toMatchObject({ id: expect.any(Number), user_id: 'cust_pre', tool_name: 'lookup', source: 'api', created_at: expect.any(String) });
    const again = await v2('admin').post('/permissions/', { user_id: 'cust_pre', tool: 'lookup' }).expect(200);
    expect(again.body.id).toBe(forUser.body.id);
    const account = await v2('admin').post('/permissions/', { user_id: null, tool: 'send_email' }).expect(201);
    expect(account.body.user_id).toBeNull();
    expect((await v2('dave').post('/permissions/', { tool: 'lookup' }).expect(403)).body.error.details.error_code).toBe('permission_denied');
    expect((await v2('admin').post('/permissions/', { tool: 'no spaces' }).expect(422)).body.error.details).toMatchObject({ error_code: 'validation_error', field: 'body.tool' });
    expect((await v2('viewer').get('/permissions/').expect(200)).body.data.map((p: Json) => p.tool_name)).toContain('send_email');

    try {
      const run = await create('m8-assistant', { human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_pre' });
      await nextGate(run.id);
      await v2().post(`/runs/${run.id}/answer`, { answers: { 'Which region?': 'US' } }).expect(200);
      const output = await agentOutput(run);
      expect(output.tool_calls.slice(1).map((c) => c.allowed_by)).toEqual([`policy:${forUser.body.id}`, `policy:${account.body.id}`, `policy:${account.body.id}`]);
      expect((await v2('viewer').get(`/runs/${run.id}/permissions`).expect(200)).body.map((g: Json) => g.tool_name)).toEqual(['AskUserQuestion']);

      // Another end user has the account's policy only: their lookup is gated.
      const other = await create('m8-assistant', { human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_other' });
      const question = await nextGate(other.id);
      await v2().post(`/runs/${other.id}/answer`, { request_id: question.request_id, answers: { 'Which region?': 'US' } }).expect(200);
      expect((await nextGate(other.id, question.request_id)).tool_name).toBe('lookup');
      await v2().post(`/runs/${other.id}/cancel`).expect(200);
    } finally {
      await v2('admin').delete(`/permissions/${account.body.id}`).expect(204);
    }
    const wrongScope = await v2('admin').delete(`/permissions/${forUser.body.id}`).expect(404);
    expect(wrongScope.body.error.details.error_code).toBe('permission_not_found');
    await v2('admin').delete(`/permissions/${forUser.body.id}?user_id=cust_pre`).expect(204);
    expect((await v2('viewer').get('/permissions/?user_id=cust_pre').expect(200)).body.data).toEqual([]);
  });

  it('plan: feedback makes the agent re-plan (twice), "Approve" keyed by the header carries it out', async () => {
    const run = await create('m8-assistant', { human_in_the_loop: true, permission_mode: 'plan' });
    const first = await nextGate(run.id);
    expect(first).toMatchObject({ tool_name: 'AskUserQuestion', display_name: 'Plan approval', tool_input: { questions: [{ header: 'Plan Approval', options: [{ label: 'Approve' }] }] }, holdpoint: { plan_revision: 1 } });
    const plan1 = first.tool_input.questions[0].question as string;
    expect(plan1).toMatch(/^Plan:/);
    await v2().post(`/runs/${run.id}/answer`, { request_id: first.request_id, answers: { [plan1]: 'Do not email b@' } }).expect(200);
    const second = await nextGate(run.id, first.request_id);
    expect(second.tool_input.questions[0].question).toMatch(/revision 2, after your feedback: "Do not email b@"/);
    await v2().post(`/runs/${run.id}/answer`, { answers: { 'Plan Approval': 'Shorter, please' } }).expect(200);
    const third = await nextGate(run.id, second.request_id);
    expect(third.holdpoint.plan_revision).toBe(3);
    await v2().post(`/runs/${run.id}/answer`, { answers: { 'Plan Approval': 'Approve' } }).expect(200);
    const region = await nextGate(run.id, third.request_id);
    expect(region.tool_input.questions[0].question).toBe('Which region?');
    await v2().post(`/runs/${run.id}/answer`, { answers: { 'Which region?': 'EU' } }).expect(200);
    const output = await agentOutput(run);
    expect(output.plans!.map((p) => [p.revision, p.outcome, p.feedback ?? null])).toEqual([
      [1, 'revised', 'Do not email b@'],
      [2, 'revised', 'Shorter, please'],
      [3, 'approved', null],
    ]);
  });

  it('switching to autonomous while gated allows the waiting gate; the rest runs unasked', async () => {
    const run = await create('m8-assistant', { human_in_the_loop: true, permission_mode: 'approval' });
    await nextGate(run.id);
    await v2().post(`/runs/${run.id}/answer`, { answers: { 'Which region?': 'EU' } }).expect(200);
    const gate = await eventually(async () => {
      const g = (await v2('viewer').get(`/runs/${run.id}/permissions`).expect(200)).body.find((p: Json) => p.status === 'pending');
      expect(g?.tool_name).toBe('lookup');
      return g as Json;
    });
    expect((await v2().patch(`/runs/${run.id}/permission-mode`, { permission_mode: 'sometimes' }).expect(422)).body.error.details.field).toBe('body.permission_mode');
    const switched = (await v2().patch(`/runs/${run.id}/permission-mode`, { permission_mode: 'autonomous' }).expect(200)).body as Json;
    expect(switched).toMatchObject({ permission_mode: 'autonomous', allowed: [gate.request_id] });
    const output = await agentOutput(run);
    expect(output.tool_calls.slice(1).every((c) => c.status === 'ran')).toBe(true);
    expect((await v2('viewer').get(`/runs/${run.id}`).expect(200)).body.permission_mode).toBe('autonomous');
    expect((await v2().patch(`/runs/${run.id}/permission-mode`, { permission_mode: 'approval' }).expect(409)).body.error.details.error_code).toBe('run_not_active');

    // Nobody in the loop: approval and plan stay forbidden on a live run too.
    const alone = await create('m8-strict', {});
    const refused = await v2().patch(`/runs/${alone.id}/permission-mode`, { permission_mode: 'plan' }).expect(422);
    expect(refused.body.error.message).toMatch(/needs human_in_the_loop: true/);
    await v2().post(`/runs/${alone.id}/cancel`).expect(200);
  });

  it('gate_cancelled, run_not_active and a refused answer while the run runs', async () => {
    const cancelled = await create('m8-strict', { human_in_the_loop: true });
    const wire = await nextGate(cancelled.id);
    await v2().post(`/runs/${cancelled.id}/cancel`).expect(200);
    const refused = await v2().post(`/runs/${cancelled.id}/approve`, { request_id: wire.request_id, decision: 'allow' }).expect(404);
    expect(refused.body.error).toMatchObject({ type: 'not_found_error', details: { error_code: 'gate_cancelled' } });
    // Answers are taken only while the run waits (m8tes: 409 unless awaiting_approval).
    const asking = await create('m8-assistant', { human_in_the_loop: true });
    const question = await nextGate(asking.id);
    await v2().post(`/runs/${asking.id}/cancel`).expect(200);
    const late = await v2().post(`/runs/${asking.id}/answer`, { request_id: question.request_id, answers: { 'Which region?': 'EU' } }).expect(409);
    expect(late.body.error).toMatchObject({ type: 'conflict_error', details: { error_code: 'run_not_active' } });

    // Ended outside holdpoint with the gate still open: the decision cannot apply (benign for m8tes' wait()).
    const terminated = await create('m8-assistant', { human_in_the_loop: true, permission_mode: 'approval' });
    await nextGate(terminated.id);
    await v2().post(`/runs/${terminated.id}/answer`, { answers: { Region: 'EU' } }).expect(200);
    const open = await nextGate(terminated.id);
    expect(open.tool_name).toBe('lookup');
    await stack.client.workflow.getHandle(terminated.holdpoint.run_id).terminate('operator pulled the plug');
    const ended = await v2().post(`/runs/${terminated.id}/approve`, { request_id: open.request_id, decision: 'allow' }).expect(409);
    expect(ended.body.error).toMatchObject({ type: 'conflict_error', details: { error_code: 'run_not_active' } });

    const noQuestion = await create('m8-strict', { human_in_the_loop: true });
    await nextGate(noQuestion.id);
    const onlyTools = await v2().post(`/runs/${noQuestion.id}/answer`, { answers: { a: 'b' } }).expect(409);
    expect(onlyTools.body.error.details.error_code).toBe('run_not_awaiting_approval');
    await v2().post(`/runs/${noQuestion.id}/cancel`).expect(200);
  });

  it('auto_continued: a question with "(Recommended)" options goes on after question_timeout; answering it then is refused', async () => {
    const run = await create('m8-hurry', { human_in_the_loop: true, message: 'Send the report' });
    const output = await agentOutput(run);
    expect(output.text).toMatch(/^Sent as .*PDF \(Recommended\)/);
    const [gate] = (await v2('viewer').get(`/runs/${run.id}/permissions`).expect(200)).body as Json[];
    expect(gate).toMatchObject({ status: 'answered', auto_resolved: true, holdpoint: { decided_by: 'system', channel: 'timeout' } });
    expect(gate!.tool_input.answers['Which format?']).toMatch(/^PDF \(Recommended\) \[auto-selected/);
    const late = await v2().post(`/runs/${run.id}/answer`, { request_id: gate!.request_id, answers: { 'Which format?': 'CSV' } }).expect(409);
    expect(late.body.error).toMatchObject({ type: 'conflict_error', details: { error_code: 'auto_continued' } });
  });

  it("a tool its definition always confirms is allowed but never remembered (m8tes' remembered: false)", async () => {
    const run = await create('m8-strict', { human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_strict' });
    const gate = await nextGate(run.id);
    expect(gate).toMatchObject({ tool_name: 'wire', can_remember: false });
    const allowed = (await v2().post(`/runs/${run.id}/approve`, { request_id: gate.request_id, decision: 'allow', remember: true }).expect(200)).body as Json;
    expect(allowed).toMatchObject({ status: 'allowed', remembered: false });
    expect((await agentOutput(run)).tool_calls.map((c) => c.status)).toEqual(['ran']);
    expect((await v2('viewer').get('/permissions/?user_id=cust_strict').expect(200)).body.data).toEqual([]);
  });

  it('pause steps without an agent: yes/no is a tool gate, options and input are questions', async () => {
    const run = await create('m8-steps', { message: JSON.stringify({ task: 'Ship the release', release: '2.1' }) });
    const confirm = await nextGate(run.id);
    expect(confirm).toMatchObject({ tool_name: 'confirm', tool_input: { release: '2.1' }, tool_use_id: null, can_remember: false });
    await v2().post(`/runs/${run.id}/approve`, { request_id: confirm.request_id, decision: 'allow' }).expect(200);
    const pick = await nextGate(run.id, confirm.request_id);
    expect(pick).toMatchObject({ tool_name: 'AskUserQuestion', tool_input: { questions: [{ question: 'Which channel?', header: 'Channel', options: [{ label: 'email' }, { label: 'sms' }] }] } });
    const wrong = await v2().post(`/runs/${run.id}/answer`, { answers: { 'Which channel?': 'fax' } }).expect(422);
    expect(wrong.body.error.message).toMatch(/must be one of "email", "sms"/);
    await v2().post(`/runs/${run.id}/answer`, { answers: { Channel: 'sms' } }).expect(200);
    const count = await nextGate(run.id, pick.request_id);
    expect(count.tool_input.questions).toEqual([{ question: 'How many?', header: 'count', options: [], multiSelect: false }]);
    await v2().post(`/runs/${run.id}/answer`, { answers: { 'How many?': '3' } }).expect(200);
    expect(await closed(stack.client, run.holdpoint.run_id)).toBe('COMPLETED');
    expect((await v2('viewer').get(`/runs/${run.id}`).expect(200)).body).toMatchObject({ status: 'completed', output_data: { channel: 'sms', count: 3 } });
  });

  it('a gate raised through m8tes can be decided in the inbox, and m8tes sees who decided', async () => {
    const run = await create('m8-assistant', { human_in_the_loop: true, permission_mode: 'approval' });
    await nextGate(run.id);
    await v2().post(`/runs/${run.id}/answer`, { answers: { Region: 'EU' } }).expect(200);
    const gate = await eventually(async () => {
      const g = (await v2('viewer').get(`/runs/${run.id}/permissions`).expect(200)).body.find((p: Json) => p.status === 'pending');
      expect(g?.tool_name).toBe('lookup');
      return g as Json;
    });
    const inbox = await stack.http('alice').get(`/v1/approvals/${gate.request_id}`).expect(200);
    expect(inbox.body.tool).toMatchObject({ name: 'lookup', gate: 'permission_mode' });
    await stack.http('alice').post(`/v1/approvals/${gate.request_id}/decision`).send({ value: 'reject', comment: 'not today' }).expect(200);
    const seen = (await v2('viewer').get(`/runs/${run.id}/permissions`).expect(200)).body.find((p: Json) => p.request_id === gate.request_id) as Json;
    expect(seen).toMatchObject({ status: 'denied', holdpoint: { decided_by: 'alice' } });
    expect((await v2().post(`/runs/${run.id}/approve`, { request_id: gate.request_id, decision: 'deny' }).expect(200)).body).toMatchObject({ status: 'denied', resumed: false });
    expect((await v2().post(`/runs/${run.id}/approve`, { request_id: gate.request_id, decision: 'allow' }).expect(404)).body.error.details).toMatchObject({ error_code: 'gate_resolved_otherwise', decided_by: 'alice' });
    await v2().post(`/runs/${run.id}/cancel`).expect(200);
  });
});
