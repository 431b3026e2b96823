import type { BusEvent } from '../../src/contracts/events';
import { dataOf, openSse, type SseConnection, type SseFrame } from '../harness/sse';
import { keyOf, start, startStack, type TestStack, type Who } from '../harness/stack';

// An approver's screen subscribes once and sees what comes to them, from every run, without polling.
describe('the cross-run feed (GET /v1/events)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ heartbeatMs: 500 });
  });
  afterAll(() => stack.stop());

  /** Opens the feed and waits until the worker knows someone listens (runs publish from then on). */
  async function follow(who: Who, query = '', headers: Record<string, string> = {}): Promise<SseConnection> {
    const sse = await openSse(`${stack.url}/v1/events${query}`, { 'x-api-key': keyOf(who), ...headers });
    expect(sse.status).toBe(200);
    const ready = await sse.next();
    expect(ready?.event).toBe('ready');
    await stack.worker.holdpoint.subscriptions.waitFor(dataOf<{ hub_version: number }>(ready).hub_version);
    return sse;
  }

  const lead = { input: { task: 'Route this lead', state: { leadId: 'lead-feed' } } };
  const billing = { input: { task: 'Cancel a subscription', state: { customerId: 'cus_1', subscriptionId: 'sub_1' } } };

  it('shows an approver the pauses assigned to them as they open and close, and nothing else', async () => {
    // bob is in sales-ops (lead-router's approvers), not billing-ops (billing-cancel's).
    const sse = await follow('bob', '?assignee=mine&type=paused,decided');
    const theirs = await start(stack, 'lead-router', lead).expect(200);
    const others = await start(stack, 'billing-cancel', billing).expect(200);
    const opened = await sse.collect((f) => f.event === 'paused' && dataOf<BusEvent>(f).run_id === theirs.body.run_id);
    const events = opened.map((f) => dataOf<BusEvent>(f));
    expect(events.some((e) => e.run_id === others.body.run_id)).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'paused', workflow: 'lead-router', step: 'approval', assignees: ['group:sales-ops'] });

    await stack.http('alice').post(`/v1/approvals/${theirs.body.output.pendingAction.request_id}/decision?wait=0`).send({ value: 'approve' }).expect(200);
    const closed = await sse.collect((f) => f.event === 'decided' && dataOf<BusEvent>(f).run_id === theirs.body.run_id);
    expect(dataOf<BusEvent>(closed.at(-1))).toMatchObject({ type: 'decided', request_id: theirs.body.output.pendingAction.request_id, data: { value: 'approve', by: 'alice' } });
    sse.close();
  });

  it('filters by workflow and event type, and resumes from its cursor without losing or repeating events', async () => {
    const first = await follow('viewer', '?workflow=billing-cancel');
    const a = await start(stack, 'billing-cancel', billing).expect(200);
    await start(stack, 'lead-router', lead).expect(200);
    const upToPause = await first.collect((f) => f.event === 'paused' && dataOf<BusEvent>(f).run_id === a.body.run_id);
    expect(upToPause.every((f) => f.event === 'ready' || dataOf<BusEvent>(f).workflow === 'billing-cancel')).toBe(true);
    const cursor = upToPause.at(-1)!.id!;
    expect(cursor).toMatch(/^\d+\.\d+$/);
    first.close();

    // While nobody reads, the run goes on; the reconnecting reader gets exactly what came after its cursor.
    await stack.http('alice').post(`/v1/approvals/${a.body.output.pendingAction.request_id}/decision?wait=5s`).send({ value: 'reject' }).expect(200);
    const again = await follow('viewer', '?workflow=billing-cancel', { 'last-event-id': cursor });
    const rest = await again.collect((f) => f.event === 'run_completed' && dataOf<BusEvent>(f).run_id === a.body.run_id);
    const mine = rest.map((f) => dataOf<BusEvent>(f)).filter((e) => e.run_id === a.body.run_id);
    expect(mine.map((e) => e.type)).toEqual(['decided', 'run_completed']);
    const seen = new Set(rest.map((f: SseFrame) => f.id));
    expect(seen.size).toBe(rest.length);
    again.close();
  });

  it('refuses a cursor that is not one of its own and filters that are not valid, naming the field', async () => {
    const bad = await fetch(`${stack.url}/v1/events?cursor=nonsense`, { headers: { accept: 'text/event-stream', 'x-api-key': keyOf('viewer') } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string; message: string; details: Record<string, unknown> } }).error).toMatchObject({ type: 'invalid_request', details: { field: 'query.cursor' } });
    const badType = await fetch(`${stack.url}/v1/events?type=exploded`, { headers: { accept: 'text/event-stream', 'x-api-key': keyOf('viewer') } });
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as { error: { message: string } }).error.message).toMatch(/^query\.type/);
  });
});
