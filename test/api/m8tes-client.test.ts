import { join } from 'node:path';
import type { AgentOutput } from '../../src/contracts/agent';
import { numericId } from '../../src/contracts/numeric-id';
import { runPythonScript } from '../harness/python-clients';
import { keyOf, startStack, type TestStack } from '../harness/stack';
import { m8Definitions, m8Handlers } from '../clients/m8tes/definitions';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON lines from the driver, checked field by field
type Step = Record<string, any> & { step: string };

// m8tes' own Python SDK (m8tes 4.49.0, from PyPI, unchanged) against holdpoint's m8tes face.
describe("m8tes' Python SDK drives holdpoint", () => {
  let stack: TestStack;
  let steps: Record<string, Step>;
  beforeAll(async () => {
    stack = await startStack({ handlers: m8Handlers, definitions: m8Definitions });
    const python = process.env.HOLDPOINT_TEST_PY_M8TES;
    if (!python) throw new Error('no m8tes venv: run the tests through jest (test/harness/global-setup.ts builds it)');
    // dave starts runs and decides their gates; admin manages pre-approvals and webhooks.
    const result = await runPythonScript(python, join(__dirname, '../clients/m8tes/drive.py'), { 'base-url': `${stack.url}/api/v2`, key: keyOf('dave'), 'admin-key': keyOf('admin') }, 240_000);
    steps = Object.fromEntries(result.results.map((r) => [String(r.step), r as Step]));
  }, 300_000);
  afterAll(() => stack.stop());

  /** What holdpoint recorded for a run the SDK knows by its integer id. */
  const recorded = async (id: number) => {
    const runId = await stack.core.runs.byNumber(id, { id: 'viewer', roles: ['viewer'], groups: [] });
    return (await stack.http('viewer').get(`/v1/workflow-runs/${runId}`).expect(200)).body;
  };
  const toolCalls = async (id: number) => ((await recorded(id)).output.result as AgentOutput).tool_calls;

  it('lists agents with integer ids and refuses the forbidden modes as ValidationError', () => {
    expect(steps.agents).toMatchObject({ id: numericId('m8-assistant'), id_type: 'int', tools: ['lookup', 'send_email'], got: 'm8-assistant' });
    expect(steps.agents!.names).toEqual(expect.arrayContaining(['m8-assistant', 'assistant', 'lead-router']));
    for (const mode of ['approval', 'plan']) {
      expect(steps.forbidden_modes![mode].refused).toMatchObject({ class: 'ValidationError', status: 422, code: 'invalid_permission_mode', error_code: 'invalid_permission_mode', message: expect.stringContaining('needs human_in_the_loop: true') });
    }
  });

  it('creates a run without streaming and polls it to its end', async () => {
    expect(steps.create_plain).toMatchObject({ id_type: 'int', status: 'running', teammate_id: numericId('m8-assistant'), metadata: { ticket: 'T-9' }, started_by: null });
    expect(steps.poll_plain).toMatchObject({ id: steps.create_plain!.id, status: 'completed', output: expect.stringMatching(/^Done: /), permission_mode: 'autonomous' });
    expect((await toolCalls(steps.create_plain!.id)).map((c) => c.status)).toEqual(['skipped', 'ran', 'ran', 'ran']);
  });

  it('autonomous with a person: on_question answers the clarifying question, tools run unasked', async () => {
    expect(steps.autonomous_hitl).toMatchObject({ asked: ['Which region?'], status: 'completed' });
    const calls = await toolCalls(steps.autonomous_hitl!.id);
    expect(calls[0]).toMatchObject({ name: 'AskUserQuestion', status: 'ran', result: { answers: { 'Which region?': 'EU' } } });
    expect(calls.slice(1).every((c) => c.status === 'ran' && !c.request_id)).toBe(true);
  });

  it('approval: wait() with callbacks denies and allows tools; without the callback it raises', async () => {
    expect(steps.approval_wait).toMatchObject({ status: 'completed', user_id: 'cust_wait' });
    expect(steps.approval_wait!.approvals).toEqual([
      ['lookup', { customer: 'acme' }],
      ['send_email', { to: 'a@acme.test' }],
      ['send_email', { to: 'b@acme.test' }],
    ]);
    expect(steps.approval_wait!.gates).toEqual([
      ['AskUserQuestion', 'answered'],
      ['lookup', 'denied'],
      ['send_email', 'allowed'],
      ['send_email', 'allowed'],
    ]);
    expect((await toolCalls(steps.approval_wait!.id)).map((c) => [c.name, c.status, c.decided_by ?? null])).toEqual([
      ['AskUserQuestion', 'ran', 'dave'],
      ['lookup', 'rejected', 'dave'],
      ['send_email', 'ran', 'dave'],
      ['send_email', 'ran', 'dave'],
    ]);
    expect(steps.wait_without_callback!.refused).toMatchObject({ class: 'RuntimeError', message: expect.stringContaining("waiting for tool approval ('lookup')") });
  });

  it('approve by hand: allow, allow with remember, the same again (200), the other way (gate_resolved_otherwise), an unknown gate', async () => {
    expect(steps.answer).toMatchObject({ result: { status: 'ok', resumed: true }, question: { tool_name: 'AskUserQuestion', status: 'pending', is_plan_approval: false } });
    expect(steps.approve_allow).toMatchObject({ tool_name: 'lookup', status: 'allowed', resumed: true, remembered: false, can_remember: true });
    expect(steps.approve_remember).toMatchObject({ tool_name: 'send_email', status: 'allowed', resumed: true, remembered: true });
    expect(steps.approve_same_again!.ok).toMatchObject({ status: 'allowed', resumed: false, remembered: true });
    expect(steps.approve_contradicted!.refused).toMatchObject({ class: 'NotFoundError', status: 404, code: 'gate_resolved_otherwise' });
    expect(steps.approve_unknown!.refused).toMatchObject({ class: 'NotFoundError', code: 'gate_not_found' });
    expect(steps.remember_done).toMatchObject({ status: 'completed' });
    expect(steps.remember_done!.gates).toEqual([
      ['AskUserQuestion', 'answered', false],
      ['lookup', 'allowed', false],
      ['send_email', 'allowed', true],
    ]);
    expect(steps.answer_after_end!.refused).toMatchObject({ class: 'ConflictError', status: 409, code: 'run_not_active' });
    expect(steps.remembered_policy!.policies).toEqual([['send_email', 'cust_remember', 'run_approval', 'int']]);
    const calls = await toolCalls(steps.remember_done!.id);
    expect(calls.map((c) => c.allowed_by ?? null)).toEqual([null, null, null, 'remembered']);
    expect(calls[0]!.result).toEqual({ answers: { 'Which region?': 'US' } });
  });

  it('pre-approving tools for cust_123 makes their gates vanish; deleting is scoped', async () => {
    const [lookup, email, again] = steps.preapproved!.ids as number[];
    expect(again).toBe(lookup);
    expect(steps.preapproved).toMatchObject({ tools: ['lookup', 'send_email'], source: 'api' });
    expect(steps.preapproved_run).toMatchObject({ status: 'completed', user_id: 'cust_123', gates: ['AskUserQuestion'] });
    expect((await toolCalls(steps.preapproved_run!.id)).slice(1).map((c) => c.allowed_by)).toEqual([`policy:${lookup}`, `policy:${email}`, `policy:${email}`]);
    expect(steps.preapproval_deleted).toMatchObject({ left: [], again: { refused: { class: 'NotFoundError', status: 404, code: 'permission_not_found' } } });
  });

  it('plan: revises twice (by the plan text, then by its header) and carries out the approved plan', async () => {
    expect(steps.plan).toMatchObject({ status: 'completed', permission_mode: 'plan' });
    expect(steps.plan!.plans).toHaveLength(3);
    expect(steps.plan!.plans[1]).toMatch(/revision 2, after your feedback: "Do not email b@"/);
    expect(steps.plan!.plans[2]).toMatch(/revision 3, after your feedback: "Shorter, please"/);
    const output = (await recorded(steps.plan!.id)).output.result as AgentOutput;
    expect(output.plans!.map((p) => [p.revision, p.outcome, p.feedback ?? null, p.decided_by])).toEqual([
      [1, 'revised', 'Do not email b@', 'dave'],
      [2, 'revised', 'Shorter, please', 'dave'],
      [3, 'approved', null, 'dave'],
    ]);
  });

  it('streams: a created stream ends quietly at the gate; a rejoined one replays to done; stream_text runs the default agent', async () => {
    expect(steps.stream_to_gate!.run_id).toEqual(expect.any(Number));
    expect(steps.stream_to_gate!.frames).toEqual(['metadata', 'tool-call-start', 'tool-call-delta', 'tool-call-end', 'permission_request', 'awaiting_approval']);
    expect(steps.mode_switch).toMatchObject({ mode: 'autonomous' });
    expect(steps.stream_rejoined!.frames.at(-1)).toBe('done');
    expect(steps.stream_rejoined!.frames).toEqual(expect.arrayContaining(['permission_resolved', 'tool-result-end', 'text-delta']));
    expect(steps.stream_rejoined).toMatchObject({ text: expect.stringMatching(/^Done: /), errors: [] });
    expect(steps.stream_text_default_agent!.text).toMatch(/scripted assistant/);
    const calls = await toolCalls(steps.stream_to_gate!.run_id);
    expect(calls[1]).toMatchObject({ name: 'lookup', status: 'ran', decided_by: 'dave' });
  });

  it('idempotency: the same key answers the same run, and a streaming retry joins its stream', () => {
    expect(steps.idempotent!.second).toBe(steps.idempotent!.first);
    expect(steps.idempotent!.joined).toBe(steps.idempotent!.first);
    expect(steps.idempotent!.joined_frames.at(-1)).toBe('awaiting_approval');
  });

  it('needs_you, list with paging, cancel, an unknown run, and reply as a new run in the session', async () => {
    expect(steps.needs_you).toMatchObject({ count: 1, items: [[steps.idempotent!.first, 'Support mate needs you', 'Support mate']] });
    expect(steps.list).toMatchObject({ first: [steps.approval_wait!.id], has_more: false });
    // auto_paging_iter follows next_starting_after across three pages of two.
    expect(steps.list!.paged).toHaveLength(6);
    expect(new Set(steps.list!.paged.map((r: unknown[]) => r[0])).size).toBe(6);
    expect(steps.list!.paged.every((r: unknown[]) => r[1] === 'completed' && r[2] === numericId('m8-assistant'))).toBe(true);
    expect(steps.cancel).toMatchObject({ id: steps.idempotent!.first, status: 'cancelled' });
    expect(steps.get_unknown!.refused).toMatchObject({ class: 'NotFoundError', status: 404, code: 'run_not_found' });
    expect(steps.reply).toMatchObject({ status: 'completed', permission_mode: 'autonomous', teammate_id: numericId('m8-assistant') });
    expect(steps.reply!.id).not.toBe(steps.plan!.id);
    const reply = await recorded(steps.reply!.id);
    expect(reply.input.task).toBe('And a follow-up');
  });

  it('webhooks: a run.awaiting_input delivery verifies with Webhooks.verify_signature; deliveries, rotate, delete', () => {
    expect(steps.webhook_created).toMatchObject({ id_type: 'int', events: ['run.awaiting_input', 'run.completed'], has_secret: true, active: true, user_id: null });
    expect(steps.webhook_delivery).toMatchObject({ event: 'run.awaiting_input', status: 'awaiting_approval', verified: true, tampered: false, wrong_secret: false });
    expect(steps.webhook_delivery!.run_id).toEqual(expect.any(Number));
    expect(steps.webhook_deliveries!.items).toEqual([
      ['run.completed', steps.webhook_delivery!.run_id, 'delivered', 200, 'int'],
      ['run.awaiting_input', steps.webhook_delivery!.run_id, 'delivered', 200, 'int'],
    ]);
    expect(steps.webhook_admin).toMatchObject({ got: expect.stringMatching(/\/m8tes-hook$/), listed: [steps.webhook_created!.id], rotated: true });
    expect(steps.webhook_deleted!.get.refused).toMatchObject({ class: 'NotFoundError', code: 'webhook_not_found' });
  });

  it('the SDK warned about nothing it did not understand', () => {
    expect(steps.warnings!.records).toEqual([]);
  });
});
