import { randomUUID } from 'node:crypto';
import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, eventually, start, startStack, type TestStack, type Who } from '../harness/stack';

type Item = { request_id: string; workflow: string; status: string; you_may_decide: boolean; [k: string]: unknown };

// The approvals inbox across many runs: filters, paging, states, and no query per run.
describe('approvals inbox', () => {
  let stack: TestStack;
  const customer = `inbox-${randomUUID().slice(0, 8)}`;
  const requests: Record<'finance' | 'sales' | 'open', string[]> = { finance: [], sales: [], open: [] };

  beforeAll(async () => {
    const gate = (assignees: string[] | undefined, timeout?: string, onTimeout?: string) => ({
      name: 'gate',
      type: 'confirmation' as const,
      message: 'Refund {{ state.amount }} EUR to {{ state.who }}?',
      context: '{ "amount": state.amount, "who": state.who }',
      ...(assignees ? { assignees } : {}),
      ...(timeout ? { timeout } : {}),
      ...(onTimeout ? { on_timeout: onTimeout } : {}),
    });
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('inbox-finance', [gate(['group:finance'], '1h'), echo('after')]),
        definition('inbox-sales', [gate(['group:sales-ops'], '2h'), echo('after')]),
        definition('inbox-open', [gate(undefined), echo('after')]),
        definition('inbox-short', [gate(['carol'], '1s', 'skip'), echo('after')]),
      ],
    });
    const counts = { finance: 12, sales: 8, open: 4 } as const;
    for (const [kind, n] of Object.entries(counts)) {
      const started = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          start(stack, `inbox-${kind}`, { input: { task: `refund ${kind} ${i}`, state: { amount: 10 * (i + 1), who: `customer-${i}` } }, customer }).expect(200),
        ),
      );
      requests[kind as keyof typeof counts] = started.map((r) => r.body.output.pendingAction.request_id);
    }
  });
  afterAll(() => stack.stop());

  const list = async (query: string, who: Who = 'alice') => {
    const res = await stack.http(who).get(`/v1/approvals?customer=${customer}&${query}`).expect(200);
    return res.body as { data: Item[]; next_cursor: string | null; has_more: boolean };
  };
  /** Visibility is eventually consistent: wait (with a deadline) until the listing shows `n` items. */
  const listed = (query: string, n: number, who: Who = 'alice') =>
    eventually(async () => {
      const page = await list(query, who);
      expect(page.data).toHaveLength(n);
      return page.data;
    });

  it('lists every pending request with what an approver needs to decide it', async () => {
    const items = await listed('limit=100', 24);
    const item = items.find((i) => i.request_id === requests.finance[2])!;
    expect(item).toMatchObject({
      workflow: 'inbox-finance',
      step: 'gate',
      type: 'confirmation',
      status: 'pending',
      message: 'Refund 30 EUR to customer-2?',
      options: ['approve', 'reject'],
      context: { amount: 30, who: 'customer-2' },
      timeout_at: expect.any(String),
      digest: expect.stringMatching(/^sha256:/),
      who_may_decide: { assignees: ['group:finance'], approvals_required: 1, allow_self_approval: false, started_by: 'ops' },
      you_may_decide: true,
      you_may_approve: true,
      run: { status: 'paused', task: 'refund finance 2', state: { amount: 30, who: 'customer-2' }, started_by: 'ops', customer },
    });
  });

  it('filters by assignee (mine, a group, a principal) and by workflow', async () => {
    expect(await listed('assignee=mine&limit=100', 24, 'bob')).toHaveLength(24); // finance + sales-ops + unassigned
    expect(await listed('assignee=mine&limit=100', 4, 'carol')).toHaveLength(4); // only the unassigned ones
    const mineForViewer = await listed('assignee=mine&limit=100', 4, 'viewer');
    expect(mineForViewer.every((i) => i.you_may_decide === false)).toBe(true); // viewers may look, not decide
    expect((await listed('assignee=group:finance&limit=100', 12)).every((i) => i.workflow === 'inbox-finance')).toBe(true);
    await listed('assignee=group:nobody&limit=100', 0);
    expect((await listed('workflow=inbox-sales&limit=100', 8)).every((i) => i.workflow === 'inbox-sales')).toBe(true);
    const forCarol = await listed('workflow=inbox-finance&limit=100', 12, 'carol');
    expect(forCarol.every((i) => !i.you_may_decide)).toBe(true);
  });

  it('filters by creation and timeout ranges', async () => {
    const inNinetyMinutes = new Date(Date.now() + 90 * 60_000).toISOString();
    const dueSoon = await listed(`timeout_before=${inNinetyMinutes}&limit=100`, 12);
    expect(dueSoon.every((i) => i.workflow === 'inbox-finance')).toBe(true);
    await listed(`timeout_after=${inNinetyMinutes}&limit=100`, 8);
    await listed(`created_after=${new Date(Date.now() + 86_400_000).toISOString()}`, 0);
    await listed(`created_before=${new Date(Date.now() + 60_000).toISOString()}&limit=100`, 24);
    const bad = await stack.http('alice').get('/v1/approvals?created_after=yesterday').expect(400);
    expect(bad.body.error.details.field).toBe('query.created_after');
  });

  it('pages with a cursor, one visibility call per page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(5);
      seen.push(...page.data.map((i) => i.request_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(24);
    expect(seen).toHaveLength(24);
  });

  it('shows decided and expired requests when asked', async () => {
    for (const requestId of requests.finance.slice(0, 3)) {
      await stack.http('bob').post(`/v1/approvals/${requestId}/decision`).send({ value: 'approve', comment: 'ok' }).expect(200);
    }
    const decided = await listed('status=decided&limit=100', 3);
    expect(decided[0]).toMatchObject({ status: 'decided', decision: { by: 'bob', value: 'approve', comment: 'ok' }, you_may_decide: false });
    await listed('status=pending&limit=100', 21);

    const short = await start(stack, 'inbox-short', { input: { task: 'expires', state: { amount: 1, who: 'x' } }, customer }, '?wait=0').expect(200);
    await closed(stack.client, short.body.run_id);
    const expired = await listed('status=expired&limit=100', 1);
    expect(expired[0]).toMatchObject({ workflow: 'inbox-short', status: 'expired', decision: { value: 'skipped', by: 'system' } });
    await listed('status=all&limit=100', 25);
    expect((await listed('status=all&assignee=carol', 1))[0]!.workflow).toBe('inbox-short');
  });

  it('serves a full page without asking any run: it works with no worker at all', async () => {
    await stack.worker.stop();
    try {
      const items = await listed('workflow=inbox-sales&limit=100', 8);
      expect(items[0]).toMatchObject({ message: expect.stringMatching(/^Refund \d+ EUR/), context: { amount: expect.any(Number) } });
    } finally {
      stack.worker = await stack.startWorker();
    }
  });
});
