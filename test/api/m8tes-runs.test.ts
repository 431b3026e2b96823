import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AgentOutput } from '../../src/contracts/agent';
import { numericId } from '../../src/contracts/numeric-id';
import { closed, eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';
import { m8Definitions, m8Handlers } from '../clients/m8tes/definitions';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
type Json = Record<string, any>;

const V2 = '/api/v2';
const ASSISTANT = numericId('m8-assistant');

// m8tes' runs over holdpoint: integer ids, m8tes' statuses and error envelope, the permission-mode
// table, idempotent creates, lists, needs-you, agents, cancel and reply.
describe('m8tes face: runs', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ handlers: m8Handlers, definitions: m8Definitions });
  });
  afterAll(() => stack.stop());

  /** As m8tes' SDK sends it: Bearer key, JSON, a fresh Idempotency-Key. */
  const v2 = (who: Who = 'dave') => ({
    get: (path: string) => request(stack.app).get(`${V2}${path}`).set('Authorization', `Bearer ${keyOf(who)}`),
    post: (path: string, body?: object, key: string = randomUUID()) =>
      request(stack.app).post(`${V2}${path}`).set('Authorization', `Bearer ${keyOf(who)}`).set('Idempotency-Key', key).send(body ?? {}),
    patch: (path: string, body: object) => request(stack.app).patch(`${V2}${path}`).set('Authorization', `Bearer ${keyOf(who)}`).send(body),
  });
  const create = async (body: Json, who: Who = 'dave') => (await v2(who).post('/runs/', { stream: false, teammate_id: ASSISTANT, ...body }).expect(201)).body as Json;
  const permissions = (id: number) => eventually(async () => {
    const res = await v2().get(`/runs/${id}/permissions`).expect(200);
    const pending = (res.body as Json[]).filter((p) => p.status === 'pending');
    expect(pending.length).toBeGreaterThan(0);
    return pending;
  });

  it('creates a run without streaming: the Run at once, with an integer id that GET reads back', async () => {
    const run = await create({ message: 'Email the customer', metadata: { ticket: 'T-1' } });
    expect(Object.keys(run)[0]).toBe('id');
    expect(run).toMatchObject({ id: expect.any(Number), teammate_id: ASSISTANT, status: 'running', user_id: null, metadata: { ticket: 'T-1' }, permission_mode: 'autonomous', human_in_the_loop: false });
    expect(run).not.toHaveProperty('started_by');
    expect(run.id).toBe(numericId(run.holdpoint.run_id));
    expect(await closed(stack.client, run.holdpoint.run_id)).toBe('COMPLETED');
    const read = (await v2('viewer').get(`/runs/${run.id}`).expect(200)).body as Json;
    expect(read).toMatchObject({ id: run.id, status: 'completed', output: expect.stringMatching(/^Done: /), error: null, metadata: { ticket: 'T-1' } });
    // The holdpoint run id works in the path too.
    await v2('viewer').get(`/runs/${run.holdpoint.run_id}`).expect(200);
  });

  it('refuses the forbidden permission-mode combinations with 422 naming the rule', async () => {
    for (const permission_mode of ['approval', 'plan']) {
      const res = await v2().post('/runs/', { message: 'x', stream: false, teammate_id: ASSISTANT, human_in_the_loop: false, permission_mode }).expect(422);
      expect(res.body.error).toMatchObject({
        type: 'validation_error',
        code: 422,
        request_id: expect.any(String),
        message: expect.stringContaining('needs human_in_the_loop: true'),
        details: { error_code: 'invalid_permission_mode', field: 'body.permission_mode', rule: 'human_in_the_loop' },
      });
    }
    const bad = await v2().post('/runs/', { message: 'x', stream: false, permission_mode: 'yolo' }).expect(422);
    expect(bad.body.error.message).toBe('body.permission_mode: must be one of autonomous, approval, plan');
    // Without anybody in the loop the question is not asked and the tools run.
    const plain = await create({ message: 'x', human_in_the_loop: false, permission_mode: 'autonomous' });
    expect(await closed(stack.client, plain.holdpoint.run_id)).toBe('COMPLETED');
    const done = (await v2().get(`/runs/${plain.id}`).expect(200)).body as Json;
    expect(done.permission_mode).toBe('autonomous');
    const view = (await stack.http('viewer').get(`/v1/workflow-runs/${plain.holdpoint.run_id}`).expect(200)).body;
    expect((view.output.result as AgentOutput).tool_calls.map((c) => c.status)).toEqual(['skipped', 'ran', 'ran', 'ran']);
  });

  it('validates bodies and ids with 422s that name the field, and answers unknown routes in its envelope', async () => {
    const missing = await v2().post('/runs/', { stream: false }).expect(422);
    expect(missing.body.error.details).toMatchObject({ error_code: 'validation_error', field: 'body.message' });
    const tools = await v2().post('/runs/', { message: 'x', tools: ['gmail'] }).expect(422);
    expect(tools.body.error).toMatchObject({ details: { error_code: 'unsupported_parameter', field: 'body.tools' } });
    const agent = await v2().post('/runs/', { message: 'x', teammate_id: 12345 }).expect(404);
    expect(agent.body.error.details.error_code).toBe('agent_not_found');
    const notJson = await request(stack.app).post(`${V2}/runs/`).set('Authorization', `Bearer ${keyOf('dave')}`).set('Content-Type', 'application/json').send('{"message": ').expect(422);
    expect(notJson.body.error.details).toMatchObject({ error_code: 'validation_error', field: 'body' });
    expect((await v2().get('/runs/abc').expect(422)).body.error.details.field).toBe('path.id');
    expect((await v2().get('/runs/123456789').expect(404)).body.error.details.error_code).toBe('run_not_found');
    const unknown = await v2().get('/nothing/here').expect(404);
    expect(unknown.body.error.details.error_code).toBe('route_not_found');
    const anonymous = await request(stack.app).get(`${V2}/runs/`).expect(401);
    expect(anonymous.body.error).toMatchObject({ type: 'authentication_error', code: 401, details: { error_code: 'invalid_api_key' } });
    const viewer = await v2('viewer').post('/runs/', { message: 'x', stream: false }).expect(403);
    expect(viewer.body.error.details.error_code).toBe('permission_denied');
  });

  it('honours Idempotency-Key: the same key answers the first run, marked Idempotent-Replay, even when streaming was asked', async () => {
    const key = randomUUID();
    const body = { message: 'Once only', stream: false, teammate_id: ASSISTANT, human_in_the_loop: true, permission_mode: 'approval', user_id: 'cust_idem' };
    const first = await v2().post('/runs/', body, key).expect(201);
    expect(first.headers['idempotent-replay']).toBeUndefined();
    const again = await v2().post('/runs/', { ...body, stream: true }, key).expect(200);
    expect(again.headers['idempotent-replay']).toBe('true');
    expect(again.headers['content-type']).toMatch(/application\/json/);
    expect(again.text).toMatch(new RegExp(`^\\{"id":${first.body.id},`));
    expect(again.headers['x-run-id']).toBe(String(first.body.id));
    const changed = await v2().post('/runs/', { ...body, message: 'Something else' }, key).expect(409);
    expect(changed.body.error.details.error_code).toBe('idempotency_conflict');
    await v2().post(`/runs/${first.body.id}/cancel`).expect(200);
  });

  it('lists runs in pages of {data, has_more, next_starting_after}, by end user, agent and status', async () => {
    const user = `cust_list_${randomUUID().slice(0, 8)}`;
    const runs: Json[] = [];
    for (let i = 0; i < 3; i++) runs.push(await create({ message: `list ${i}`, human_in_the_loop: true, user_id: user }));
    const page = await eventually(async () => {
      const res = await v2('viewer').get(`/runs/?user_id=${user}&limit=2`).expect(200);
      expect(res.body.data).toHaveLength(2);
      return res.body as Json;
    });
    expect(page.has_more).toBe(true);
    expect(page.data.map((r: Json) => r.id)).toEqual([runs[2]!.id, runs[1]!.id]);
    expect(page.data[0]).toMatchObject({ teammate_id: ASSISTANT, user_id: user });
    const next = (await v2('viewer').get(`/runs/?user_id=${user}&limit=2&starting_after=${encodeURIComponent(page.next_starting_after)}`).expect(200)).body as Json;
    expect(next.data.map((r: Json) => r.id)).toEqual([runs[0]!.id]);
    // An integer cursor (a run id, as m8tes' own pages use) works too.
    const byId = (await v2('viewer').get(`/runs/?user_id=${user}&limit=2&starting_after=${runs[2]!.id}`).expect(200)).body as Json;
    expect(byId).toMatchObject({ has_more: false, next_starting_after: null });
    expect(byId.data.map((r: Json) => r.id)).toEqual([runs[1]!.id, runs[0]!.id]);
    const waiting = await eventually(async () => {
      const res = await v2('viewer').get(`/runs/?user_id=${user}&status=awaiting_approval&teammate_id=${ASSISTANT}`).expect(200);
      expect(res.body.data).toHaveLength(3);
      return res.body as Json;
    });
    expect(waiting.data.every((r: Json) => r.status === 'awaiting_approval')).toBe(true);
    expect((await v2('viewer').get(`/runs/?user_id=${user}&teammate_id=999`).expect(200)).body.data).toEqual([]);
    expect((await v2('viewer').get('/runs/?status=paused').expect(422)).body.error.details.field).toBe('query.status');

    const needs = await eventually(async () => {
      const res = await v2('viewer').get(`/runs/needs-you?user_id=${user}`).expect(200);
      expect(res.body.count).toBe(3);
      return res.body as Json;
    });
    expect(needs.items[0]).toEqual({ run_id: runs[2]!.id, title: 'Support mate needs you', mate_name: 'Support mate', holdpoint_run_id: runs[2]!.holdpoint.run_id });
    for (const run of runs) await v2().post(`/runs/${run.id}/cancel`).expect(200);
  });

  it('lists agents (holdpoint workflows) with integer ids; a run without teammate_id runs the default assistant', async () => {
    const agents = (await v2('viewer').get('/agents/').expect(200)).body as Json;
    expect(agents.has_more).toBe(false);
    const mate = agents.data.find((a: Json) => a.name === 'm8-assistant');
    expect(mate).toMatchObject({ id: ASSISTANT, role: 'Support mate', tools: ['lookup', 'send_email'], instructions: 'Help the customer.', default_permission_mode: 'autonomous' });
    expect((await v2('viewer').get(`/agents/${ASSISTANT}`).expect(200)).body.name).toBe('m8-assistant');
    expect((await v2('viewer').get('/agents/77').expect(404)).body.error.details.error_code).toBe('agent_not_found');
    const page = (await v2('viewer').get('/agents/?limit=2').expect(200)).body as Json;
    expect(page).toMatchObject({ has_more: true, next_starting_after: page.data[1].id });

    const run = (await v2().post('/runs/', { message: 'Hello', stream: false }).expect(201)).body as Json;
    expect(run.teammate_id).toBe(numericId('assistant'));
    expect(await closed(stack.client, run.holdpoint.run_id)).toBe('COMPLETED');
    expect((await v2().get(`/runs/${run.id}`).expect(200)).body.output).toMatch(/scripted assistant/);
  });

  it('cancels a waiting run (409 run_not_active once it has ended) and scopes reads to the end user', async () => {
    const run = await create({ message: 'Cancel me', human_in_the_loop: true, user_id: 'cust_scope' });
    await permissions(run.id);
    await v2().get(`/runs/${run.id}?user_id=cust_other`).expect(404);
    expect((await v2().get(`/runs/${run.id}?user_id=cust_scope`).expect(200)).body.status).toBe('awaiting_approval');
    expect((await v2('viewer').post(`/runs/${run.id}/cancel`).expect(403)).body.error.details.error_code).toBe('permission_denied');
    const cancelled = (await v2().post(`/runs/${run.id}/cancel`).expect(200)).body as Json;
    expect(cancelled).toMatchObject({ id: run.id, status: 'cancelled' });
    const again = await v2().post(`/runs/${run.id}/cancel`).expect(409);
    expect(again.body.error).toMatchObject({ type: 'conflict_error', details: { error_code: 'run_not_active' } });
    const gates = (await v2().get(`/runs/${run.id}/permissions`).expect(200)).body as Json[];
    expect(gates.map((g) => g.status)).toEqual(['cancelled']);
  });

  it("is described in /openapi.json: its routes under the tag m8tes at its prefix, as m8tes' SDK calls them", async () => {
    const doc = (await request(stack.app).get('/openapi.json').expect(200)).body as Json;
    expect(doc.tags).toContainEqual(expect.objectContaining({ name: 'm8tes' }));
    const mine = Object.entries(doc.paths as Record<string, Json>).filter(([, ops]) => Object.values(ops).some((op: Json) => op.tags?.includes('m8tes')));
    expect(mine.length).toBeGreaterThanOrEqual(15);
    expect(mine.every(([path]) => path.startsWith(`${V2}/`))).toBe(true);
    // Collections once, with m8tes' trailing slash (the routes answer without it too).
    expect(Object.keys(doc.paths[`${V2}/runs/`])).toEqual(['post', 'get']);
    expect(doc.paths[`${V2}/runs`]).toBeUndefined();
    expect(Object.keys(doc.paths[`${V2}/runs/{id}/approve`])).toEqual(['post']);
    expect(doc.paths[`${V2}/runs/{id}`].get.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/M8tesError' });
    expect(doc.components.securitySchemes.m8tesKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    await v2('viewer').get('/agents').expect(200);
  });

  it('reply starts a new run of the same agent in the first run\'s session, with its end user and mode', async () => {
    const first = await create({ message: 'First', human_in_the_loop: true, permission_mode: 'plan', user_id: 'cust_reply' });
    const busy = await v2().post(`/runs/${first.id}/reply`, { message: 'Too soon', stream: false }).expect(409);
    expect(busy.body.error.details.error_code).toBe('run_still_active');
    await v2().post(`/runs/${first.id}/cancel`).expect(200);
    const reply = (await v2().post(`/runs/${first.id}/reply`, { message: 'Follow-up', stream: false, human_in_the_loop: false }).expect(201)).body as Json;
    expect(reply.id).not.toBe(first.id);
    expect(reply).toMatchObject({ teammate_id: ASSISTANT, user_id: 'cust_reply', permission_mode: 'autonomous', human_in_the_loop: false, holdpoint: { session_id: first.holdpoint.run_id } });
    expect(await closed(stack.client, reply.holdpoint.run_id)).toBe('COMPLETED');
    const view = (await stack.http('viewer').get(`/v1/workflow-runs/${reply.holdpoint.run_id}`).expect(200)).body;
    expect(view.input.task).toBe('Follow-up');
  });
});
