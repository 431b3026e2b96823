import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import type { HubState } from '../../src/contracts/hub';
import { MARK_ACTIVITY } from '../../src/contracts/markers';
import { DELIVER_ACTIVITY, type WebhookJob, type WebhookRecord } from '../../src/contracts/webhook-messages';
import { exampleHandlers } from '../../src/activities/handlers';
import { createMarkActivities } from '../../src/activities/markers';
import type { SubscriptionCache } from '../../src/activities/subscriptions';
import { createTaskActivities, type HandOff, type TaskContext, type TaskHandlers } from '../../src/activities/tasks';
import type { NotifyInput } from '../../src/contracts/notify';
import { createDeliveryActivities, type DeliveryDeps } from '../../src/activities/webhook-delivery';
import { webhookSecret } from '../../src/webhooks/secrets';
import { TargetPolicy } from '../../src/webhooks/targets';

/** Activities run in Temporal's mock activity context: real code, real HTTP, no server. */

const SECRET_KEY = 'unit-test-secret-key-0123456789';
const workflowExecution = { workflowId: 'wfr_unit', runId: 'exec-1' };

/** What the activity threw, as the worker would report it. */
async function failureOf(attempt: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

// ── webhook delivery ─────────────────────────────────────────────────────────

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 whose answer each test sets. */
class Receiver {
  readonly received: Received[] = [];
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');
  private arrivals: (() => void)[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      for (const arrived of this.arrivals.splice(0)) arrived();
      this.answer(req, res);
    });
  });

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Resolves when the next request has arrived in full. */
  nextArrival(): Promise<void> {
    return new Promise((done) => this.arrivals.push(done));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

describe('webhook delivery activity', () => {
  const receiver = new Receiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());
  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer = (_req, res) => res.end('ok');
  });

  const webhook = (fields: Partial<WebhookRecord> = {}): WebhookRecord => ({
    id: 'wh_unit',
    url: receiver.url,
    events: ['run.completed'],
    active: true,
    signature: 'standard',
    secret_generation: 2,
    created_by: 'admin',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...fields,
  });
  const job: WebhookJob & { webhook_id: string } = {
    webhook_id: 'wh_unit',
    message_id: 'msg_unit_1',
    event_type: 'run.completed',
    run_id: 'wfr_unit',
    seq: 7,
    created_at: '2026-01-01T00:00:00.000Z',
    body: { type: 'run.completed', data: { run_id: 'wfr_unit', result: { ok: true } } },
  };

  function deliver(webhooks: WebhookRecord[], deps: Partial<DeliveryDeps> = {}, env = new MockActivityEnvironment({ attempt: 3 })) {
    const hub: HubState = { version: 1, webhooks, listeners: [] };
    const activities = createDeliveryActivities({
      subscriptions: { current: async () => hub } as unknown as SubscriptionCache,
      secretKey: SECRET_KEY,
      targets: new TargetPolicy(['127.0.0.1']),
      timeoutMs: 10_000,
      ...deps,
    });
    return env.run(activities[DELIVER_ACTIVITY], job);
  }

  it('POSTs the body signed the Standard Webhooks way, and reports it delivered', async () => {
    const hook = webhook();
    const before = Math.floor(Date.now() / 1000);
    await expect(deliver([hook])).resolves.toEqual({ status: 'delivered', attempts: 3, response_status: 200, response_excerpt: 'ok' });
    expect(receiver.received).toHaveLength(1);
    const { headers, body } = receiver.received[0]!;
    expect(JSON.parse(body)).toEqual(job.body);
    expect(headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'holdpoint-webhooks/1', 'webhook-id': 'msg_unit_1' });
    expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    const verified = new Webhook(webhookSecret(SECRET_KEY, hook)).verify(body, headers as Record<string, string>);
    expect(verified).toEqual(job.body);
    // Signed with this webhook's secret: another generation's secret (before a rotation) does not verify.
    expect(() => new Webhook(webhookSecret(SECRET_KEY, { ...hook, secret_generation: 1 })).verify(body, headers as Record<string, string>)).toThrow();
  });

  it('signs m8tes webhooks with m8tes\' scheme', async () => {
    const hook = webhook({ signature: 'm8tes' });
    await deliver([hook]);
    const { headers, body } = receiver.received[0]!;
    const expected = createHmac('sha256', webhookSecret(SECRET_KEY, hook)).update(`msg_unit_1.${String(headers['webhook-timestamp'])}.${body}`).digest('hex');
    expect(headers['webhook-id']).toBe('msg_unit_1');
    expect(headers['webhook-signature']).toBe(`v1=${expected}`);
  });

  it.each([
    [201, 'created', { status: 'delivered', response_status: 201 }],
    [204, '', { status: 'delivered', response_status: 204, response_excerpt: '' }],
  ])('takes %d as delivered', async (status, text, expected) => {
    receiver.answer = (_req, res) => res.writeHead(status).end(text);
    await expect(deliver([webhook()])).resolves.toMatchObject(expected);
  });

  it.each([
    [400, 'bad request'],
    [410, 'gone'],
    [500, 'internal error'],
    [503, 'try later'],
    [302, 'moved'],
  ])('fails a %d answer for the retry policy, keeping the status and the start of the answer', async (status, text) => {
    receiver.answer = (_req, res) => res.writeHead(status).end(text);
    const failure = await failureOf(deliver([webhook()]));
    expect(failure).toMatchObject({ type: 'WebhookRejected', message: `the receiver answered ${status}`, nonRetryable: false });
    expect(failure.details).toEqual([{ attempt: 3, response_status: status, response_excerpt: text }]);
  });

  it('keeps only the first 500 characters of a long answer', async () => {
    receiver.answer = (_req, res) => res.writeHead(500).end('x'.repeat(5_000));
    const failure = await failureOf(deliver([webhook()]));
    expect((failure.details![0] as { response_excerpt: string }).response_excerpt).toBe('x'.repeat(500));
  });

  it('skips a webhook that was deleted or deactivated, without sending', async () => {
    await expect(deliver([])).resolves.toEqual({ status: 'skipped', attempts: 3, reason: 'the webhook was deleted' });
    await expect(deliver([webhook({ active: false })])).resolves.toEqual({ status: 'skipped', attempts: 3, reason: 'the webhook is not active' });
    expect(receiver.received).toEqual([]);
  });

  it('refuses to send unsigned when the worker has no secret key', async () => {
    const failure = await failureOf(deliver([webhook()], { secretKey: undefined }));
    expect(failure).toMatchObject({ type: 'WebhookNotConfigured', message: expect.stringMatching(/^HOLDPOINT_SECRET_KEY is not set on the worker/) });
    expect(receiver.received).toEqual([]);
  });

  it('gives up at once on a private address that is not allowed, and retries a host that does not resolve', async () => {
    const blocked = await failureOf(deliver([webhook()], { targets: new TargetPolicy() }));
    expect(blocked).toMatchObject({ type: 'WebhookTargetRefused', nonRetryable: true, message: expect.stringMatching(/^url: 127\.0\.0\.1 is a loopback address/) });
    const unresolved = await failureOf(deliver([webhook({ url: 'http://holdpoint-unit-test.invalid/hook' })], { targets: new TargetPolicy() }));
    expect(unresolved).toMatchObject({ type: 'WebhookTargetRefused', nonRetryable: false, message: expect.stringMatching(/does not resolve/) });
    expect(receiver.received).toEqual([]);
  });

  it('reports an unreachable receiver as a retryable failure', async () => {
    const gone = new Receiver();
    await gone.start();
    const url = gone.url;
    await gone.stop();
    const failure = await failureOf(deliver([webhook({ url })]));
    expect(failure).toMatchObject({ type: 'WebhookUnreachable', nonRetryable: false, message: expect.stringMatching(/^could not reach 127\.0\.0\.1:\d+: .*ECONNREFUSED/) });
  });

  it('gives up on a receiver that does not answer within the attempt timeout', async () => {
    receiver.answer = () => undefined;
    const failure = await failureOf(deliver([webhook()], { timeoutMs: 300 }));
    expect(failure).toMatchObject({ type: 'WebhookUnreachable', message: expect.stringMatching(/no answer within 300 ms$/) });
  });

  it('aborts the request in flight when the attempt is cancelled', async () => {
    receiver.answer = () => undefined;
    const env = new MockActivityEnvironment({ attempt: 1 });
    const arrived = receiver.nextArrival();
    const attempt = deliver([webhook()], { timeoutMs: 60_000 }, env);
    await arrived;
    env.cancel();
    const failure = await failureOf(attempt);
    expect(failure.message).toMatch(/abort/i);
  });
});

