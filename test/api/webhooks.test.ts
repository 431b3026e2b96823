import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { DeliveryRecord } from '../../src/contracts/webhooks';
import { Receiver, type Received } from '../harness/receiver';
import { eventually, start, startStack, type TestStack } from '../harness/stack';

const lead = { input: { task: 'Route this lead', state: { leadId: 'lead-hooks' } } };

// Webhooks are signed, delivered at least once in each run's order, survive a worker restart, and
// refuse to point inside the network.
describe('webhooks', () => {
  let stack: TestStack;
  let receiver: Receiver;
  beforeAll(async () => {
    stack = await startStack();
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await stack.stop();
  });

  async function register(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const created = await stack.http().post('/v1/webhooks').send(body).expect(201);
    // The worker hears of it through the hub's history; wait until it has.
    await eventually(async () => expect((await stack.worker.holdpoint.subscriptions.current()).webhooks.some((w) => w.id === created.body.id)).toBe(true));
    return { id: created.body.id, secret: created.body.secret };
  }

  const ofWebhook = (id: string) => (r: Received) => r.path === `/hooks?wh=${id}`;
  const decide = (requestId: string, value: string) => stack.http('alice').post(`/v1/approvals/${requestId}/decision?wait=5s`).send({ value }).expect(200);

  it('registers, shows the secret once, changes, rotates and deletes a webhook', async () => {
    const created = await stack.http().post('/v1/webhooks').set('Idempotency-Key', 'hook-crud-1').send({ url: `${receiver.url}?wh=crud`, events: ['approval.requested'], description: 'ops pager' }).expect(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^wh_/), url: `${receiver.url}?wh=crud`, events: ['approval.requested'], active: true, signature: 'standard', workflow: null, description: 'ops pager', created_by: 'admin' });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const again = await stack.http().post('/v1/webhooks').set('Idempotency-Key', 'hook-crud-1').send({ url: `${receiver.url}?wh=crud`, events: ['approval.requested'] }).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(created.body.id);

    const read = await stack.http().get(`/v1/webhooks/${created.body.id}`).expect(200);
    expect(read.body.secret).toBeUndefined();
    expect((await stack.http().get('/v1/webhooks').expect(200)).body.data.map((w: { id: string }) => w.id)).toContain(created.body.id);

    const changed = await stack.http().patch(`/v1/webhooks/${created.body.id}`).send({ events: ['run.completed', 'run.failed'], active: false, workflow: 'lead-router' }).expect(200);
    expect(changed.body).toMatchObject({ events: ['run.completed', 'run.failed'], active: false, workflow: 'lead-router' });
    expect(changed.body.secret).toBeUndefined();
    const rotated = await stack.http().patch(`/v1/webhooks/${created.body.id}`).send({ rotate_secret: true }).expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.body.secret);

    await stack.http().delete(`/v1/webhooks/${created.body.id}`).expect(200);
    const gone = await stack.http().get(`/v1/webhooks/${created.body.id}`).expect(404);
    expect(gone.body.error.type).toBe('not_found');
  });

  it('refuses bad bodies, non-admins, and targets inside the network, naming the field and the rule', async () => {
    const badUrl = await stack.http().post('/v1/webhooks').send({ url: 'ftp://example.com/x' }).expect(400);
    expect(badUrl.body.error.details.field).toBe('body.url');
    const badEvent = await stack.http().post('/v1/webhooks').send({ url: receiver.url, events: ['run.exploded'] }).expect(400);
    expect(badEvent.body.error.details.field).toBe('body.events.0');
    const emptyPatch = await stack.http().patch('/v1/webhooks/wh_missing').send({}).expect(400);
    expect(emptyPatch.body.error.message).toMatch(/at least one field/);
    const operator = await stack.http('ops').post('/v1/webhooks').send({ url: receiver.url }).expect(403);
    expect(operator.body.error.details.rule).toBe('roles');
    await stack.http('viewer').get('/v1/webhooks').expect(403);

    for (const [url, range] of [
      ['http://10.1.2.3/hook', 'private'],
      ['http://[::1]:9/hook', 'loopback'],
      ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
      ['http://100.64.0.1/hook', 'carrierGradeNat'],
    ]) {
      const refused = await stack.http().post('/v1/webhooks').send({ url }).expect(400);
      expect(refused.body.error).toMatchObject({ type: 'invalid_request', details: { field: 'url', rule: 'webhook_target_public' } });
      expect(refused.body.error.message).toContain(range);
      expect(refused.body.error.message).toContain('HOLDPOINT_WEBHOOK_ALLOWED_HOSTS');
    }
  });

  it('delivers every subscribed event once per webhook-id, in order, signed per Standard Webhooks, through a failing receiver', async () => {
    const hook = await register({ url: `${receiver.url}?wh=std`, events: ['approval.requested', 'approval.decided', 'run.completed'] });
    receiver.failNext = 3;
    const run = await start(stack, 'lead-router', lead).expect(200);
    await decide(run.body.output.pendingAction.request_id, 'approve');
    await receiver.until(() => receiver.delivered().filter(ofWebhook('std')).length >= 3);

    const delivered = receiver.delivered().filter(ofWebhook('std'));
    const verifier = new Webhook(hook.secret);
    const payloads = delivered.map((r) => verifier.verify(r.body, r.headers as Record<string, string>) as { type: string; data: { run_id: string; event: { seq: number } } });
    expect(payloads.map((p) => p.type)).toEqual(['approval.requested', 'approval.decided', 'run.completed']);
    expect(payloads.every((p) => p.data.run_id === run.body.run_id)).toBe(true);
    const ids = delivered.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(3);
    // The failed attempts carried the same id as the delivery that finally got through.
    const attemptsOfFirst = receiver.received.filter((r) => ofWebhook('std')(r) && r.headers['webhook-id'] === ids[0]);
    expect(attemptsOfFirst.map((r) => r.status)).toEqual([500, 500, 500, 200]);
    expect(payloads[0]).toMatchObject({ data: { approval: { step: 'approval', options: ['approve', 'reject', 'escalate'], assignees: ['group:sales-ops'] } } });

    const log = await stack.http().get(`/v1/webhooks/${hook.id}/deliveries`).expect(200);
    const records = log.body.data as DeliveryRecord[];
    expect(records.map((d) => d.event_type)).toEqual(['run.completed', 'approval.decided', 'approval.requested']);
    expect(records.every((d) => d.status === 'delivered' && d.response_status === 200)).toBe(true);
    expect(records.find((d) => d.event_type === 'approval.requested')!.attempts).toBe(4);
  });

  it("signs with m8tes' variant when asked, and skips runs of other workflows and inactive webhooks", async () => {
    const m8tes = await register({ url: `${receiver.url}?wh=m8tes`, events: ['approval.requested'], signature: 'm8tes' });
    await register({ url: `${receiver.url}?wh=other`, events: ['approval.requested'], workflow: 'billing-cancel' });
    await register({ url: `${receiver.url}?wh=off`, events: ['approval.requested'], active: false });
    const run = await start(stack, 'lead-router', lead).expect(200);
    await receiver.until(() => receiver.delivered().some(ofWebhook('m8tes')));
    const [got] = receiver.delivered().filter(ofWebhook('m8tes'));
    const { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature } = got!.headers as Record<string, string>;
    expect(signature).toBe(`v1=${createHmac('sha256', m8tes.secret).update(`${id}.${ts}.${got!.body}`).digest('hex')}`);
    expect(JSON.parse(got!.body)).toMatchObject({ event: 'approval.requested', run_id: run.body.run_id, data: { status: 'awaiting_approval' } });

    // Decide and let the run end: had the other two webhooks matched, their deliveries would have come first.
    await decide(run.body.output.pendingAction.request_id, 'reject');
    await eventually(async () => expect((await stack.http().get(`/v1/workflow-runs/${run.body.run_id}`).expect(200)).body.status).toBe('completed'));
    expect(receiver.received.filter((r) => ofWebhook('other')(r) || ofWebhook('off')(r))).toEqual([]);
  });

  it('redelivers a message with the same webhook-id on request', async () => {
    const hook = await register({ url: `${receiver.url}?wh=again`, events: ['approval.requested'] });
    const run = await start(stack, 'lead-router', lead).expect(200);
    await receiver.until(() => receiver.delivered().some(ofWebhook('again')));
    // The log is read from visibility, which follows the delivery by a moment.
    const message = await eventually(async () => {
      const log = await stack.http().get(`/v1/webhooks/${hook.id}/deliveries?status=delivered`).expect(200);
      const first = (log.body.data as DeliveryRecord[])[0];
      expect(first?.run_id).toBe(run.body.run_id);
      return first!;
    });
    const answer = await stack.http().post(`/v1/webhooks/${hook.id}/deliveries/${message.message_id}/redeliver`).send({}).expect(202);
    expect(answer.body).toMatchObject({ message_id: message.message_id, status: 'pending', redeliveries: 1 });
    await receiver.until(() => receiver.delivered().filter((r) => r.headers['webhook-id'] === message.message_id).length === 2);
    await stack.http().post(`/v1/webhooks/${hook.id}/deliveries/msg_unknown/redeliver`).send({}).expect(404);
  });

  it('keeps delivering to a receiver that was down while the worker restarted, once it is back', async () => {
    const down = await new Receiver().start();
    const hook = await register({ url: `${down.url}?wh=down`, events: ['approval.requested', 'approval.decided'] });
    await down.stop();
    const run = await start(stack, 'lead-router', lead).expect(200);
    await decide(run.body.output.pendingAction.request_id, 'approve');

    // The first delivery is being retried; the log says how often and when next.
    await eventually(async () => {
      const log = await stack.http().get(`/v1/webhooks/${hook.id}/deliveries`).expect(200);
      const retrying = (log.body.data as DeliveryRecord[]).find((d) => d.event_type === 'approval.requested');
      expect(retrying).toMatchObject({ status: 'delivering', error: expect.stringMatching(/could not reach/) });
      expect(retrying!.attempts).toBeGreaterThanOrEqual(2);
      expect(retrying!.next_retry_at).toEqual(expect.any(String));
    });

    await stack.worker.stop();
    await down.start();
    const replacement = await stack.startWorker();
    try {
      await down.until(() => down.delivered().length >= 2);
      const types = down.delivered().map((r) => (JSON.parse(r.body) as { type: string }).type);
      expect(types).toEqual(['approval.requested', 'approval.decided']);
      expect(new Set(down.delivered().map((r) => r.headers['webhook-id'])).size).toBe(2);
    } finally {
      stack.worker = replacement;
      await down.stop();
    }
  });
});
