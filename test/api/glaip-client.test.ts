import { join } from 'node:path';
import type { TaskHandlers } from '../../src/activities/tasks';
import type { Definition } from '../../src/contracts/definition';
import { agentIdOf } from '../../api/aip/agents';
import { runPythonScript } from '../harness/python-clients';
import { openSse, type SseFrame } from '../harness/sse';
import { closed, eventually, keyOf, startStack, type TestStack } from '../harness/stack';

/** Offers the tool "sent", keyed by the call's idempotency key (a retried call counts once). */
const sent = new Map<string, { to: string; subject: string }>();
const handlers: TaskHandlers = {
  sendOffer: (input: { to: string; subject: string }, ctx) => {
    sent.set(ctx.idempotencyKey, input);
    return { sent_to: input.to };
  },
};

const offerTool = (timeout: string) => ({
  name: 'send_offer',
  handler: 'sendOffer',
  description: 'Email a job offer. Needs a person to confirm.',
  input_schema: { type: 'object', properties: { to: { type: 'string' }, subject: { type: 'string' } }, required: ['to', 'subject'] },
  requires_confirmation: true,
  allow_skip: true,
  message: 'Send the offer to {{ tool.args.to }}?',
  timeout,
  on_timeout: 'timeout_skip',
});

/** Seed 001 as an agent: the offer tool asks a person first; timeout_skip when nobody answers. */
const offerAgent = (name: string, timeout: string): Definition =>
  ({
    name,
    description: 'Sends a job offer once a person confirms.',
    steps: [
      {
        name: 'recruiter',
        type: 'agent',
        instructions: 'Send offers only once confirmed.',
        model: 'scripted',
        tools: [offerTool(timeout)],
        script: [
          { tool_calls: [{ name: 'send_offer', args: { to: '{{ $match(task, /[A-Za-z0-9._-]+@[A-Za-z0-9.-]+/).match }}', subject: 'Your offer' } }] },
          { text: 'Offer outcome: {{tool_result}}' },
        ],
      },
    ],
    result: 'steps.recruiter.output',
  }) as Definition;

