import { randomUUID } from 'node:crypto';
import { definition, echo, testHandlers } from '../harness/definitions';
import { eventually, resume, start, startStack, type TestStack } from '../harness/stack';

describe('starting, listing and failing runs', () => {
  let stack: TestStack;
  const { handlers, calls } = testHandlers();
  beforeAll(async () => {
    stack = await startStack({
      handlers,
      definitions: [
        definition('flaky', [
          { name: 'flaky', type: 'task', handler: 'failTwice', retry: { initial_interval: '100ms', maximum_attempts: 5 } },
        ]),
        definition('broken', [
          echo('first'),
          { name: 'charge', type: 'task', handler: 'alwaysFail', retry: { initial_interval: '100ms', maximum_attempts: 2 } },
          echo('never'),
        ]),
        definition('declined', [
          { name: 'charge', type: 'task', handler: 'alwaysFail', retry: { non_retryable_errors: ['PaymentDeclined'] } },
        ]),
        definition('bad-expression', [echo('first'), echo('second', '$number("abc") + $notAFunction()')]),
        definition(`listed-${randomUUID().slice(0, 8)}`, [{ name: 'gate', type: 'confirmation', message: 'ok?' }]),
      ],
    });
  });
  afterAll(() => stack.stop());

  it('returns the same run for a retried start with the same Idempotency-Key', async () => {
    const key = randomUUID();
    const body = { input: { task: 'Route this lead', state: { leadId: 'lead-idem' } } };
    const first = await start(stack, 'lead-router', body).set('Idempotency-Key', key).expect(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await start(stack, 'lead-router', body).set('Idempotency-Key', key).expect(200);
    expect(second.body.run_id).toBe(first.body.run_id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.output.pendingAction.request_id).toBe(first.body.output.pendingAction.request_id);

    const other = await start(stack, 'lead-router', { input: { task: 'Another lead', state: { leadId: 'x' } } }).set('Idempotency-Key', key).expect(409);
    expect(other.body.error.type).toBe('idempotency_conflict');

    // Still the same run once it has finished.
    await resume(stack, first.body.run_id, { input: { resume: { step: 'approval', input: 'approve' } } }).expect(200);
    const afterEnd = await start(stack, 'lead-router', body).set('Idempotency-Key', key).expect(200);
    expect(afterEnd.body.run_id).toBe(first.body.run_id);
    expect(afterEnd.body.output.status).toBe('completed');

    const fresh = await start(stack, 'lead-router', body).expect(200);
    expect(fresh.body.run_id).not.toBe(first.body.run_id);
  });

  it('retries a failing task and records its attempts', async () => {
    const res = await start(stack, 'flaky', { input: { task: 't' } }).expect(200);
    expect(res.body.output.status).toBe('completed');
    expect(res.body.output.steps[0]).toMatchObject({ status: 'completed', attempts: 3, output: { succeededOn: 3 } });
  });

  it('fails the run when a task exhausts its retries, naming the step and the error', async () => {
    const res = await start(stack, 'broken', { input: { task: 't' } }).expect(200);
    expect(res.body.output).toMatchObject({ status: 'failed', error_type: 'step_failed', error: 'step "charge" failed: the payment provider said no' });
    expect(res.body.output.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['first', 'completed'],
      ['charge', 'failed'],
    ]);
    expect(res.body.output.steps[1]).toMatchObject({ attempts: 2, error_type: 'PaymentDeclined' });
  });

  it('does not retry an error named non-retryable', async () => {
    const before = calls.alwaysFail ?? 0;
    const res = await start(stack, 'declined', { input: { task: 't' } }).expect(200);
    expect(res.body.output.status).toBe('failed');
    expect(res.body.output.steps[0].attempts).toBe(1);
    expect(calls.alwaysFail).toBe(before + 1);
  });

  it('fails the run with expression_failed when an expression cannot be evaluated', async () => {
    const res = await start(stack, 'bad-expression', { input: { task: 't' } }).expect(200);
    expect(res.body.output.status).toBe('failed');
    expect(res.body.output.error_type).toBe('expression_failed');
    expect(res.body.output.error).toMatch(/^step "second" input expression failed: /);
  });

  it('lists runs from visibility, filtered by workflow and status, page by page', async () => {
    const name = stack.core.catalog.list().find((e) => e.definition.name.startsWith('listed-'))!.definition.name;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await start(stack, name, { input: { task: `run ${i}` } }).expect(200)).body.run_id);
    await resume(stack, ids[0]!, { input: { resume: { step: 'gate', input: 'approve' } } }).expect(200);

    const paused = await eventually(async () => {
      const res = await stack.http().get(`/v1/workflow-runs?workflow=${name}&status=paused`).expect(200);
      expect(res.body.data).toHaveLength(4);
      return res.body;
    });
    expect(paused.data[0]).toMatchObject({ agentName: name, status: 'paused', pendingAction: { step: 'gate', message: 'ok?' } });
    expect(paused.data.map((r: { run_id: string }) => r.run_id).sort()).toEqual(ids.slice(1).sort());

    const completed = await eventually(async () => {
      const res = await stack.http().get(`/v1/workflow-runs?agentName=${name}&status=completed`).expect(200);
      expect(res.body.data).toHaveLength(1);
      return res.body;
    });
    expect(completed.data[0]).toMatchObject({ run_id: ids[0], status: 'completed', pendingAction: null });

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { data: { run_id: string }[]; next_cursor: string | null; has_more: boolean } } = await stack
        .http()
        .get(`/v1/workflow-runs?workflow=${name}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((r: { run_id: string }) => r.run_id));
      cursor = res.body.next_cursor;
      expect(res.body.has_more).toBe(cursor !== null);
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(pages).toBeGreaterThanOrEqual(3);

    const badCursor = await stack.http().get('/v1/workflow-runs?cursor=bm90LWEtY3Vyc29y').expect(400);
    expect(badCursor.body.error.details.field).toBe('cursor');
    const first = await stack.http().get(`/v1/workflow-runs?workflow=${name}&limit=2`).expect(200);
    const otherFilters = await stack.http().get(`/v1/workflow-runs?workflow=${name}&status=paused&cursor=${first.body.next_cursor}`).expect(400);
    expect(otherFilters.body.error.message).toMatch(/other filters/);
    await stack.http().get('/v1/workflow-runs?status=sleeping').expect(400);
    await stack.http().get("/v1/workflow-runs?workflow=x'%20OR%201=1").expect(400);
    await stack.http().get('/v1/workflow-runs?limit=1000').expect(400);
  });

  it('lists the workflows it can start, and shows one in full', async () => {
    const list = await stack.http().get('/v1/workflows').expect(200);
    const names = list.body.data.map((w: { name: string }) => w.name);
    expect(names).toEqual(expect.arrayContaining(['lead-router', 'deploy-approval', 'billing-cancel']));
    const one = await stack.http().get('/v1/workflows/lead-router').expect(200);
    expect(one.body).toMatchObject({ name: 'lead-router', type: 'workflow', steps: [{ name: 'classify' }, { name: 'approval' }, { name: 'route' }] });
    expect(one.body.hash).toMatch(/^sha256:/);
    expect(one.body.definition.steps[1].options).toEqual(['approve', 'reject', 'escalate']);
    await stack.http().get('/v1/workflows/nope').expect(404);
  });
});
