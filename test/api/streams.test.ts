import type { RunEvent } from '../../src/contracts/events';
import { dataOf, openSse, type SseFrame } from '../harness/sse';
import { eventually, keyOf, resume, start, startStack, type TestStack } from '../harness/stack';

const body = { input: { task: 'Route this lead', state: { leadId: 'lead-stream' } } };

// A run is live: its events arrive as they happen, and a subscriber that drops picks up where it left.
describe('live events of a run over SSE', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ heartbeatMs: 300 });
  });
  afterAll(() => stack.stop());

  const auth = (who: Parameters<typeof keyOf>[0] = 'admin') => ({ 'x-api-key': keyOf(who) });
  const seqs = (frames: SseFrame[]) => frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));

  it('streams a run from its first event, pauses, and ends after its terminal event', async () => {
    const started = await start(stack, 'lead-router', body, '?wait=0').expect(200);
    const runId = started.body.run_id as string;
    const sse = await openSse(`${stack.url}/v1/workflow-runs/${runId}/events`, auth());
    expect(sse.status).toBe(200);
    expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const upToPause = await sse.collect((f) => f.event === 'paused');
    expect(upToPause.map((f) => f.event)).toEqual(['run_started', 'step_started', 'step_completed', 'paused']);
    const paused = dataOf<RunEvent & { run_id: string; workflow: string }>(upToPause.at(-1));
    expect(paused).toMatchObject({ type: 'paused', step: 'approval', run_id: runId, workflow: 'lead-router' });
    expect(Number(upToPause.at(-1)!.id)).toBe(paused.seq);

    await resume(stack, runId, { input: { resume: { step: 'approval', input: 'approve' } } }, '?wait=0').expect(200);
    const rest = await sse.collect(() => false, 15_000);
    expect(rest.at(-1)!.event).toBe('run_completed');
    expect(sse.ended).toBe(true);

    // The stream holds exactly the run's event log, each event once and in order.
    const log = await stack.http().get(`/v1/workflow-runs/${runId}/events?after=0&limit=1000`).expect(200);
    expect([...seqs(upToPause), ...seqs(rest)]).toEqual(log.body.data.map((e: RunEvent) => e.seq));
  });

  it('resumes exactly after Last-Event-ID across many reconnects: nothing lost, nothing repeated', async () => {
    const started = await start(stack, 'lead-router', body).expect(200);
    const runId = started.body.run_id as string;
    const seen: number[] = [];
    let last = 0;
    let decided = false;
    for (let reconnects = 0; reconnects < 30; reconnects++) {
      const sse = await openSse(`${stack.url}/v1/workflow-runs/${runId}/events`, { ...auth(), 'last-event-id': String(last) });
      // Read one or two events, then drop the connection, as a flaky network would.
      const frame = await sse.next();
      if (!frame) break;
      seen.push(Number(frame.id));
      last = Number(frame.id);
      if (frame.event === 'run_completed') break;
      if (reconnects % 2 === 0) {
        const another = await sse.next(2_000).catch(() => undefined);
        if (another) {
          seen.push(Number(another.id));
          last = Number(another.id);
          if (another.event === 'run_completed') break;
        }
      }
      sse.close();
      if (!decided && frame.event === 'paused') {
        decided = true;
        await resume(stack, runId, { input: { resume: { step: 'approval', input: 'approve' } } }, '?wait=0').expect(200);
      }
    }
    const log = await stack.http().get(`/v1/workflow-runs/${runId}/events?after=0&limit=1000`).expect(200);
    expect(seen).toEqual(log.body.data.map((e: RunEvent) => e.seq));
    expect(log.body.data.at(-1).type).toBe('run_completed');
  });

  it('takes ?after= too, sends keep-alive comments while idle, and many subscribers share one watcher', async () => {
    const started = await start(stack, 'lead-router', body).expect(200);
    const runId = started.body.run_id as string;
    const watchersBefore = stack.core.feed.stats().watchers;
    const subscribers = await Promise.all(Array.from({ length: 5 }, () => openSse(`${stack.url}/v1/workflow-runs/${runId}/events?after=3`, auth('viewer'))));
    for (const sse of subscribers) expect(dataOf<RunEvent>(await sse.next())).toMatchObject({ seq: 4, type: 'paused' });
    // Five subscribers of one run: one watcher more, not five.
    expect(stack.core.feed.stats().subscribers).toBeGreaterThanOrEqual(5);
    expect(stack.core.feed.stats().watchers - watchersBefore).toBeLessThanOrEqual(1);
    // Idle: a heartbeat comment arrives within a few intervals.
    await eventually(async () => expect(subscribers[0]!.comments.some((c) => c.startsWith('keep-alive'))).toBe(true), 5_000);
    await resume(stack, runId, { input: { approved: true } }, '?wait=0').expect(200);
    for (const sse of subscribers) {
      const frames = await sse.collect((f) => f.event === 'run_completed');
      expect(frames.at(-1)!.event).toBe('run_completed');
    }
  });

  it('answers JSON errors before streaming: unknown run 404, bad Last-Event-ID 400, no key 401', async () => {
    const missing = await fetch(`${stack.url}/v1/workflow-runs/wfr_NOPE/events`, { headers: { accept: 'text/event-stream', ...auth() } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe('not_found');
    const started = await start(stack, 'lead-router', body).expect(200);
    const bad = await fetch(`${stack.url}/v1/workflow-runs/${started.body.run_id}/events`, { headers: { accept: 'text/event-stream', 'last-event-id': 'yesterday', ...auth() } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string; message: string; details: Record<string, unknown> } }).error.details.field).toBe('headers');
    const anonymous = await fetch(`${stack.url}/v1/workflow-runs/${started.body.run_id}/events`, { headers: { accept: 'text/event-stream' } });
    expect(anonymous.status).toBe(401);
  });

  it('streams a start with stream: true in Reminix frames until the run pauses, and a resume until it ends', async () => {
    const sse = await openSse(`${stack.url}/v1/agents/lead-router/workflow`, auth('ops'), { method: 'POST', body: { ...body, stream: true } });
    expect(sse.status).toBe(200);
    const runId = sse.headers.get('x-run-id')!;
    expect(runId).toMatch(/^wfr_/);
    const frames = await sse.collect(() => false);
    expect(frames.map((f) => f.event)).toEqual(['step', 'step', 'step', 'done']);
    expect(dataOf(frames[1])).toMatchObject({ type: 'step', name: 'classify', status: 'completed', output: { category: 'enterprise' } });
    expect(dataOf(frames[2])).toMatchObject({ type: 'step', name: 'approval', status: 'paused', pendingAction: { step: 'approval', options: ['approve', 'reject', 'escalate'] } });
    expect(dataOf(frames[3])).toMatchObject({ type: 'done', run_id: runId, status: 'paused', output: { status: 'paused', pendingAction: { step: 'approval' } } });

    const resumed = await openSse(`${stack.url}/v1/workflow-runs/${runId}/resume`, auth('alice'), {
      method: 'POST',
      body: { input: { resume: { step: 'approval', input: 'approve' } }, stream: true },
    });
    const after = await resumed.collect(() => false);
    expect(after.at(-1)!.event).toBe('done');
    expect(dataOf(after.at(-1))).toMatchObject({ type: 'done', status: 'completed', output: { status: 'completed', result: { decision: 'approve' } } });
    expect(after.filter((f) => f.event === 'step').map((f) => dataOf(f).name)).toEqual(expect.arrayContaining(['route', 'assign']));
  });
});