/** One scenario's line from drive.py (its fields vary by scenario). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the Python side, checked field by field below
type Outcome = Record<string, any>;
type Chunk = { content: string; is_final?: boolean; task_state: string; metadata: Record<string, unknown> & { kind: string } };
const chunksOf = (frames: SseFrame[]) => frames.filter((f) => f.data && f.data !== '[DONE]').map((f) => JSON.parse(f.data!) as Chunk);

// Seed 001: GL AIP's agents and run stream, read raw and driven by GL AIP's own Python client.
describe('GL AIP run stream', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ handlers, definitions: [offerAgent('offer-agent', '10m'), offerAgent('offer-agent-late', '2s')] });
  });
  afterAll(() => stack.stop());

  const run = (agent: string, input: string, key = keyOf('ops')) =>
    openSse(`${stack.url}/agents/${agent}/run`, { 'x-api-key': key }, { method: 'POST', body: { input, stream: true, verbose: false, chat_history: [] } });

  it('lists workflows as agents with stable UUIDs, in the envelope, and reads one by UUID or name', async () => {
    const list = await stack.http('viewer').get('/agents/?sync_langflow_agents=false').expect(200);
    expect(list.body).toMatchObject({ success: true, total: expect.any(Number), page: 1, has_prev: false });
    const offer = (list.body.data as Array<Record<string, unknown>>).find((a) => a.name === 'offer-agent');
    expect(offer).toMatchObject({
      id: agentIdOf('offer-agent'),
      type: 'config',
      framework: 'holdpoint',
      tools: [{ name: 'send_offer', step: 'recruiter', hitl: 'confirmation' }],
      agent_config: { hitl_enabled: true },
    });
    expect(agentIdOf('offer-agent')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const byName = await stack.http('viewer').get('/agents/offer-agent').expect(200);
    const byId = await stack.http('viewer').get(`/agents/${agentIdOf('offer-agent')}`).expect(200);
    expect(byId.body.data).toEqual(byName.body.data);
    const filtered = await stack.http('viewer').get('/agents/?name=OFFER-AGENT-L').expect(200);
    expect(filtered.body.data.map((a: { name: string }) => a.name)).toEqual(['offer-agent-late']);

    const missing = await stack.http('viewer').get('/agents/00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.body).toMatchObject({ success: false, error: 'not_found', message: expect.stringContaining('GET /agents/ lists') });
    const create = await stack.http('admin').post('/agents/').send({ name: 'x', instruction: 'y' }).expect(405);
    expect(create.body.message).toMatch(/POST\/DELETE \/v1\/workflows/);
    await stack.http().get('/health-check').expect(200);
  });

  it('streams the pause as a metadata.hitl chunk, keeps the stream open, then carries the decision and the answer', async () => {
    const stream = await run(agentIdOf('offer-agent'), 'Send the offer to jane.doe@example.com');
    expect(stream.status).toBe(200);
    const runId = stream.headers.get('x-run-id')!;
    const upToPause = chunksOf(await stream.collect((f) => Boolean(f.data?.includes('"decision":"pending"')), 20_000));
    expect(upToPause[0]).toMatchObject({ content: '', metadata: { kind: 'run_info', run_id: runId } });
    expect(upToPause.map((c) => c.metadata.kind)).toContain('agent_step');
    const pause = upToPause.at(-1)!;
    const requestId = (pause.metadata.hitl as { request_id: string }).request_id;
    expect(pause).toMatchObject({
      task_state: 'input-required',
      content: expect.stringContaining('Send the offer to jane.doe@example.com?'),
      metadata: {
        kind: 'agent_step',
        run_id: runId,
        tool_info: { name: 'send_offer', args: { to: 'jane.doe@example.com', subject: 'Your offer' } },
        hitl: { required: true, decision: 'pending', request_id: requestId, timeout_at: expect.any(String), timeout_seconds: 600 },
      },
    });

    const pending = await stack.http('alice').get('/agents/hitl/pending').expect(200);
    expect((pending.body as Array<Record<string, unknown>>).find((p) => p.request_id === requestId)).toMatchObject({
      tool: 'send_offer',
      arguments: { to: 'jane.doe@example.com', subject: 'Your offer' },
      agent_id: 'offer-agent',
      agent_uuid: agentIdOf('offer-agent'),
      run_id: runId,
    });
    await stack.http('alice').post('/agents/hitl/decision').send({ request_id: requestId, decision: 'approved', operator_input: 'go' }).expect(200);

    const rest = await stream.collect((f) => f.data === '[DONE]', 20_000);
    const chunks = chunksOf(rest);
    expect(chunks.find((c) => (c.metadata.hitl as { decision?: string } | undefined)?.decision === 'approved')).toMatchObject({
      content: `Request ${requestId} approved by alice: go`,
      metadata: { hitl: { request_id: requestId, operator_input: 'go', decided_by: 'alice' }, tool_info: { name: 'send_offer' } },
    });
    const final = chunks.find((c) => c.metadata.kind === 'final_response')!;
    expect(final).toMatchObject({ is_final: true, task_state: 'completed', content: expect.stringContaining('jane.doe@example.com'), metadata: { run_id: runId } });
    expect(rest.at(-1)!.data).toBe('[DONE]');
    await eventually(async () => expect(stream.ended).toBe(true));
    expect(await closed(stack.client, runId)).toBe('COMPLETED');
  });

  it('skips the tool when nobody decides in time (timeout_skip), and the agent goes on without it', async () => {
    const stream = await run('offer-agent-late', 'Send the offer to late@example.com');
    const chunks = chunksOf(await stream.collect((f) => f.data === '[DONE]', 30_000));
    const decided = chunks.find((c) => (c.metadata.hitl as { decision?: string } | undefined)?.decision === 'timeout_skip');
    expect(decided).toMatchObject({ content: expect.stringContaining('timeout_skip by system'), metadata: { tool_info: { name: 'send_offer' } } });
    expect(chunks.find((c) => c.metadata.kind === 'final_response')!.content).toMatch(/was skipped \(no decision within 2s\); it did not run/);
  });

  it('refuses bad runs before streaming: FastAPI-style 422, unknown agent 404, viewer 403, uploads named', async () => {
    const missing = await stack.http('ops').post(`/agents/${agentIdOf('offer-agent')}/run`).send({ stream: true }).expect(422);
    expect(missing.body.detail[0]).toMatchObject({ loc: ['body', 'input'], msg: 'is required' });
    await stack.http('ops').post('/agents/nope/run').send({ input: 'x' }).expect(404);
    const viewer = await stack.http('viewer').post('/agents/offer-agent/run').send({ input: 'x' }).expect(403);
    expect(viewer.body).toMatchObject({ success: false, error: 'forbidden' });
    const upload = await stack.http('ops').post('/agents/offer-agent/run').field('input', 'x').attach('files', Buffer.from('hello'), 'a.txt').expect(400);
    expect(upload.body.message).toMatch(/file uploads are not supported/);
    const badState = await stack.http('ops').post('/agents/deploy-agent/run').send({ input: '{"app": "shop"}' }).expect(400);
    expect(badState.body.message).toMatch(/state/);
  });

  it("GL AIP's own Python client lists, runs, and decides through its HITL handler, its inbox and a timer", async () => {
    const python = process.env.HOLDPOINT_TEST_PY_GLAIP;
    if (!python) throw new Error('the GL AIP client venv is missing: run the suite through jest (test/harness/global-setup.ts builds it)');
    const sentBefore = sent.size;
    const { results } = await runPythonScript(
      python,
      join(__dirname, '..', 'clients', 'glaip', 'drive.py'),
      { url: stack.url, key: keyOf('dave'), 'viewer-key': keyOf('viewer'), agent: 'offer-agent', 'timeout-agent': 'offer-agent-late' },
      240_000,
    );
    const by = Object.fromEntries(results.map((r) => [r.scenario as string, r])) as Record<string, Outcome>;

    expect(by.ping!.healthy).toBe(true);
    expect(by.list!.agents).toContainEqual({ id: agentIdOf('offer-agent'), name: 'offer-agent', type: 'config', framework: 'holdpoint' });
    expect(by.get).toMatchObject({ id: agentIdOf('offer-agent'), name: 'offer-agent', instruction: 'Sends a job offer once a person confirms.', uuid_ok: true });
    expect(by.find!.names).toEqual(expect.arrayContaining(['offer-agent', 'offer-agent-late']));
    expect(by.get_unknown!.raised).toMatchObject({ type: 'NotFoundError', status: 404 });

    // The callback saw the tool call and holdpoint's deadline; the client's decision reached the run on its stream.
    expect(by.run_approved!.requests).toEqual([
      { request_id: expect.stringMatching(/\.recruiter\.1$/), tool: 'send_offer', args: { to: 'jane.doe@example.com', subject: 'Your offer' }, timeout_at: expect.any(String), timeout_seconds: 600 },
    ]);
    expect(by.run_approved!.text).toBe('Offer outcome: {"sent_to":"jane.doe@example.com"}');
    const approvedRun = by.run_approved!.requests[0].request_id.split('.')[0] as string;
    const approved = await stack.http('viewer').get(`/v1/workflow-runs/${approvedRun}`).expect(200);
    expect(approved.body.output.steps[0].decision).toMatchObject({ value: 'approve', by: 'dave', comment: 'LGTM from the glaip callback' });

    expect(by.run_rejected!.text).toMatch(/^Offer outcome: .*not before the budget review/);
    expect(by.run_skipped).toMatchObject({
      text: expect.stringMatching(/was skipped \(by dave\); it did not run/),
      pending: { tool: 'send_offer', arguments: { to: 'max@example.com', subject: 'Your offer' }, agent_id: 'offer-agent' },
      answer: { status: 'ok' },
      second: { type: 'ConflictError', status: 409 },
    });
    expect(by.run_traced).toMatchObject({ text: 'Offer outcome: {"sent_to":"ada@example.com"}', run_id: expect.stringMatching(/^wfr_/) });
    expect(by.run_traced!.kinds).toEqual(expect.arrayContaining(['run_info', 'agent_step', 'final_response']));
    expect(by.run_timeout_skip!.text).toMatch(/was skipped \(no decision within 2s\); it did not run/);

    expect(by.viewer_run!.raised).toMatchObject({ type: 'ForbiddenError', status: 403 });
    expect(by.bad_key!.raised).toMatchObject({ type: 'AuthenticationError', status: 401 });
    expect(by.decide_unknown!.raised).toMatchObject({ type: 'NotFoundError', status: 404 });
    // Exactly the approved offers were sent: jane's and ada's, once each.
    expect([...sent.values()].slice(sentBefore).map((o) => o.to).sort()).toEqual(['ada@example.com', 'jane.doe@example.com']);
  });
});
