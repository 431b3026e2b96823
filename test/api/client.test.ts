import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HoldpointApiError, HoldpointClient, HoldpointConnectionError, HoldpointWaitTimeoutError, type Approval, type BusEvent, type FeedEvent, type FeedItem } from '../../src/client';
import { definition, echo, testHandlers } from '../harness/definitions';
import { Receiver } from '../harness/receiver';
import { eventually, keyOf, startStack, type TestStack, type Who } from '../harness/stack';

const gate = `client-gate-${randomUUID().slice(0, 8)}`;
const task = { input: { task: 'Pay the invoice', state: { invoice: 'inv-1' } } };

/** What a rejected promise rejected with (to assert on the error itself). */
const refusal = (promise: Promise<unknown>): Promise<unknown> => promise.then((value) => ({ resolved: value }), (err: unknown) => err);

/** The next item of an iterator, or a failure naming what did not come. */
async function next<T>(it: AsyncIterator<T>, what: string, deadlineMs = 15_000): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`no ${what} within ${deadlineMs} ms`)), deadlineMs)));
  try {
    return await Promise.race([it.next(), late]);
  } finally {
    clearTimeout(timer);
  }
}

// An application drives holdpoint through the typed client: types from the contracts, refusals as HoldpointApiError.
describe('the typed client against a live gateway', () => {
  let stack: TestStack;
  let receiver: Receiver;
  const as = (who: Who, extra: Partial<ConstructorParameters<typeof HoldpointClient>[0]> = {}) => new HoldpointClient({ baseUrl: stack.url, apiKey: keyOf(who), ...extra });

  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      heartbeatMs: 500,
      definitions: [definition(gate, [{ name: 'gate', type: 'confirmation', message: 'Pay {{ state.invoice }}?', assignees: ['group:finance'], timeout: '2d' }, echo('after', "'paid'")])],
    });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await stack.stop();
  });

  /** A run of the gate workflow, paused at its gate. */
  async function paused(): Promise<{ runId: string; requestId: string; digest: string }> {
    const started = await as('ops').runs.start(gate, task);
    expect(started.status).toBe('paused');
    const pending = started.output.pendingAction!;
    return { runId: started.run_id, requestId: pending.request_id, digest: pending.digest };
  }

  it('starts a run that pauses, finds it in the inbox, decides it with its digest, and refuses what it must', async () => {
    const { runId, requestId, digest } = await paused();
    const alice = as('alice');

    const inbox: Approval[] = await eventually(async () => {
      const items: Approval[] = [];
      for await (const item of alice.approvals.list({ assignee: 'mine', workflow: gate, limit: 1 })) items.push(item);
      expect(items.map((i) => i.request_id)).toContain(requestId);
      return items;
    });
    expect(inbox.find((i) => i.request_id === requestId)).toMatchObject({ run_id: runId, step: 'gate', status: 'pending', message: 'Pay inv-1?' });

    const approval = await alice.approvals.get(requestId);
    expect(approval).toMatchObject({ request_id: requestId, digest, status: 'pending', you_may_decide: true, who_may_decide: { assignees: ['group:finance'] } });
    expect(Date.parse(approval.timeout_at!)).toBeGreaterThan(Date.now());

    // Refusals arrive as HoldpointApiError with the API's status, type, message and field.
    const stale = await refusal(alice.approvals.decide(requestId, { value: 'approve', digest: `sha256:${'0'.repeat(64)}` }));
    expect(stale).toBeInstanceOf(HoldpointApiError);
    expect(stale).toMatchObject({ status: 409, type: 'digest_mismatch', details: { digest } });
    const malformed = await refusal(alice.approvals.decide(requestId, { value: 'approve', digest: 'sha256:0000' }));
    expect(malformed).toMatchObject({ status: 400, type: 'invalid_request', field: 'body.digest' });
    const unknownField = await refusal(alice.approvals.decide(requestId, { value: 'approve', bogus: true } as never));
    expect(unknownField).toBeInstanceOf(HoldpointApiError);
    expect(unknownField).toMatchObject({ status: 400, type: 'invalid_request', field: 'body.bogus' });
    expect((unknownField as HoldpointApiError).message).toMatch(/^body\.bogus: /);
    const notAnOption = await refusal(alice.approvals.decide(requestId, { value: 'maybe' }));
    expect(notAnOption).toMatchObject({ status: 422, type: 'invalid_decision' });
    const viewer = await refusal(as('viewer').approvals.decide(requestId, { value: 'approve' }));
    expect(viewer).toMatchObject({ status: 403, type: 'forbidden' });

    const key = randomUUID();
    const decided = await alice.approvals.decide(requestId, { value: 'approve', digest: approval.digest!, comment: 'paid on time' }, { idempotencyKey: key });
    expect(decided.approval).toMatchObject({ request_id: requestId, status: 'decided' });
    expect(decided.run).toMatchObject({ run_id: runId, status: 'completed' });
    // A retry with the same key answers the first outcome; deciding again without it is a conflict.
    const retried = await alice.approvals.decide(requestId, { value: 'approve', digest: approval.digest!, comment: 'paid on time' }, { idempotencyKey: key });
    expect(retried.run).toEqual(decided.run);
    const twice = await refusal(as('bob').approvals.decide(requestId, { value: 'reject' }));
    expect(twice).toBeInstanceOf(HoldpointApiError);
    expect(twice).toMatchObject({ status: 409, type: 'already_decided', details: { decided_by: 'alice' } });

    const run = await as('viewer').runs.get(runId);
    expect(run).toMatchObject({ run_id: runId, agentName: gate, status: 'completed', pendingAction: null });
    expect(run.output.steps.map((s) => [s.name, s.status])).toEqual([
      ['gate', 'completed'],
      ['after', 'completed'],
    ]);

    // The audit trail holds the decision and the refusals, and its chains verify.
    const trail = await as('viewer').audit.verify(runId);
    expect(trail.verification.ok).toBe(true);
    expect(trail.entries.filter((e) => e.type === 'decided')).toEqual([expect.objectContaining({ by: 'alice', value: 'approve', comment: 'paid on time' })]);
    expect(trail.entries.some((e) => e.type === 'refused')).toBe(true);
    const listed = await eventually(async () => {
      const entries = await as('admin').audit.list({ workflow: gate, type: 'decided' }).take(100);
      expect(entries.map((e) => e.run_id)).toContain(runId);
      return entries;
    });
    expect(listed.every((e) => e.type === 'decided')).toBe(true);
  });

  it('lists runs page by page as an async iterator, resumes, waits and cancels', async () => {
    const ids = [(await paused()).runId, (await paused()).runId, (await paused()).runId];
    const ops = as('ops');
    const all = await eventually(async () => {
      const seen: string[] = [];
      for await (const run of ops.runs.list({ workflow: gate, status: 'paused', limit: 1 })) seen.push(run.run_id);
      expect(seen).toEqual(expect.arrayContaining(ids));
      return seen;
    });
    expect(new Set(all).size).toBe(all.length);
    let pages = 0;
    for await (const page of ops.runs.list({ workflow: gate, status: 'paused', limit: 1 }).pages()) {
      expect(page.data.length).toBeLessThanOrEqual(1);
      pages += 1;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(await ops.runs.list({ workflow: gate, limit: 2 }).take(2)).toHaveLength(2);

    // Waiting: a paused run has settled already; it has not ended, so waiting for its end times out.
    const [first, second, third] = ids as [string, string, string];
    expect((await ops.runs.wait(first)).status).toBe('paused');
    const timedOut = await refusal(ops.runs.wait(first, { until: 'ended', timeout: 300 }));
    expect(timedOut).toBeInstanceOf(HoldpointWaitTimeoutError);
    expect((timedOut as HoldpointWaitTimeoutError).run.status).toBe('paused');

    // A wait for the end returns once someone decides, however it is decided.
    const ending = ops.runs.wait(second, { until: 'ended', timeout: 20_000 });
    const resumed = await as('alice').runs.resume(second, { input: { resume: { step: 'gate', input: 'approve' } }, comment: 'ok' });
    expect(resumed).toMatchObject({ run_id: second, status: 'completed' });
    expect((await ending).status).toBe('completed');

    const cancelled = await ops.runs.cancel(third, 'no longer needed');
    expect(cancelled).toMatchObject({ run_id: third, status: 'cancelled' });
    const again = await refusal(as('alice').runs.resume(third, { input: { approved: true } }));
    expect(again).toBeInstanceOf(HoldpointApiError);
    expect((again as HoldpointApiError).status).toBe(409);

    const missing = await refusal(ops.runs.get('wfr_NOPE'));
    expect(missing).toMatchObject({ status: 404, type: 'not_found' });
    const badKey = await refusal(new HoldpointClient({ baseUrl: stack.url, apiKey: 'not-a-key' }).runs.get(first));
    expect(badKey).toMatchObject({ status: 401, type: 'unauthenticated' });
    const badQuery = await refusal(ops.runs.list({ limit: 1000 }).first());
    expect(badQuery).toMatchObject({ status: 400, type: 'invalid_request', field: 'query.limit' });
    const unknownWorkflow = await refusal(ops.runs.start('no-such-workflow', task));
    expect(unknownWorkflow).toMatchObject({ status: 404, type: 'not_found' });
  });

  it('decides many requests at once, each answering on its own', async () => {
    const a = await paused();
    const b = await paused();
    await as('alice').approvals.decide(b.requestId, { value: 'reject' });
    const bulk = await as('alice').approvals.decideMany([
      { request_id: a.requestId, value: 'approve', digest: a.digest },
      { request_id: b.requestId, value: 'approve' },
    ]);
    expect(bulk).toMatchObject({ succeeded: 1, failed: 1 });
    expect(bulk.results[0]).toMatchObject({ request_id: a.requestId, ok: true, run: { run_id: a.runId } });
    expect((await as('alice').runs.wait(a.runId, { until: 'ended', timeout: 15_000 })).status).toBe('completed');
    expect(bulk.results[1]).toMatchObject({ request_id: b.requestId, ok: false, status: 409, error: { type: 'already_decided' } });
  });

  it('manages webhooks: create (idempotent), read, rotate, see deliveries, redeliver, delete', async () => {
    const admin = as('admin');
    const key = randomUUID();
    const url = `${receiver.url}?wh=client`;
    const created = await admin.webhooks.create({ url, events: ['approval.requested'], workflow: gate, description: 'client test' }, { idempotencyKey: key });
    expect(created).toMatchObject({ id: expect.stringMatching(/^wh_/), url, events: ['approval.requested'], workflow: gate, active: true, replayed: false });
    expect(created.secret).toMatch(/^whsec_/);
    const replayed = await admin.webhooks.create({ url, events: ['approval.requested'], workflow: gate, description: 'client test' }, { idempotencyKey: key });
    expect(replayed).toMatchObject({ id: created.id, replayed: true });
    expect((await admin.webhooks.list()).map((w) => w.id)).toContain(created.id);
    const read = await admin.webhooks.get(created.id);
    expect(read.secret).toBeUndefined();
    const rotated = await admin.webhooks.update(created.id, { rotate_secret: true, description: 'rotated' });
    expect(rotated).toMatchObject({ id: created.id, description: 'rotated' });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    const badUrl = await refusal(admin.webhooks.create({ url: 'ftp://example.com/x' }));
    expect(badUrl).toMatchObject({ status: 400, type: 'invalid_request', field: 'body.url' });
    const notAdmin = await refusal(as('alice').webhooks.list());
    expect(notAdmin).toMatchObject({ status: 403, type: 'forbidden' });

    // A run's pause is delivered; the log shows it, and a redelivery sends it again.
    await eventually(async () => expect((await stack.worker.holdpoint.subscriptions.current()).webhooks.some((w) => w.id === created.id)).toBe(true));
    const { runId } = await paused();
    const ofHook = () => receiver.delivered().filter((r) => r.path === '/hooks?wh=client');
    await receiver.until(() => ofHook().length >= 1);
    const delivered = await eventually(async () => {
      const log = await admin.webhooks.deliveries(created.id).take(10);
      expect(log).toEqual([expect.objectContaining({ webhook_id: created.id, run_id: runId, event_type: 'approval.requested', status: 'delivered' })]);
      return log[0]!;
    });
    const again = await admin.webhooks.redeliver(created.id, delivered.message_id);
    expect(again).toMatchObject({ message_id: delivered.message_id, webhook_id: created.id });
    await receiver.until(() => ofHook().length >= 2);
    expect(ofHook()[1]!.headers['webhook-id']).toBe(ofHook()[0]!.headers['webhook-id']);

    const deleted = await admin.webhooks.delete(created.id);
    expect(deleted).toMatchObject({ deleted: true, webhook: { id: created.id } });
    const gone = await refusal(admin.webhooks.get(created.id));
    expect(gone).toBeInstanceOf(HoldpointApiError);
    expect(gone).toMatchObject({ status: 404, type: 'not_found' });
  });

  it('reads and registers definitions, and manages tool policies', async () => {
    const admin = as('admin');
    expect((await admin.workflows.list()).map((w) => w.name)).toEqual(expect.arrayContaining(['lead-router', gate]));
    const lead = await admin.workflows.get('lead-router');
    expect(lead).toMatchObject({ name: 'lead-router', steps: [{ name: 'classify' }, { name: 'approval' }, { name: 'route' }] });

    const name = `client-registered-${randomUUID().slice(0, 8)}`;
    const body = { name, steps: [{ name: 'ok', type: 'confirmation' as const, message: 'Fine?' }] };
    const registered = await admin.workflows.register(body, { label: 'first' });
    expect(registered).toMatchObject({ name, version: 1, created: true });
    expect(await admin.workflows.register(body)).toMatchObject({ name, version: 1, created: false });
    const invalid = await refusal(admin.workflows.register({ name, steps: [{ name: 'ok', type: 'confirmation', message: 'Fine?', timeout: 'soon' }] }));
    expect(invalid).toMatchObject({ status: 422, type: 'invalid_definition' });
    expect((invalid as HoldpointApiError).details.problems).toEqual([expect.objectContaining({ path: 'steps[0].timeout' }), expect.anything()]);

    const tool = `tool_${randomUUID().slice(0, 8)}`;
    const policy = await admin.policies.create({ tool, user_id: 'user-7' });
    expect(policy).toMatchObject({ tool, user_id: 'user-7', source: 'api' });
    expect((await admin.policies.list({ user_id: 'user-7' })).map((p) => p.tool)).toContain(tool);
    expect(await admin.policies.delete(policy.id, { userId: 'user-7' })).toMatchObject({ id: policy.id, tool });
    expect((await admin.policies.list({ user_id: 'user-7' })).map((p) => p.tool)).not.toContain(tool);
  });

  it("follows a run live and, when the gateway cuts its connections, resumes after the last event: nothing lost, nothing repeated", async () => {
    let streamsOpened = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).includes('/events')) streamsOpened += 1;
      return fetch(input, init);
    };
    const viewer = as('viewer', { fetch: counting, reconnect: { initialDelayMs: 50 } });
    const started = await as('ops').runs.start(gate, task, { wait: 0 });
    const seen: FeedEvent[] = [];
    let cut = false;
    for await (const event of viewer.events.run(started.run_id)) {
      seen.push(event);
      if (event.type === 'paused' && !cut) {
        cut = true;
        // Every connection of the gateway drops, as a flaky network or a proxy restart would do.
        stack.server.server.closeAllConnections();
        // (Decided over a connection of its own: this process's pooled sockets were just cut too.)
        await stack.http('alice').post(`/v1/approvals/${event.request_id!}/decision?wait=0`).send({ value: 'approve' }).expect(200);
      }
    }
    // The iterator ended by itself after the run's last event.
    expect(cut).toBe(true);
    expect(seen.at(-1)).toMatchObject({ type: 'run_completed', run_id: started.run_id, workflow: gate });
    expect(streamsOpened).toBeGreaterThanOrEqual(2);
    const log = await viewer.runs.events(started.run_id, { after: 0, limit: 1000 });
    expect(seen.map((e) => e.seq)).toEqual(log.data.map((e) => e.seq));
    expect(seen.map((e) => e.type)).toEqual(expect.arrayContaining(['run_started', 'paused', 'decided', 'run_completed']));
  });

  it('stops a stream cleanly on break and on an AbortSignal, and the gateway lets go of it', async () => {
    const { runId } = await paused();
    const viewer = as('viewer');
    const before = stack.core.feed.stats().subscribers;

    const upToPause: FeedEvent[] = [];
    for await (const event of viewer.events.run(runId)) {
      upToPause.push(event);
      if (event.type === 'paused') break;
    }
    expect(upToPause[0]!.type).toBe('run_started');
    expect(upToPause.at(-1)!.type).toBe('paused');
    expect(upToPause.map((e) => e.seq)).toEqual(upToPause.map((_, i) => i + 1));

    // Aborting while it waits for an event that will not come (the run waits for a person).
    const abort = new AbortController();
    const waiting = viewer.events.run(runId, { after: upToPause.at(-1)!.seq, signal: abort.signal });
    const pending = waiting.next();
    await eventually(async () => expect(stack.core.feed.stats().subscribers).toBeGreaterThan(before));
    abort.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    await eventually(async () => expect(stack.core.feed.stats().subscribers).toBe(before));

    // An unknown run is refused before anything streams.
    const missing = await refusal(viewer.events.run('wfr_NOPE').next());
    expect(missing).toMatchObject({ status: 404, type: 'not_found' });
  });

  it('follows the cross-run feed and resumes from its cursor after a cut', async () => {
    const viewer = as('viewer', { reconnect: { initialDelayMs: 50 } });
    const stop = new AbortController();
    const feed = viewer.events.feed({ workflow: gate, type: ['run_started', 'paused', 'decided', 'run_completed'], signal: stop.signal });
    try {
      await followFeed(feed);
    } finally {
      stop.abort();
    }
  });

  async function followFeed(feed: AsyncGenerator<FeedItem>): Promise<void> {
    const ready = await next(feed, 'ready frame');
    expect(ready.value).toMatchObject({ kind: 'ready' });
    await stack.worker.holdpoint.subscriptions.waitFor((ready.value as Extract<FeedItem, { kind: 'ready' }>).hub_version);

    const { runId, requestId } = await paused();
    const mine: BusEvent[] = [];
    const cursors: string[] = [];
    const until = async (type: string) => {
      for (;;) {
        const item = (await next(feed, `${type} of ${runId}`)).value as FeedItem;
        if (item.kind !== 'event') continue;
        cursors.push(item.cursor);
        if (item.event.run_id !== runId) continue;
        mine.push(item.event);
        if (item.event.type === type) return;
      }
    };
    await until('paused');
    stack.server.server.closeAllConnections();
    await stack.http('alice').post(`/v1/approvals/${requestId}/decision?wait=0`).send({ value: 'approve' }).expect(200);
    await until('run_completed');

    expect(mine.map((e) => e.type)).toEqual(['run_started', 'paused', 'decided', 'run_completed']);
    expect(mine[2]).toMatchObject({ request_id: requestId, data: { value: 'approve', by: 'alice' } });
    expect(new Set(cursors).size).toBe(cursors.length);
  }

  it('tells an unreachable or silent gateway apart from a refusal', async () => {
    // A port nobody listens on.
    const closed: Server = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', () => done()));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    const unreachable = await refusal(new HoldpointClient({ baseUrl: `http://127.0.0.1:${freePort}` }).runs.get('wfr_X'));
    expect(unreachable).toBeInstanceOf(HoldpointConnectionError);
    expect(unreachable).toMatchObject({ reason: 'unreachable' });

    // A server that takes the request and never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', () => done()));
    try {
      const slow = await refusal(new HoldpointClient({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeout: 200 }).runs.get('wfr_X'));
      expect(slow).toBeInstanceOf(HoldpointConnectionError);
      expect(slow).toMatchObject({ reason: 'timeout' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((done) => silent.close(() => done()));
    }
  });
});
