import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { numericId } from '../../src/contracts/numeric-id';
import { Receiver, type Received } from '../harness/receiver';
import { dataOf, openSse, type SseFrame } from '../harness/sse';
import { closed, eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';
import { m8Definitions, m8Handlers } from '../clients/m8tes/definitions';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
type Json = Record<string, any>;

const V2 = '/api/v2';
const ASSISTANT = numericId('m8-assistant');

// m8tes' streams (AI SDK frames, gate frames, closed on an open gate, replayed on rejoin) and webhooks
// (m8tes' signature and body, `run.awaiting_input`, end-user scopes, deliveries).
describe('m8tes face: streams and webhooks', () => {
  let stack: TestStack;
  let receiver: Receiver;
  beforeAll(async () => {
    stack = await startStack({ handlers: m8Handlers, definitions: m8Definitions });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await stack.stop();
  });

  const auth = (who: Who = 'dave') => ({ Authorization: `Bearer ${keyOf(who)}` });
  const v2 = (who: Who = 'dave') => ({
    get: (path: string) => request(stack.app).get(`${V2}${path}`).set(auth(who)),
    post: (path: string, body?: object) => request(stack.app).post(`${V2}${path}`).set(auth(who)).set('Idempotency-Key', randomUUID()).send(body ?? {}),
    patch: (path: string, body: object) => request(stack.app).patch(`${V2}${path}`).set(auth(who)).send(body),
    delete: (path: string) => request(stack.app).delete(`${V2}${path}`).set(auth(who)),
  });
  const frames = (all: SseFrame[]) => all.map((f) => dataOf<Json>(f));
  const types = (all: Json[]) => all.map((f) => (f.type === 'tool-call-start' ? `${f.type}:${f.toolName}` : f.type === 'permission_request' ? `${f.type}:${f.tool_name}` : f.type));
  const stream = async (path: string, body?: object) => {
    const sse = await openSse(`${stack.url}${V2}${path}`, { ...auth(), 'Idempotency-Key': randomUUID() }, body ? { method: 'POST', body } : {});
    return { sse, all: frames(await sse.collect(() => false, 20_000)) };
  };
  const pendingGate = (id: number) =>
    eventually(async () => {
      const pending = ((await v2('viewer').get(`/runs/${id}/permissions`).expect(200)).body as Json[]).filter((p) => p.status === 'pending');
      expect(pending).toHaveLength(1);
      return pending[0] as Json;
    });

  it('streams a run in AI SDK frames with X-Run-Id, closes on an open gate, and replays it on rejoin', async () => {
    const { sse, all } = await stream('/runs/', { message: 'Email the customer', teammate_id: ASSISTANT, human_in_the_loop: true, permission_mode: 'approval' });
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const runId = Number(sse.headers.get('x-run-id'));
    expect(String(runId)).toMatch(/^\d+$/);
    expect(all[0]).toMatchObject({ type: 'metadata', payload: { run_id: runId, teammate_id: ASSISTANT, status: 'running' } });
    expect(types(all)).toEqual(['metadata', 'tool-call-start:AskUserQuestion', 'tool-call-delta', 'tool-call-end', 'permission_request:AskUserQuestion', 'awaiting_approval']);
    const question = all[4]!;
    expect(question).toMatchObject({ run_id: runId, request_id: expect.any(String), tool_use_id: all[1]!.toolCallId, status: 'pending', tool_input: { questions: [{ question: 'Which region?' }] } });
    expect(all[5]).toMatchObject({ run_id: runId, status: 'awaiting_approval', request_id: question.request_id, tool_use_id: question.tool_use_id });

    await v2().post(`/runs/${runId}/answer`, { request_id: question.request_id, answers: { 'Which region?': 'EU' } }).expect(200);
    const lookup = await pendingGate(runId);
    const rejoined = await stream(`/runs/${runId}/stream`);
    expect(rejoined.sse.headers.get('x-run-id')).toBe(String(runId));
    expect(types(rejoined.all)).toEqual([
      'metadata',
      'tool-call-start:AskUserQuestion',
      'tool-call-delta',
      'tool-call-end',
      'permission_request:AskUserQuestion',
      'permission_resolved',
      'tool-result-end',
      'tool-call-start:lookup',
      'tool-call-delta',
      'tool-call-end',
      'permission_request:lookup',
      'awaiting_approval',
    ]);
    expect(rejoined.all[5]).toMatchObject({ request_id: question.request_id, status: 'answered', decided_by: 'dave' });
    expect(rejoined.all[10]).toMatchObject({ request_id: lookup.request_id, tool_use_id: rejoined.all[7]!.toolCallId, tool_input: { customer: 'acme' } });

    // Allow everything from here on, then the replay runs to its end: the answer's text, then done.
    await v2().patch(`/runs/${runId}/permission-mode`, { permission_mode: 'autonomous' }).expect(200);
    await eventually(async () => expect((await v2('viewer').get(`/runs/${runId}`).expect(200)).body.status).toBe('completed'));
    const finished = await stream(`/runs/${runId}/stream`);
    const tail = finished.all.slice(-6);
    expect(types(tail)).toEqual(['tool-call-end', 'tool-result-end', 'text-start', 'text-delta', 'text-end', 'done']);
    expect(tail[3]!.delta).toMatch(/^Done: /);
    expect(tail[5]).toMatchObject({ type: 'done', run_id: runId, status: 'completed', run: { id: runId, status: 'completed' } });
    expect(finished.all.some((f) => f.type === 'metadata' && f.payload.permission_mode === 'autonomous')).toBe(true);
  });

  it('ends a stream with cancelled, or with error and done when the run fails', async () => {
    const cancelling = await openSse(`${stack.url}${V2}/runs/`, { ...auth(), 'Idempotency-Key': randomUUID() }, { method: 'POST', body: { message: 'x', teammate_id: numericId('m8-strict') } });
    const runId = Number(cancelling.headers.get('x-run-id'));
    const gated = frames(await cancelling.collect(() => false));
    expect(types(gated).slice(-2)).toEqual(['permission_request:wire', 'awaiting_approval']);
    await v2().post(`/runs/${runId}/cancel`).expect(200);
    const replay = await stream(`/runs/${runId}/stream`);
    expect(types(replay.all).slice(-3)).toEqual(['permission_request:wire', 'permission_resolved', 'cancelled']);
    expect(replay.all.at(-2)).toMatchObject({ status: 'cancelled' });
    expect(replay.all.at(-1)).toMatchObject({ type: 'cancelled', run_id: runId, cancelled_by: 'dave' });

    const failing = await stream('/runs/', { message: 'x', teammate_id: numericId('m8-limited') });
    expect(types(failing.all).slice(-2)).toEqual(['error', 'done']);
    expect(failing.all.at(-2)).toMatchObject({ type: 'error', error: expect.stringMatching(/model calls|steps/), error_code: 'step_failed' });
    const run = (await v2().get(`/runs/${failing.all[0]!.payload.run_id}`).expect(200)).body as Json;
    expect(run).toMatchObject({ status: 'failed', error: expect.any(String), error_code: 'step_failed', failure_kind: 'error' });
  });

  it("webhooks: m8tes' signature and body; run.awaiting_input end to end; end-user scopes never mix", async () => {
    const created = await v2('admin').post('/webhooks/', { url: `${receiver.url}?wh=m8-user`, events: ['run.awaiting_input', 'run.completed'], user_id: 'cust_hook' }).expect(201);
    const hook = created.body as Json;
    expect(hook).toMatchObject({ id: expect.any(Number), url: `${receiver.url}?wh=m8-user`, events: ['run.awaiting_input', 'run.completed'], secret: expect.stringMatching(/^whsec_/), active: true, user_id: 'cust_hook' });
    const account = (await v2('admin').post('/webhooks/', { url: `${receiver.url}?wh=m8-account` }).expect(201)).body as Json;
    expect(account).toMatchObject({ events: ['run.completed', 'run.failed', 'run.cancelled'], user_id: null });
    expect((await v2('dave').post('/webhooks/', { url: receiver.url }).expect(403)).body.error.details.error_code).toBe('permission_denied');
    expect((await v2('admin').post('/webhooks/', { url: receiver.url, events: ['run.exploded'] }).expect(422)).body.error.details.field).toBe('body.events.0');
    expect((await v2('admin').post('/webhooks/', { url: 'http://10.1.2.3/hook' }).expect(422)).body.error.details.field).toBe('body.url');
    // Read back in its scope only; the secret is shown once.
    const read = (await v2('admin').get(`/webhooks/${hook.id}?user_id=cust_hook`).expect(200)).body as Json;
    expect(read).not.toHaveProperty('secret');
    expect((await v2('admin').get(`/webhooks/${hook.id}`).expect(404)).body.error.details.error_code).toBe('webhook_not_found');
    expect((await v2('admin').get('/webhooks/?user_id=cust_hook').expect(200)).body).toMatchObject({ data: [{ id: hook.id }], has_more: false });
    expect((await v2('admin').get('/webhooks/').expect(200)).body.data.map((w: Json) => w.id)).toEqual([account.id]);
    await eventually(async () => {
      const known = (await stack.worker.holdpoint.subscriptions.current()).webhooks.map((w) => w.id);
      expect(known).toEqual(expect.arrayContaining([hook.holdpoint_id, account.holdpoint_id]));
    });

    const userRun = (await v2().post('/runs/', { message: 'Email the customer', stream: false, teammate_id: ASSISTANT, human_in_the_loop: true, user_id: 'cust_hook' }).expect(201)).body as Json;
    const ofHook = (r: Received) => r.path === '/hooks?wh=m8-user';
    await receiver.until(() => receiver.delivered().some(ofHook));
    const [got] = receiver.delivered().filter(ofHook);
    const headers = got!.headers as Record<string, string>;
    expect(headers['webhook-signature']).toBe(`v1=${createHmac('sha256', hook.secret).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${got!.body}`).digest('hex')}`);
    expect(JSON.parse(got!.body)).toMatchObject({
      event: 'run.awaiting_input',
      run_id: userRun.id,
      data: { status: 'awaiting_approval', holdpoint_run_id: userRun.holdpoint.run_id, teammate_id: ASSISTANT, user_id: 'cust_hook', approval: { request_id: expect.any(String), type: 'question' } },
    });
    // The receiver does what m8tes recommends: read the gates, answer.
    const gate = await pendingGate(JSON.parse(got!.body).run_id);
    await v2().post(`/runs/${userRun.id}/answer`, { request_id: gate.request_id, answers: { Region: 'US' } }).expect(200);
    await receiver.until(() => receiver.delivered().filter(ofHook).some((r) => JSON.parse(r.body).event === 'run.completed'));

    const accountRun = (await v2().post('/runs/', { message: 'Hello', stream: false }).expect(201)).body as Json;
    const ofAccount = (r: Received) => r.path === '/hooks?wh=m8-account';
    await receiver.until(() => receiver.delivered().some(ofAccount));
    expect(receiver.delivered().filter(ofAccount).map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({ event: 'run.completed', run_id: accountRun.id, data: expect.objectContaining({ status: 'completed' }) }),
    ]);
    // The end user's run never reached the account's webhook, nor the account's run the end user's.
    expect(await closed(stack.client, userRun.holdpoint.run_id)).toBe('COMPLETED');
    expect(receiver.delivered().filter(ofHook).map((r) => JSON.parse(r.body).run_id)).toEqual([userRun.id, userRun.id]);

    const deliveries = await eventually(async () => {
      const res = await v2('admin').get(`/webhooks/${hook.id}/deliveries?user_id=cust_hook`).expect(200);
      expect(res.body.data.map((d: Json) => d.status)).toEqual(['delivered', 'delivered']);
      return res.body as Json;
    });
    expect(deliveries.data[0]).toMatchObject({ id: expect.any(Number), webhook_endpoint_id: hook.id, event_type: 'run.completed', event_id: expect.stringMatching(/^msg_/), run_id: userRun.id, response_status_code: 200, attempts: 1 });
    expect(deliveries.data[1]).toMatchObject({ event_type: 'run.awaiting_input', event_id: headers['webhook-id'] });

    const rotated = (await v2('admin').patch(`/webhooks/${hook.id}?user_id=cust_hook`, { rotate_secret: true, events: ['run.awaiting_input'] }).expect(200)).body as Json;
    expect(rotated).toMatchObject({ id: hook.id, events: ['run.awaiting_input'], secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.secret).not.toBe(hook.secret);
    await v2('admin').delete(`/webhooks/${hook.id}?user_id=cust_hook`).expect(204);
    await v2('admin').delete(`/webhooks/${account.id}`).expect(204);
    expect((await v2('admin').get('/webhooks/?user_id=cust_hook').expect(200)).body.data).toEqual([]);
  });
});
