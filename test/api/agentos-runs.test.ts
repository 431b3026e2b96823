import request from 'supertest';
import { eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';
import { agnoDeploy, confirmTool, gate, resolveActive, stepPauses, toolPauses } from '../clients/agno/agentos-harness';

const release = JSON.stringify({ app: 'payments', version: '2.1', environment: 'production' });

// AgentOS' run routes, as Agno's client calls them: form bodies, WorkflowRunOutput answers, FastAPI errors.
describe('AgentOS runs: start, continue, cancel, read', () => {
  let stack: TestStack;
  const gated = gate();
  beforeAll(async () => {
    stack = await startStack({ handlers: gated.handlers, definitions: [agnoDeploy, ...stepPauses, ...toolPauses] });
  });
  afterAll(async () => {
    gated.release(); // a test that failed half-way must not leave a task waiting
    await stack.stop();
  });

  const bearer = (who: Who) => ({ Authorization: `Bearer ${keyOf(who)}` });
  const run = (workflow: string, fields: Record<string, string>, who: Who = 'ops') =>
    request(stack.app).post(`/workflows/${workflow}/runs`).set(bearer(who)).type('form').send({ stream: 'false', ...fields });
  const cont = (workflow: string, runId: string, fields: Record<string, string>, who: Who = 'alice') =>
    request(stack.app).post(`/workflows/${workflow}/runs/${runId}/continue`).set(bearer(who)).type('form').send({ stream: 'false', ...fields });

  it('runs deploy-agent until its tool asks for confirmation, and answers as a paused WorkflowRunOutput', async () => {
    const res = await run('deploy-agent', { message: release, session_id: 'sess-deploy-1', user_id: 'u-1' }).expect(200);
    expect(res.body).toMatchObject({
      input: release,
      content_type: 'str',
      workflow_id: 'deploy-agent',
      workflow_name: 'Deploy with an agent',
      session_id: 'sess-deploy-1',
      user_id: 'u-1',
      status: 'PAUSED',
      paused_step_index: 1,
      paused_step_name: 'detailed_analysis',
      pause_kind: 'executor',
      metadata: {},
      metrics: { steps: {}, duration: null },
    });
    expect(res.body.content).toBeUndefined();
    expect(typeof res.body.created_at).toBe('number');
    expect(res.body.step_results.map((s: { step_name: string }) => s.step_name)).toEqual(['gather_data']);
    expect(res.body.step_executor_runs[0]).toMatchObject({ agent_id: 'detailed_analysis', status: 'PAUSED', parent_run_id: res.body.run_id });
    const [req] = res.body.step_requirements;
    expect(req).toMatchObject({
      step_id: `${res.body.run_id}.detailed_analysis.1`,
      step_name: 'detailed_analysis',
      step_index: 1,
      step_type: 'Step',
      requires_confirmation: false,
      confirmed: null,
      requires_executor_input: true,
      executor_id: 'detailed_analysis',
      executor_type: 'agent',
      executor_session_id: 'sess-deploy-1',
      executor_requirements: [
        {
          id: `${res.body.run_id}.detailed_analysis.1`,
          tool_execution: { tool_name: 'deploy_to_production', tool_args: { app: 'payments', version: '2.1', environment: 'production' }, requires_confirmation: true, confirmed: null },
        },
      ],
    });
    expect(Object.keys(req.executor_requirements[0].tool_execution)).toHaveLength(21);
  });

  it('takes the decider from the key: a release manager confirms, someone outside the group is refused', async () => {
    const paused = (await run('deploy-agent', { message: release }).expect(200)).body;
    const body = { step_requirements: resolveActive(paused.step_requirements, (a) => confirmTool(a, true)), session_id: paused.session_id };
    const refused = await cont('deploy-agent', paused.run_id, body, 'carol').expect(403);
    expect(refused.body.detail).toMatch(/carol may not decide step "detailed_analysis": it is assigned to group:release-managers/);

    const done = await cont('deploy-agent', paused.run_id, body, 'alice').expect(200);
    expect(done.body).toMatchObject({ status: 'COMPLETED', run_id: paused.run_id, session_id: paused.session_id });
    expect(done.body.content.summary).toMatch(/Successfully deployed payments v2.1 to production.*approved by alice/);
    expect(done.body.step_results.map((s: { step_name: string }) => s.step_name)).toEqual(['gather_data', 'detailed_analysis', 'report']);
    expect(done.body.metrics.steps.detailed_analysis).toMatchObject({ step_name: 'detailed_analysis', executor_type: 'agent' });
    const tools = done.body.step_executor_runs[0].tools.map((t: { tool_name: string; confirmed: boolean | null }) => [t.tool_name, t.confirmed]);
    expect(tools).toEqual([['get_release_notes', null], ['deploy_to_production', true]]);
    // The requirement comes back as history, resolved.
    expect(done.body.step_requirements[0].executor_requirements[0]).toMatchObject({ confirmation: true, tool_execution: { confirmed: true } });

    const again = await cont('deploy-agent', paused.run_id, body).expect(409);
    expect(again.body).toEqual({ detail: 'run is already completed' });
  });

  it("rejects a tool call with the client's note (the model hears it), and an unresolved requirement counts as a rejection", async () => {
    const first = (await run('deploy-agent', { message: release }).expect(200)).body;
    const noNote = await cont('deploy-agent', first.run_id, { step_requirements: resolveActive(first.step_requirements, (a) => confirmTool(a, false)) }).expect(422);
    expect(noNote.body.detail).toMatch(/must say why/);
    const rejected = await cont('deploy-agent', first.run_id, { step_requirements: resolveActive(first.step_requirements, (a) => confirmTool(a, false, 'Not during business hours')) }).expect(200);
    expect(rejected.body.status).toBe('COMPLETED');
    const agent = rejected.body.step_results.find((s: { step_name: string }) => s.step_name === 'detailed_analysis');
    expect(agent.content).toMatch(/rejected by alice: Not during business hours/);
    expect(rejected.body.step_requirements[0].executor_requirements[0]).toMatchObject({ confirmation: false, confirmation_note: 'Not during business hours' });

    const second = (await run('deploy-agent', { message: release }).expect(200)).body;
    const unresolved = await cont('deploy-agent', second.run_id, { step_requirements: JSON.stringify(second.step_requirements) }).expect(200);
    expect(unresolved.body.step_results.find((s: { step_name: string }) => s.step_name === 'detailed_analysis').content).toMatch(/Tool call was rejected/);
    const third = (await run('deploy-agent', { message: release }).expect(200)).body;
    await cont('deploy-agent', third.run_id, { step_requirements: '[]' }).expect(200);
  });

  it('shows step pauses as step requirements: confirmation, route selection, user input, question, output review', async () => {
    const confirm = (await run('aos-confirm', { message: 'v7' }).expect(200)).body;
    expect(confirm).toMatchObject({ status: 'PAUSED', pause_kind: 'step', paused_step_name: 'release', paused_step_index: 1 });
    expect(confirm.step_requirements[0]).toMatchObject({ requires_confirmation: true, confirmation_message: 'Release v7?', on_reject: 'skip', requires_route_selection: false });
    const rejected = await cont('aos-confirm', confirm.run_id, { step_requirements: resolveActive(confirm.step_requirements, (a) => Object.assign(a, { confirmed: false, rejection_feedback: 'not today' })) }).expect(200);
    expect(rejected.body).toMatchObject({ status: 'COMPLETED', content: { decision: 'reject' } });
    expect(rejected.body.step_requirements[0]).toMatchObject({ confirmed: false, rejection_feedback: 'not today' });

    const lead = (await run('lead-router', { message: JSON.stringify({ leadId: 'lead-aos', employees: 5000 }) }).expect(200)).body;
    expect(lead.step_requirements[0]).toMatchObject({ requires_route_selection: true, available_choices: ['approve', 'reject', 'escalate'], requires_confirmation: false });
    const escalated = await cont('lead-router', lead.run_id, { step_requirements: resolveActive(lead.step_requirements, (a) => Object.assign(a, { selected_choices: ['escalate'] })) }).expect(200);
    expect(escalated.body).toMatchObject({ status: 'COMPLETED', content: { decision: 'escalate' } });

    const input = (await run('aos-input', { message: 'invoice' }).expect(200)).body;
    expect(input.step_requirements[0]).toMatchObject({
      requires_user_input: true,
      user_input_message: 'Who gets the invoice?',
      user_input_schema: [
        { name: 'email', field_type: 'str', description: 'Billing e-mail', value: null, required: true },
        { name: 'priority', field_type: 'int', value: null, required: true },
        { name: 'tier', field_type: 'str', required: false, allowed_values: ['gold', 'silver'] },
      ],
    });
    const answered = await cont('aos-input', input.run_id, { step_requirements: resolveActive(input.step_requirements, (a) => Object.assign(a, { user_input: { email: 'ap@acme.test', priority: 2 } })) }).expect(200);
    expect(answered.body).toMatchObject({ status: 'COMPLETED', content: { to: 'ap@acme.test' } });
    expect(answered.body.step_requirements[0].user_input).toEqual({ email: 'ap@acme.test', priority: 2 });

    const question = (await run('aos-question', { message: 'plan' }).expect(200)).body;
    expect(question.step_requirements[0].user_input_schema).toEqual([{ name: 'Which plan?', field_type: 'str', description: 'Plan', value: null, required: true, allowed_values: ['basic', 'pro'] }]);
    const picked = await cont('aos-question', question.run_id, { step_requirements: resolveActive(question.step_requirements, (a) => Object.assign(a, { user_input: { 'Which plan?': 'pro' } })) }).expect(200);
    expect(picked.body.content).toEqual({ 'Which plan?': 'pro' });

    const review = (await run('aos-review', { message: 'hello' }).expect(200)).body;
    expect(review.step_requirements[0]).toMatchObject({ requires_output_review: true, output_review_message: 'Is the draft right?', step_output: { step_name: 'draft', content: { text: 'hello' } } });
    const edited = await cont('aos-review', review.run_id, { step_requirements: resolveActive(review.step_requirements, (a) => Object.assign(a, { confirmed: true, edited_output: { text: 'hello, world' } })) }).expect(200);
    expect(edited.body.content).toEqual({ text: 'hello, world' });
  });

  it('refuses an unresolved step requirement (400) and a value the pause does not take (422)', async () => {
    const input = (await run('aos-input', { message: 'invoice' }).expect(200)).body;
    const unresolved = await cont('aos-input', input.run_id, { step_requirements: JSON.stringify(input.step_requirements) }).expect(400);
    expect(unresolved.body.detail).toBe("Cannot continue run - unresolved step requirements: ['details']");
    const wrong = await cont('aos-input', input.run_id, { step_requirements: resolveActive(input.step_requirements, (a) => Object.assign(a, { user_input: { email: 'x@y.test', priority: 'high' } })) }).expect(422);
    expect(wrong.body.detail).toMatch(/does not match its schema/);
  });

  it('answers tool user input and external execution results through executor requirements', async () => {
    const notify = (await run('aos-notify', { message: 'tell ops' }).expect(200)).body;
    const er = notify.step_requirements[0].executor_requirements[0];
    expect(er.user_input_schema).toEqual([
      { name: 'channel', field_type: 'str', description: null, value: 'ops', required: true },
      { name: 'recipient', field_type: 'str', description: null, value: null, required: true },
      { name: 'priority', field_type: 'int', description: null, value: null, required: true },
    ]);
    expect(er.tool_execution).toMatchObject({ requires_user_input: true, requires_confirmation: null });
    const filled = resolveActive(notify.step_requirements, (a) => {
      const entry = (a.executor_requirements as Record<string, unknown>[])[0]!;
      for (const f of entry.user_input_schema as { name: string; value: unknown }[]) if (f.name === 'recipient') f.value = 'oncall@acme.test';
      for (const f of entry.user_input_schema as { name: string; value: unknown }[]) if (f.name === 'priority') f.value = 2;
    });
    const sent = await cont('aos-notify', notify.run_id, { step_requirements: filled }).expect(200);
    expect(sent.body.content.text).toBe('Notified: {"channel":"ops","recipient":"oncall@acme.test","priority":2}');

    const shell = (await run('aos-shell', { message: 'rollout?' }).expect(200)).body;
    expect(shell.step_requirements[0].executor_requirements[0].tool_execution).toMatchObject({ external_execution_required: true, tool_args: { command: 'kubectl rollout status' } });
    const result = resolveActive(shell.step_requirements, (a) => {
      const entry = (a.executor_requirements as Record<string, unknown>[])[0]!;
      entry.external_execution_result = 'deployment "web" successfully rolled out';
    });
    const done = await cont('aos-shell', shell.run_id, { step_requirements: result }).expect(200);
    expect(done.body.content.text).toBe('Shell said: deployment "web" successfully rolled out');
  });

  it('cancels a paused run (200 {}) and a continue afterwards is a 409', async () => {
    const paused = (await run('aos-confirm', { message: 'v8' }).expect(200)).body;
    // Agno's client sends no body and no session_id.
    const cancelled = await request(stack.app).post(`/workflows/aos-confirm/runs/${paused.run_id}/cancel`).set(bearer('ops')).expect(200);
    expect(cancelled.body).toEqual({});
    const read = await request(stack.app).get(`/workflows/aos-confirm/runs/${paused.run_id}`).query({ session_id: paused.session_id }).set(bearer('viewer')).expect(200);
    expect(read.body.status).toBe('CANCELLED');
    expect(read.body.events.map((e: { event: string }) => e.event)).toEqual(['WorkflowStarted', 'StepStarted', 'StepOutput', 'StepCompleted', 'StepPaused', 'WorkflowPaused', 'WorkflowCancelled']);
    const late = await cont('aos-confirm', paused.run_id, { step_requirements: resolveActive(paused.step_requirements, (a) => Object.assign(a, { confirmed: true })) }).expect(409);
    expect(late.body).toEqual({ detail: 'run is already cancelled' });
    // Unknown runs too: AgentOS records the intent and answers {}.
    await request(stack.app).post('/workflows/aos-confirm/runs/wfr_nope/cancel').set(bearer('ops')).expect(200, {});
    await request(stack.app).post(`/workflows/aos-confirm/runs/${paused.run_id}/cancel`).set(bearer('viewer')).expect(200, {});
  });

  it('reads runs of a session: one run (session_id required) and the list, filtered by status', async () => {
    const a = (await run('aos-confirm', { message: 'r1', session_id: 'sess-read' }).expect(200)).body;
    await cont('aos-confirm', a.run_id, { step_requirements: resolveActive(a.step_requirements, (r) => Object.assign(r, { confirmed: true })) }).expect(200);
    const b = (await run('aos-confirm', { message: 'r2', session_id: 'sess-read' }).expect(200)).body;
    const missing = await request(stack.app).get(`/workflows/aos-confirm/runs/${a.run_id}`).set(bearer('viewer')).expect(422);
    expect(missing.body.detail[0]).toMatchObject({ type: 'missing', loc: ['query', 'session_id'], msg: 'Field required' });
    await request(stack.app).get(`/workflows/aos-confirm/runs/${a.run_id}`).query({ session_id: 'another' }).set(bearer('viewer')).expect(404, { detail: 'Run not found' });
    await request(stack.app).get(`/workflows/lead-router/runs/${a.run_id}`).query({ session_id: 'sess-read' }).set(bearer('viewer')).expect(404, { detail: 'Run not found' });

    const list = await request(stack.app).get('/workflows/aos-confirm/runs').query({ session_id: 'sess-read' }).set(bearer('viewer')).expect(200);
    expect(list.body.map((r: { run_id: string; status: string }) => [r.run_id, r.status])).toEqual([
      [a.run_id, 'COMPLETED'],
      [b.run_id, 'PAUSED'],
    ]);
    const paused = await request(stack.app).get('/workflows/aos-confirm/runs').query({ session_id: 'sess-read', status: 'PAUSED' }).set(bearer('viewer')).expect(200);
    expect(paused.body.map((r: { run_id: string }) => r.run_id)).toEqual([b.run_id]);
    expect(paused.body[0]).toMatchObject({ run_input: 'r2', workflow_id: 'aos-confirm', pause_kind: 'step', paused_step_name: 'release', user_id: '' });
    await request(stack.app).get('/workflows/aos-confirm/runs').query({ session_id: 'no-such-session' }).set(bearer('viewer')).expect(404, { detail: 'Session not found' });
  });

  it("answers AgentOS' errors: 422 for a missing message or a JSON body, 400 for a message the schema refuses, 404s", async () => {
    const missing = await run('aos-confirm', {}).expect(422);
    expect(missing.body).toEqual({ detail: [{ type: 'missing', loc: ['body', 'message'], msg: 'Field required', input: null }] });
    const json = await request(stack.app).post('/workflows/aos-confirm/runs').set(bearer('ops')).send({ message: 'hi', stream: false }).expect(422);
    expect(json.body.detail[0].loc).toEqual(['body', 'message']);
    const notJson = await run('deploy-agent', { message: 'Deploy payments' }).expect(400);
    expect(notJson.body.detail).toMatch(/must be a JSON object/);
    const badState = await run('deploy-agent', { message: JSON.stringify({ app: 'x' }) }).expect(400);
    expect(badState.body.detail).toMatch(/input schema/);
    await run('nope', { message: 'hi' }).expect(404, { detail: 'Workflow not found' });
    const viewer = await run('aos-confirm', { message: 'hi' }, 'viewer').expect(403);
    expect(viewer.body.detail).toMatch(/may not start runs/);
    const paused = (await run('aos-confirm', { message: 'bad json' }).expect(200)).body;
    await cont('aos-confirm', paused.run_id, { step_requirements: 'not-json' }).expect(400, { detail: 'Invalid JSON in step_requirements field' });
    await cont('aos-confirm', paused.run_id, { step_requirements: '[{}]' }).expect(400, { detail: "Invalid structure or content for step_requirements: 'step_id'" });
    await cont('aos-confirm', 'wfr_unknown', { step_requirements: '[]' }).expect(404, { detail: 'Run not found' });
  });

  it('reads multipart forms too, as FastAPI does', async () => {
    const res = await request(stack.app).post('/workflows/aos-confirm/runs').set(bearer('ops')).field('message', 'multipart').field('stream', 'false').expect(200);
    expect(res.body).toMatchObject({ input: 'multipart', status: 'PAUSED' });
  });

  it('starts in the background (202, PENDING) and the run can be polled', async () => {
    const res = await run('aos-confirm', { message: 'bg', background: 'true', session_id: 'sess-bg' }).expect(202);
    expect(res.body).toEqual({ run_id: expect.stringMatching(/^wfr_/), session_id: 'sess-bg', status: 'PENDING' });
    await eventually(async () => {
      const polled = await request(stack.app).get(`/workflows/aos-confirm/runs/${res.body.run_id}`).query({ session_id: 'sess-bg' }).set(bearer('viewer')).expect(200);
      expect(polled.body).toMatchObject({ status: 'PAUSED', paused_step_name: 'release' });
    });
  });

  it('authenticates as AgentOS does: Bearer, the bare key or X-API-Key; 401 without or with a wrong one', async () => {
    await request(stack.app).get('/workflows').expect(401, { detail: 'Authorization header required' });
    await request(stack.app).get('/workflows').set('Authorization', 'Bearer wrong').expect(401, { detail: 'Invalid authentication token' });
    await request(stack.app).get('/workflows').set('Authorization', `Basic ${keyOf('viewer')}`).expect(401, { detail: 'Invalid authentication token' });
    await request(stack.app).get('/workflows').set('Authorization', keyOf('viewer')).expect(200);
    await request(stack.app).get('/workflows').set('X-API-Key', keyOf('viewer')).expect(200);
    // Paths that are not AgentOS' are left to the rest of the gateway.
    await request(stack.app).get('/nowhere').expect(404);
    await request(stack.app).get('/workflows/lead-router/nothing/here').set(bearer('viewer')).expect(404, { detail: 'Not Found' });
  });
});
