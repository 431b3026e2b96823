import request from 'supertest';
import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, keyOf, start, startStack, type TestStack } from '../harness/stack';

type Pending = { request_id: string; tool: string; arguments: Record<string, unknown>; run_id: string; agent_id: string; hitl_metadata: Record<string, unknown> };

// Seed 001: GL AIP's HITL decision and pending endpoints, with X-API-Key, in its own shapes.
describe('GL AIP face', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('send-offer', [
          {
            name: 'requires_approval_tool',
            type: 'confirmation',
            message: 'Send the offer email to {{ state.email }}?',
            context: '{ "action": "Send offer to " & state.email }',
            timeout: '180s',
            on_timeout: 'timeout_skip',
            allow_skip: true,
            on_reject: 'continue',
          },
          echo('after', 'steps.requires_approval_tool.status & "/" & steps.requires_approval_tool.decision.value'),
        ]),
        definition('review-offer', [
          echo('draft', '{ "subject": "Your offer", "body": state.body }'),
          { name: 'review', type: 'output_review', message: 'Check the offer', review: 'draft', approvals_required: 2, assignees: ['group:sales-ops'] },
        ]),
        definition('quick-timeout', [
          { name: 'tool', type: 'confirmation', message: 'Run it?', timeout: '1s', on_timeout: 'timeout_skip' },
          echo('after', 'steps.tool.decision.value'),
        ]),
      ],
    });
  });
  afterAll(() => stack.stop());

  const aip = () => request(stack.app);
  const begin = async () => {
    const res = await start(stack, 'send-offer', { input: { task: 'Send an offer', state: { email: 'jane.doe@example.com' } } }).expect(200);
    return { runId: res.body.run_id as string, requestId: res.body.output.pendingAction.request_id as string };
  };
  const decide = (body: object, key = keyOf('alice')) => aip().post('/agents/hitl/decision').set('X-API-Key', key).send(body);

  it('shows an output review\'s reviewers what they approve: the output, and after another reviewer\'s edit the edit', async () => {
    const started = await start(stack, 'review-offer', { input: { task: 'Offer', state: { body: 'teh price' } } }).expect(200);
    const runId = started.body.run_id as string;
    const pendingFor = async () => {
      const res = await aip().get('/agents/hitl/pending').set('X-API-Key', keyOf('bob')).expect(200);
      return (res.body as Pending[]).find((p) => p.run_id === runId)!;
    };
    expect((await pendingFor()).arguments.output_to_review).toEqual({ subject: 'Your offer', body: 'teh price' });
    const edit = { subject: 'Your offer', body: 'the price' };
    const edited = await stack.http('alice').post(`/v1/workflow-runs/${runId}/resume`).send({ input: { resume: { step: 'review', input: { edit } } } }).expect(200);
    expect(edited.body.output.status).toBe('paused');
    const pending = await pendingFor();
    expect(pending.arguments.output_to_review).toEqual(edit);
    // bob's approval through AIP (which sends no digest) is of what it showed him: the edit ships.
    await decide({ request_id: pending.request_id, decision: 'approved' }, keyOf('bob')).expect(200);
    expect(await closed(stack.client, runId)).toBe('COMPLETED');
    const run = await stack.http('viewer').get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(run.body.output.steps.find((st: { name: string }) => st.name === 'draft')).toMatchObject({ output: edit, edited_by: 'alice' });
  });

  it('lists pending requests as a bare array in AIP\'s shape', async () => {
    const { runId, requestId } = await begin();
    const res = await aip().get('/agents/hitl/pending').set('X-API-Key', keyOf('viewer')).expect(200);
    expect(Array.isArray(res.body)).toBe(true);
    const item = (res.body as Pending[]).find((p) => p.request_id === requestId);
    expect(item).toMatchObject({
      request_id: requestId,
      tool: 'requires_approval_tool',
      arguments: { action: 'Send offer to jane.doe@example.com' },
      created_at: expect.any(String),
      agent_id: 'send-offer',
      run_id: runId,
      hitl_metadata: { required: true, decision: 'pending', timeout_at: expect.any(String), timeout_seconds: 180 },
      additional_context: { tool_name: 'requires_approval_tool', arguments: { action: 'Send offer to jane.doe@example.com' }, agent_id: 'send-offer' },
    });
  });

  it('takes approved, rejected and skipped (case-insensitive), with operator_input as the comment', async () => {
    const approved = await begin();
    const ok = await decide({ request_id: approved.requestId, decision: ' Approved ', operator_input: 'Looks good', run_id: 'client-tracker-1' }).expect(200);
    expect(ok.body).toEqual({ status: 'ok', message: `Request ${approved.requestId} approved` });
    // AIP's answer carries no run state, so it does not wait for the run to move on.
    await closed(stack.client, approved.runId);
    const after = await stack.http('viewer').get(`/v1/workflow-runs/${approved.runId}`).expect(200);
    expect(after.body.output.steps[0].decision).toMatchObject({ value: 'approve', by: 'alice', comment: 'Looks good' });
    expect(after.body.output.result).toBe('completed/approve');

    const rejected = await begin();
    await decide({ request_id: rejected.requestId, decision: 'rejected' }).expect(200);
    await closed(stack.client, rejected.runId);
    expect((await stack.http('viewer').get(`/v1/workflow-runs/${rejected.runId}`)).body.output.result).toBe('completed/reject');

    const skipped = await begin();
    await decide({ request_id: skipped.requestId, decision: 'skipped' }).expect(200);
    await closed(stack.client, skipped.runId);
    expect((await stack.http('viewer').get(`/v1/workflow-runs/${skipped.runId}`)).body.output.result).toBe('skipped/skipped');
  });

  it('answers errors as {"error": ...} with AIP\'s status codes', async () => {
    const { requestId } = await begin();
    const bad = await decide({ request_id: requestId, decision: 'maybe' }).expect(400);
    const message = 'decision must be one of approved, rejected, skipped (got "maybe")';
    // `message` repeats it for GL AIP's Python client, which reads that key.
    expect(bad.body).toEqual({ error: message, message });
    const unknown = await decide({ request_id: 'wfr_NOPE.tool.1', decision: 'approved' }).expect(404);
    expect(unknown.body).toEqual({ error: expect.stringContaining('no run'), message: unknown.body.error });
    const missing = await decide({ decision: 'approved' }).expect(422);
    expect(missing.body.detail[0]).toMatchObject({ loc: ['body', 'request_id'] });
    await decide({ request_id: requestId, decision: 'approved' }, keyOf('viewer')).expect(403);
    await aip().post('/agents/hitl/decision').send({ request_id: requestId, decision: 'approved' }).expect(401);
    await decide({ request_id: requestId, decision: 'approved' }).expect(200);
    const twice = await decide({ request_id: requestId, decision: 'rejected' }).expect(409);
    expect(twice.body.error).toMatch(/already decided by alice/);
  });

  it('is described in /openapi.json under the tag "aip", with the key GL AIP\'s client sends', async () => {
    const doc = (await aip().get('/openapi.json').expect(200)).body as {
      tags: { name: string }[];
      paths: Record<string, Record<string, { tags: string[]; security: unknown[] }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.tags.map((t) => t.name)).toContain('aip');
    for (const [path, method] of [
      ['/agents/hitl/decision', 'post'],
      ['/agents/hitl/pending', 'get'],
      ['/agents/', 'get'],
      ['/agents/{agentId}', 'get'],
      ['/agents/{agentId}/run', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method]).toMatchObject({ tags: ['aip'], security: [{ aipKey: [] }] });
    }
    expect(doc.components.securitySchemes.aipKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });

  it('records timeout_skip when nobody decides in time', async () => {
    const res = await start(stack, 'quick-timeout', { input: { task: 't' } }, '?wait=0').expect(200);
    expect(await closed(stack.client, res.body.run_id)).toBe('COMPLETED');
    const run = await stack.http('viewer').get(`/v1/workflow-runs/${res.body.run_id}`).expect(200);
    expect(run.body.output).toMatchObject({ result: 'timeout_skip', steps: [{ status: 'skipped' }, { status: 'completed' }] });
  });
});