// ── task handlers ────────────────────────────────────────────────────────────

describe('task activities', () => {
  const run = (handlers: TaskHandlers, name: string, input: unknown, info: Record<string, unknown> = {}, env?: MockActivityEnvironment) =>
    (env ?? new MockActivityEnvironment({ workflowExecution, activityId: '3', ...info })).run(createTaskActivities(handlers)[name]!, input);

  it('refuses handler names holdpoint keeps for itself', () => {
    expect(() => createTaskActivities({ __holdpoint_notify: () => 1 })).toThrow('task handler "__holdpoint_notify": names starting with "__holdpoint" are holdpoint\'s own');
  });

  it('names each activity after its handler and returns the output with the attempt', async () => {
    const activities = createTaskActivities({ double: ({ n }: { n: number }) => n * 2, nothing: () => undefined });
    expect(activities.double!.name).toBe('double');
    await expect(run({ double: ({ n }: { n: number }) => n * 2 }, 'double', { n: 21 }, { attempt: 2 })).resolves.toEqual({ output: 42, attempt: 2 });
    await expect(run({ nothing: () => undefined }, 'nothing', {})).resolves.toEqual({ output: null, attempt: 1 });
    await expect(run({ later: async () => ({ ok: true }) }, 'later', {})).resolves.toEqual({ output: { ok: true }, attempt: 1 });
  });

  it('gives the handler its run, name, attempt and an idempotency key that is the same on every attempt of one call', async () => {
    const seen: Omit<TaskContext, 'signal' | 'heartbeat' | 'log'>[] = [];
    const spy: TaskHandlers = { spy: (_input, { runId, handler, attempt, idempotencyKey }: TaskContext) => void seen.push({ runId, handler, attempt, idempotencyKey }) };
    await run(spy, 'spy', {}, { attempt: 1 });
    await run(spy, 'spy', {}, { attempt: 4 });
    await run(spy, 'spy', {}, { attempt: 1, activityId: '4' });
    expect(seen).toEqual([
      { runId: 'wfr_unit', handler: 'spy', attempt: 1, idempotencyKey: 'wfr_unit/exec-1/3' },
      { runId: 'wfr_unit', handler: 'spy', attempt: 4, idempotencyKey: 'wfr_unit/exec-1/3' },
      { runId: 'wfr_unit', handler: 'spy', attempt: 1, idempotencyKey: 'wfr_unit/exec-1/4' },
    ]);
  });

  it('lets a handler keyed by its idempotency key do its side effect once across a retry', async () => {
    const ledger = new Map<string, { charged: number }>();
    let crash = true;
    const charge: TaskHandlers = {
      charge: ({ amount }: { amount: number }, { idempotencyKey }: TaskContext) => {
        const done = ledger.get(idempotencyKey) ?? { charged: amount };
        ledger.set(idempotencyKey, done);
        if (crash) {
          crash = false;
          throw new Error('worker lost after the charge');
        }
        return done;
      },
    };
    const first = await failureOf(run(charge, 'charge', { amount: 5 }, { attempt: 1 }));
    expect(first).toMatchObject({ type: 'Error', message: 'worker lost after the charge', nonRetryable: false });
    await expect(run(charge, 'charge', { amount: 5 }, { attempt: 2 })).resolves.toEqual({ output: { charged: 5 }, attempt: 2 });
    expect([...ledger.keys()]).toEqual(['wfr_unit/exec-1/3']);
  });

  it('passes heartbeats through to Temporal', async () => {
    const env = new MockActivityEnvironment({ workflowExecution, activityId: '3' });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const long: TaskHandlers = {
      long: (_input, { heartbeat }: TaskContext) => {
        for (let i = 1; i <= 3; i++) heartbeat({ done: i });
        return 'finished';
      },
    };
    await expect(run(long, 'long', {}, {}, env)).resolves.toEqual({ output: 'finished', attempt: 1 });
    expect(beats).toEqual([{ done: 1 }, { done: 2 }, { done: 3 }]);
  });

  it('hands the handler a signal that aborts when the attempt is cancelled', async () => {
    const env = new MockActivityEnvironment({ workflowExecution, activityId: '3' });
    let started!: () => void;
    const running = new Promise<void>((done) => (started = done));
    const waits: TaskHandlers = {
      waits: (_input, { signal }: TaskContext) =>
        new Promise((_done, fail) => {
          signal.addEventListener('abort', () => fail(new Error(`stopped: ${String((signal.reason as Error).name)}`)));
          started();
        }),
    };
    const attempt = run(waits, 'waits', {}, {}, env);
    await running;
    env.cancel('CANCELLED');
    const failure = await failureOf(attempt);
    expect(failure).toMatchObject({ message: 'stopped: CancelledFailure', details: [{ attempt: 1 }] });
  });

  class PaymentDeclined extends Error {
    override readonly name = 'PaymentDeclined';
  }

  it.each([
    ['a plain error', () => new Error('boom'), { type: 'Error', message: 'boom', nonRetryable: false }],
    ['an error class of its own, typed by its name', () => new PaymentDeclined('card declined'), { type: 'PaymentDeclined', message: 'card declined', nonRetryable: false }],
    ['a thrown string', () => 'just text', { type: 'Error', message: 'just text', nonRetryable: false }],
    ['a non-retryable failure', () => ApplicationFailure.nonRetryable('no such order', 'OrderNotFound'), { type: 'OrderNotFound', message: 'no such order', nonRetryable: true }],
    ['a failure with its own retry delay', () => ApplicationFailure.create({ message: 'slow down', type: 'RateLimited', nextRetryDelay: '30s' }), { type: 'RateLimited', nonRetryable: false, nextRetryDelay: '30s' }],
  ])('reports %s with its type, retryability and the attempt', async (_name, make, expected) => {
    const failure = await failureOf(
      run(
        {
          fails: () => {
            throw make();
          },
        },
        'fails',
        {},
        { attempt: 2 },
      ),
    );
    expect(failure).toMatchObject(expected);
    expect(failure.details).toEqual([{ attempt: 2 }]);
  });

  it.each([
    [{ leadId: 'l1', employees: 5 }, 'smb'],
    [{ leadId: 'l1', employees: 100 }, 'mid-market'],
    [{ leadId: 'l1', employees: 999 }, 'mid-market'],
    [{ leadId: 'l1', employees: 1_000 }, 'enterprise'],
    [{ leadId: 'l1' }, 'enterprise'],
  ])('the example lead classifier puts %j in %s', async (input, category) => {
    await expect(run(exampleHandlers, 'classifyLead', input)).resolves.toMatchObject({ output: { leadId: 'l1', category } });
  });

  it('the example cancellation refuses an unknown subscription for good', async () => {
    await expect(run(exampleHandlers, 'cancelSubscription', { customerId: 'c1', subscriptionId: 'sub-pro' })).resolves.toMatchObject({ output: { status: 'cancelled', plan: 'Pro' } });
    const failure = await failureOf(run(exampleHandlers, 'cancelSubscription', { customerId: 'c1', subscriptionId: 'sub-none' }));
    expect(failure).toMatchObject({ type: 'SubscriptionNotFound', nonRetryable: true, message: 'no subscription sub-none for c1' });
  });

  it.each([
    ['production', { tests: 'passed', migrations: 'none' }, 'medium'],
    ['production', { tests: 'passed', migrations: 'pending' }, 'high'],
    ['staging', { tests: 'failed' }, 'low'],
  ])('the example deployment analysis rates %s with %j as %s risk', async (environment, checks, risk) => {
    await expect(run(exampleHandlers, 'analyseDeployment', { data: { environment, checks } })).resolves.toMatchObject({ output: { risk } });
  });

  it('the marker activity hands back what it was given', async () => {
    const input = { kind: 'cancelled' as const, summary: 'cancelled by ops', data: { by: 'ops' } };
    await expect(new MockActivityEnvironment().run(createMarkActivities()[MARK_ACTIVITY], input)).resolves.toEqual(input);
  });
});

