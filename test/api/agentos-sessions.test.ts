import request from 'supertest';
import { eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';
import { confirmTool, resolveActive, stepPauses, toolPauses } from '../clients/agno/agentos-harness';

// Sessions (the runs that carry a session id) and approvals (tool pauses) as AgentOS serves them.
describe('AgentOS sessions and approvals', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ handlers: { echo: (input: unknown) => input ?? null }, definitions: [...stepPauses, ...toolPauses] });
  });
  afterAll(() => stack.stop());

  const auth = (who: Who) => ({ Authorization: `Bearer ${keyOf(who)}` });
  const get = (path: string, who: Who = 'viewer') => request(stack.app).get(path).set(auth(who));
  const run = (workflow: string, fields: Record<string, string>) =>
    request(stack.app).post(`/workflows/${workflow}/runs`).set(auth('ops')).type('form').send({ stream: 'false', ...fields });

  it('groups runs into sessions: list, detail, runs, one run with its events, previews', async () => {
    const session = `sess-${Date.now()}`;
    const first = (await run('aos-confirm', { message: 'first release', session_id: session, user_id: 'end-user-1' }).expect(200)).body;
    await request(stack.app)
      .post(`/workflows/aos-confirm/runs/${first.run_id}/continue`)
      .set(auth('alice'))
      .type('form')
      .send({ stream: 'false', session_id: session, step_requirements: resolveActive(first.step_requirements, (a) => Object.assign(a, { confirmed: true })) })
      .expect(200);
    const second = (await run('aos-confirm', { message: 'second release', session_id: session }).expect(200)).body;
    const lonely = (await run('aos-confirm', { message: 'no session given' }).expect(200)).body;
    expect(lonely.session_id).toMatch(/^[0-9a-f-]{36}$/);

    const listed = await eventually(async () => {
      const res = await get('/sessions?type=workflow&component_id=aos-confirm&limit=20&page=1&sort_by=created_at&sort_order=desc').expect(200);
      const ids = res.body.data.map((s: { session_id: string }) => s.session_id);
      expect(ids).toEqual(expect.arrayContaining([session, lonely.session_id]));
      return res.body;
    });
    expect(listed.meta).toMatchObject({ page: 1, limit: 20, total_count: expect.any(Number), total_pages: expect.any(Number) });
    expect(listed.data.find((s: { session_id: string }) => s.session_id === session)).toMatchObject({
      session_name: 'first release',
      session_type: 'workflow',
      workflow_id: 'aos-confirm',
      session_state: {},
      created_at: expect.any(String),
    });
    const paged = await get('/sessions?type=workflow&component_id=aos-confirm&limit=1&page=1').expect(200);
    expect(paged.body.data).toHaveLength(1);
    expect((await get('/sessions?type=agent').expect(200)).body.data).toEqual([]);

    const detail = await get(`/sessions/${session}`).expect(200);
    expect(detail.body).toMatchObject({
      session_id: session,
      session_name: 'first release',
      workflow_id: 'aos-confirm',
      workflow_name: 'Confirm a release',
      workflow_data: { workflow_id: 'aos-confirm', steps: [{ name: 'prepare', type: 'Step' }, { name: 'release', type: 'Step' }, { name: 'publish', type: 'Step' }] },
    });

    const runs = await get(`/sessions/${session}/runs`).expect(200);
    expect(runs.body.map((r: { run_id: string; status: string }) => [r.run_id, r.status])).toEqual([
      [first.run_id, 'COMPLETED'],
      [second.run_id, 'PAUSED'],
    ]);
    expect(runs.body[0]).toMatchObject({ run_input: 'first release', workflow_id: 'aos-confirm', user_id: 'end-user-1', content: { decision: 'approve' } });
    expect((await get(`/sessions/${session}/runs?status=paused`).expect(200)).body.map((r: { run_id: string }) => r.run_id)).toEqual([second.run_id]);

    const one = await get(`/sessions/${session}/runs/${second.run_id}`).expect(200);
    expect(one.body).toMatchObject({ run_id: second.run_id, workflow_id: 'aos-confirm', status: 'PAUSED', pause_kind: 'step', paused_step_name: 'release' });
    expect(one.body.events.map((e: { event: string }) => e.event)).toEqual(['WorkflowStarted', 'StepStarted', 'StepOutput', 'StepCompleted', 'StepPaused', 'WorkflowPaused']);
    await get(`/sessions/${session}/runs/${lonely.run_id}`).expect(404, { detail: 'Run not found' });
    expect((await get(`/sessions/${lonely.session_id}/runs/${lonely.run_id}`).expect(200)).body.run_id).toBe(lonely.run_id);

    const previews = await get(`/sessions/${session}/run-previews`).expect(200);
    expect(previews.body).toEqual([
      { run_id: first.run_id, workflow_id: 'aos-confirm', user_id: 'end-user-1', status: 'COMPLETED', run_input: 'first release', content_preview: '{"decision":"approve"}', created_at: expect.any(String) },
      { run_id: second.run_id, workflow_id: 'aos-confirm', user_id: '', status: 'PAUSED', run_input: 'second release', content_preview: '', created_at: expect.any(String) },
    ]);
    await get('/sessions/no-such-session').expect(404, { detail: 'Session not found' });
  });

  it('keeps approval records of tool pauses: list, count, read, resolve (admins), 409 once resolved', async () => {
    const paused = (await run('aos-admin', { message: 'remove mallory', session_id: 'sess-approval' }).expect(200)).body;
    const approvalId = paused.step_requirements[0].executor_requirements[0].tool_execution.approval_id as string;
    expect(approvalId).toBe(`${paused.run_id}.assistant.1`);

    const record = await get(`/approvals/${approvalId}`).expect(200);
    expect(record.body).toMatchObject({
      id: approvalId,
      run_id: paused.run_id,
      session_id: 'sess-approval',
      status: 'pending',
      source_type: 'agent',
      approval_type: 'required',
      pause_type: 'confirmation',
      tool_name: 'delete_account',
      tool_args: { user: 'mallory' },
      agent_id: 'assistant',
      workflow_id: 'aos-admin',
      source_name: 'Assistant',
      context: { tool_names: ['delete_account'], source_name: 'Assistant' },
      resolved_by: null,
      run_status: 'PAUSED',
    });
    const listed = await eventually(async () => {
      const res = await get('/approvals?status=pending&workflow_id=aos-admin').expect(200);
      expect(res.body.data.map((a: { id: string }) => a.id)).toContain(approvalId);
      return res.body;
    });
    expect(listed.meta).toMatchObject({ page: 1, limit: 100 });
    expect((await get('/approvals/count').expect(200)).body.count).toBeGreaterThanOrEqual(1);
    expect((await get(`/approvals?run_id=${paused.run_id}`).expect(200)).body.data).toHaveLength(1);
    expect((await get(`/approvals/${approvalId}/status`).expect(200)).body).toEqual({ approval_id: approvalId, status: 'pending', run_id: paused.run_id, resolved_at: null, resolved_by: null });

    const resolve = (body: object, who: Who = 'admin') => request(stack.app).post(`/approvals/${approvalId}/resolve`).set(auth(who)).send(body);
    const invalid = await resolve({ status: 'maybe' }).expect(422);
    expect(invalid.body.detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'status'], input: 'maybe' });
    await resolve({ status: 'approved' }, 'alice').expect(403);
    const resolved = await resolve({ status: 'approved', resolved_by: 'someone-else', resolution_data: { comment: 'ok' } }).expect(200);
    expect(resolved.body).toMatchObject({ id: approvalId, status: 'approved', resolved_by: 'admin', resolution_data: { value: 'approve', comment: 'ok' } });
    expect(resolved.body.resolved_at).toEqual(expect.any(Number));
    await resolve({ status: 'rejected' }).expect(409, { detail: "Approval is already 'approved' and cannot be resolved" });
    // Resolving was the decision: the run went on and ran the tool.
    await eventually(async () => {
      const after = await get(`/workflows/aos-admin/runs/${paused.run_id}?session_id=sess-approval`).expect(200);
      expect(after.body).toMatchObject({ status: 'COMPLETED', content: { text: 'Deletion: {"user":"mallory"}' } });
    });
    await get('/approvals/not-an-approval').expect(404, { detail: 'Approval not found' });
    await request(stack.app).delete(`/approvals/${approvalId}`).set(auth('admin')).expect(405);
  });

  it('a rejected approval is a rejection of the tool call; continuing a resolved run is a 409', async () => {
    const paused = (await run('aos-admin', { message: 'remove trent' }).expect(200)).body;
    const id = paused.step_requirements[0].executor_requirements[0].id as string;
    await request(stack.app).post(`/approvals/${id}/resolve`).set(auth('admin')).send({ status: 'rejected', resolution_data: { reason: 'keep the account' } }).expect(200);
    const read = await eventually(async () => {
      const res = await get(`/workflows/aos-admin/runs/${paused.run_id}?session_id=${paused.session_id}`).expect(200);
      expect(res.body.status).toBe('COMPLETED');
      return res.body;
    });
    expect(read.content.text).toMatch(/rejected by admin: keep the account/);
    expect((await get(`/approvals/${id}`).expect(200)).body).toMatchObject({ status: 'rejected', resolved_by: 'admin' });
    const late = await request(stack.app)
      .post(`/workflows/aos-admin/runs/${paused.run_id}/continue`)
      .set(auth('admin'))
      .type('form')
      .send({ stream: 'false', step_requirements: resolveActive(paused.step_requirements, (a) => confirmTool(a, true)) })
      .expect(409);
    expect(late.body).toEqual({ detail: 'run is already completed' });
  });
});
