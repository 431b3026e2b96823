import { Writable } from 'node:stream';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import pino from 'pino';
import request from 'supertest';
import { decideSignal, decideUpdate } from '../../src/contracts/messages';
import { freePort } from '../../src/temporal/dev-server';
import { definition, echo, testHandlers } from '../harness/definitions';
import { Receiver } from '../harness/receiver';
import { eventually, keyOf, resume, start, startStack, type TestStack } from '../harness/stack';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, as far as a test needs it: one sample per line, comments skipped. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named so whose labels include these. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

// One scrape at /metrics sees what happened: runs started and ended, pauses opened and closed, each
// decision by its channel (REST, a raw Temporal signal or update), refusals by rule, webhook attempts by
// outcome, the gateway's requests by declared route, the pauses open now and the Temporal SDK's own.
describe('metrics and request logs', () => {
  let stack: TestStack;
  let receiver: Receiver;
  /** A run left paused by the first test (the second decides it on a fresh worker). */
  let stillOpen: string;
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });

  beforeAll(async () => {
    stack = await startStack({
      workerMetrics: true,
      logger: pino({ level: 'debug' }, sink),
      handlers: testHandlers().handlers,
      definitions: [definition('metrics-gate', [{ name: 'approve', type: 'confirmation', message: 'Ship it?', reject_requires_comment: true }, echo('done')])],
      // Each failed delivery is given up at once, so a dead receiver costs exactly one attempt per message.
      delivery: { initial_interval_ms: 100, maximum_interval_ms: 100, give_up_after_ms: 0 },
    });
    receiver = await new Receiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
    await stack.stop();
  });

  const scrape = async (): Promise<Sample[]> => {
    const res = await request(stack.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return parse(res.text);
  };

  it('counts runs, pauses, decisions by channel, refusals by rule, webhook attempts, requests by route, and pauses open', async () => {
    const hook = async (url: string) => {
      const created = await stack.http().post('/v1/webhooks').send({ url, events: ['run.completed'], workflow: 'metrics-gate' }).expect(201);
      await eventually(async () => expect((await stack.worker.holdpoint.subscriptions.current()).webhooks.some((w) => w.id === created.body.id)).toBe(true));
    };
    await hook(receiver.url);
    await hook(`http://127.0.0.1:${await freePort()}/hooks`); // nothing listens there

    const begin = async () => {
      const started = await start(stack, 'metrics-gate', { input: { task: 'ship' } }).expect(200);
      expect(started.body.output.pendingAction.step).toBe('approve');
      return started.body.run_id as string;
    };
    const [viaRest, viaSignal, viaUpdate, open] = [await begin(), await begin(), await begin(), await begin()];
    stillOpen = open;

    // REST: a refused value, then an approval.
    await resume(stack, viaRest, { input: { resume: { step: 'approve', input: 'maybe' } } }).expect(422);
    expect((await resume(stack, viaRest, { input: { resume: { step: 'approve', input: 'approve' } } }).expect(200)).body.output.status).toBe('completed');

    // Another service signals: a value the run refuses (recorded, not thrown), then an approval.
    const signalled = stack.client.workflow.getHandle(viaSignal);
    await signalled.signal(decideSignal, { step: 'approve', value: 'perhaps', by: 'release-bot' });
    await signalled.signal(decideSignal, { step: 'approve', value: 'approve', by: 'release-bot' });
    await stack.client.withDeadline(Date.now() + 20_000, () => signalled.result());

    // Another service updates: a rejection without the comment the rule asks for, refused by the
    // validator; the same over REST, refused alike; then with a comment, which ends the run as failed.
    const updated = stack.client.workflow.getHandle(viaUpdate);
    await expect(updated.executeUpdate(decideUpdate, { args: [{ step: 'approve', value: 'reject', by: 'release-bot' }] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    const refused = await resume(stack, viaUpdate, { input: { resume: { step: 'approve', input: 'reject' } } }).expect(422);
    expect(refused.body.error.details.rule).toBe('reject_requires_comment');
    await updated.executeUpdate(decideUpdate, { args: [{ step: 'approve', value: 'reject', by: 'release-bot', comment: 'not this week', wait_ms: 10_000 }] });
    await expect(stack.client.withDeadline(Date.now() + 20_000, () => updated.result())).rejects.toThrow();

    await request(stack.app).get('/no/such/route').expect(404);

    const workflow = { taskQueue: stack.taskQueue, workflow: 'metrics-gate' };
    const expected = {
      runsStarted: 4,
      completed: 2,
      failed: 1,
      opened: 4,
      closed: 3,
      decidedByRest: 1,
      decidedBySignal: 1,
      decidedByUpdate: 1,
      refusedValue: 2,
      refusedNoComment: 2,
      timedDecisions: 3,
      delivered: 2,
      unreachable: 2,
      open: 1,
      workerUp: 1,
    };
    // The worker records after each workflow task and visibility catches up: wait for the totals.
    const samples = await eventually(async () => {
      const s = await scrape();
      expect({
        runsStarted: valueOf(s, 'holdpoint_runs_started_total', workflow),
        completed: valueOf(s, 'holdpoint_runs_ended_total', { ...workflow, status: 'completed' }),
        failed: valueOf(s, 'holdpoint_runs_ended_total', { ...workflow, status: 'failed' }),
        opened: valueOf(s, 'holdpoint_pauses_opened_total', { ...workflow, step: 'approve' }),
        closed: valueOf(s, 'holdpoint_pauses_closed_total', { ...workflow, step: 'approve', outcome: 'decided' }),
        decidedByRest: valueOf(s, 'holdpoint_decisions_total', { ...workflow, channel: 'rest' }),
        decidedBySignal: valueOf(s, 'holdpoint_decisions_total', { ...workflow, channel: 'signal' }),
        decidedByUpdate: valueOf(s, 'holdpoint_decisions_total', { ...workflow, channel: 'update' }),
        refusedValue: valueOf(s, 'holdpoint_refusals_total', { ...workflow, rule: 'invalid_decision' }),
        refusedNoComment: valueOf(s, 'holdpoint_refusals_total', { ...workflow, rule: 'reject_requires_comment' }),
        timedDecisions: valueOf(s, 'holdpoint_time_to_decision_seconds_count', { ...workflow, step: 'approve' }),
        delivered: valueOf(s, 'holdpoint_webhook_deliveries_total', { taskQueue: stack.taskQueue, outcome: 'delivered' }),
        unreachable: valueOf(s, 'holdpoint_webhook_deliveries_total', { taskQueue: stack.taskQueue, outcome: 'unreachable' }),
        open: valueOf(s, 'holdpoint_pauses_open', { workflow: 'metrics-gate', step: 'approve' }),
        workerUp: valueOf(s, 'holdpoint_worker_metrics_up'),
      }).toEqual(expected);
      return s;
    }, 30_000);

    // Nothing else was counted for these runs: no other outcome, channel or rule.
    expect(valueOf(samples, 'holdpoint_pauses_closed_total', workflow)).toBe(3);
    expect(valueOf(samples, 'holdpoint_decisions_total', workflow)).toBe(3);
    expect(valueOf(samples, 'holdpoint_refusals_total', workflow)).toBe(4);
    expect(valueOf(samples, 'holdpoint_webhook_deliveries_total', { taskQueue: stack.taskQueue })).toBe(4);
    expect(valueOf(samples, 'holdpoint_time_to_decision_seconds_bucket', { ...workflow, step: 'approve', le: '+Inf' })).toBe(3);

    // The gateway: decisions as it passed them on, and requests by declared route and status.
    expect(valueOf(samples, 'holdpoint_gateway_decisions_total', { channel: 'rest', outcome: 'accepted' })).toBe(1);
    expect(valueOf(samples, 'holdpoint_gateway_decisions_total', { channel: 'rest', outcome: 'invalid_decision' })).toBe(2);
    const requests = (route: string, method: string, status: string) =>
      valueOf(samples, 'holdpoint_http_request_duration_seconds_count', { route, method, status });
    expect(requests('/v1/agents/:name/workflow', 'POST', '200')).toBe(4);
    expect(requests('/v1/workflow-runs/:runId/resume', 'POST', '200')).toBe(1);
    expect(requests('/v1/workflow-runs/:runId/resume', 'POST', '422')).toBe(2);
    expect(requests('/v1/webhooks', 'POST', '201')).toBe(2);
    expect(requests('unmatched', 'GET', '404')).toBe(1);
    // Raw URLs (run ids) never become labels.
    expect(samples.some((s) => Object.values(s.labels).some((v) => v.includes('wfr_')))).toBe(false);

    // The worker's Temporal SDK metrics come along in the same scrape.
    expect(samples.some((s) => s.name.startsWith('temporal_') && Object.values(s.labels).includes(stack.taskQueue))).toBe(true);
    // And the gateway process' own.
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts nothing twice when a new worker replays a run', async () => {
    // The new worker starts before the old one stops (the runtime and its exporter live on), and it
    // has no run cached: deciding the open run makes it replay that run's history first.
    const replays = (s: Sample[]) => valueOf(s, 'temporal_workflow_task_replay_latency_count', { task_queue: stack.taskQueue, workflow_type: 'holdpointRun' });
    const replayedBefore = replays(await scrape());
    const old = stack.worker;
    stack.worker = await stack.startWorker();
    await old.stop();
    const done = await resume(stack, stillOpen, { input: { resume: { step: 'approve', input: 'approve' } } }).expect(200);
    expect(done.body.output.status).toBe('completed');

    const workflow = { taskQueue: stack.taskQueue, workflow: 'metrics-gate' };
    await eventually(async () => {
      const s = await scrape();
      expect({
        runsStarted: valueOf(s, 'holdpoint_runs_started_total', workflow),
        completed: valueOf(s, 'holdpoint_runs_ended_total', { ...workflow, status: 'completed' }),
        opened: valueOf(s, 'holdpoint_pauses_opened_total', workflow),
        closed: valueOf(s, 'holdpoint_pauses_closed_total', workflow),
        decidedByRest: valueOf(s, 'holdpoint_decisions_total', { ...workflow, channel: 'rest' }),
        timedDecisions: valueOf(s, 'holdpoint_time_to_decision_seconds_count', workflow),
        delivered: valueOf(s, 'holdpoint_webhook_deliveries_total', { taskQueue: stack.taskQueue, outcome: 'delivered' }),
        open: valueOf(s, 'holdpoint_pauses_open', { workflow: 'metrics-gate' }),
        replayed: replays(s) > replayedBefore,
      }).toEqual({ runsStarted: 4, completed: 3, opened: 4, closed: 4, decidedByRest: 2, timedDecisions: 4, delivered: 3, open: 0, replayed: true });
    }, 30_000);
  });

  it('puts a request id on every line of a request, echoes it, and never logs a key', async () => {
    const runId = (await start(stack, 'metrics-gate', { input: { task: 'log me' } }).expect(200)).body.run_id as string;
    const seen = lines.length;

    const read = await stack.http('viewer').get(`/v1/workflow-runs/${runId}`).set('X-Request-Id', 'metrics-read-1').expect(200);
    expect(read.headers['x-request-id']).toBe('metrics-read-1');
    const bad = await resume(stack, runId, { input: { resume: { step: 'approve', input: 'maybe' } } }).set('X-Request-Id', 'metrics-refused-1').expect(422);
    expect(bad.headers['x-request-id']).toBe('metrics-refused-1');
    // An id that is not a plain token is replaced with a fresh one.
    const odd = await request(stack.app).get('/healthz').set('X-Request-Id', 'not a "sane" id').expect(200);
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const fresh = await request(stack.app).get('/v1/workflows').set('Authorization', `Bearer ${keyOf('admin')}`).expect(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);

    const mine = lines.slice(seen);
    const ofRead = mine.filter((l) => l.requestId === 'metrics-read-1');
    expect(ofRead).toEqual([expect.objectContaining({ msg: 'request', method: 'GET', path: `/v1/workflow-runs/${runId}`, route: '/v1/workflow-runs/:runId', status: 200, principal: 'viewer' })]);
    // The refused decision: the handler's own line (the error boundary logs through req.log) and the request's.
    const ofRefused = mine.filter((l) => l.requestId === 'metrics-refused-1');
    expect(ofRefused.map((l) => l.msg)).toEqual(['request refused', 'request']);
    expect(ofRefused[0]).toMatchObject({ type: 'invalid_decision', status: 422, principal: 'alice' });
    // Every line logged while a request ran carries its id.
    expect(mine.filter((l) => l.msg === 'request' || l.msg === 'request refused').every((l) => typeof l.requestId === 'string')).toBe(true);
    expect(mine.some((l) => l.requestId === fresh.headers['x-request-id'])).toBe(true);
    const text = JSON.stringify(mine);
    expect(text).not.toContain(keyOf('admin'));
    expect(text).not.toContain(keyOf('alice'));
    expect(text).not.toContain(keyOf('viewer'));
  });
});