describe("task activities passing a run's notices on", () => {
  const notices: NotifyInput = {
    run: { run_id: 'wfr_unit', workflow: 'w', status: 'running', task: 't', started_at: '2026-11-22T00:00:00.000Z' },
    events: [{ event: { seq: 3, type: 'decided', at: '2026-11-22T00:00:01.000Z' } as never }],
  };
  const call = (handOff: HandOff, handler: TaskHandlers[string] = () => 'done') =>
    new MockActivityEnvironment({ workflowExecution, activityId: '3' }).run(createTaskActivities({ work: handler }, handOff).work!, { n: 1 }, notices);

  it('passes them on beside the handler and says so', async () => {
    const passed: NotifyInput[] = [];
    await expect(call(async (n) => void passed.push(n))).resolves.toEqual({ output: 'done', attempt: 1, notified: true });
    expect(passed).toEqual([notices]);
  });

  it('tries again while passing them on fails', async () => {
    let tries = 0;
    const flaky: HandOff = async () => {
      tries += 1;
      if (tries < 3) throw new Error('Temporal is away');
    };
    await expect(call(flaky)).resolves.toEqual({ output: 'done', attempt: 1, notified: true });
    expect(tries).toBe(3);
  });

  it('keeps the result of a task whose hand-off does not finish, and leaves the notices to the run', async () => {
    let release = () => {};
    const stuck: HandOff = () => new Promise((resolve) => (release = () => resolve(undefined)));
    await expect(call(stuck)).resolves.toEqual({ output: 'done', attempt: 1 });
    release();
  });

  it('fails the attempt as the handler failed, whatever the hand-off does', async () => {
    const failure = await failureOf(call(async () => undefined, () => Promise.reject(new Error('the payment provider said no'))));
    expect(failure.message).toBe('the payment provider said no');
    expect(failure.details).toEqual([{ attempt: 1 }]);
  });

  it('answers without the flag when the worker was made without a hand-off (the run then sends them)', async () => {
    const result = await new MockActivityEnvironment({ workflowExecution, activityId: '3' }).run(createTaskActivities({ work: () => 'done' }).work!, {}, notices);
    expect(result).toEqual({ output: 'done', attempt: 1 });
  });
});
