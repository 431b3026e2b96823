import { randomUUID } from 'node:crypto';
import { definition, echo, testHandlers } from '../harness/definitions';
import { historyLength, start, startStack, type TestStack, type Who } from '../harness/stack';

// Decisions stay safe when clients retry, race each other, or decide on stale content.
describe('retries, races, digests and bulk decisions', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [definition('gate', [{ name: 'gate', type: 'confirmation', message: 'Approve?', assignees: ['group:finance'] }, echo('after', "'ok'")])],
    });
  });
  afterAll(() => stack.stop());

  const begin = async () => {
    const res = await start(stack, 'gate', { input: { task: 't' } }).expect(200);
    return { runId: res.body.run_id as string, requestId: res.body.output.pendingAction.request_id as string, digest: res.body.output.pendingAction.digest as string };
  };
  const decide = (who: Who, requestId: string, body: object, key?: string) => {
    const req = stack.http(who).post(`/v1/approvals/${requestId}/decision`);
    return (key ? req.set('Idempotency-Key', key) : req).send(body);
  };

  it('answers a repeated decision with the same key with the first outcome, and refuses the key for another decision', async () => {
    const { runId, requestId } = await begin();
    const key = randomUUID();
    const first = await decide('alice', requestId, { value: 'approve', comment: 'fine' }, key).expect(200);
    const length = await historyLength(stack.client, runId);
    const repeat = await decide('alice', requestId, { value: 'approve', comment: 'fine' }, key).expect(200);
    expect(repeat.body.run).toEqual(first.body.run);
    expect(await historyLength(stack.client, runId)).toBe(length);

    const reused = await decide('alice', requestId, { value: 'reject' }, key).expect(409);
    expect(reused.body.error.type).toBe('idempotency_conflict');

    // The key in the body works the same as the header.
    const second = await begin();
    const bodyKey = randomUUID();
    const a = await decide('bob', second.requestId, { value: 'approve', idempotency_key: bodyKey }).expect(200);
    const b = await decide('bob', second.requestId, { value: 'approve', idempotency_key: bodyKey }).expect(200);
    expect(b.body.run.output.status).toBe(a.body.run.output.status);
    expect(a.body.run.output.status).toBe('completed');
  });

  it('lets exactly one of two conflicting decisions win; the other learns who decided and when', async () => {
    for (let round = 0; round < 5; round++) {
      const { runId, requestId } = await begin();
      const [one, two] = await Promise.all([decide('alice', requestId, { value: 'approve' }), decide('bob', requestId, { value: 'reject' })]);
      const statuses = [one.status, two.status].sort();
      expect(statuses).toEqual([200, 409]);
      const winner = one.status === 200 ? one : two;
      const loser = one.status === 200 ? two : one;
      const winnerName = winner === one ? 'alice' : 'bob';
      expect(loser.body.error).toMatchObject({ type: 'already_decided', details: { decided_by: winnerName } });
      expect(loser.body.error.message).toMatch(new RegExp(`^step "gate" was already decided by ${winnerName} at \\d{4}-`));
      const audit = await stack.http('viewer').get(`/v1/workflow-runs/${runId}/audit`).expect(200);
      expect(audit.body.entries.filter((e: { type: string }) => e.type === 'decided')).toHaveLength(1);
      expect(audit.body.entries.filter((e: { type: string }) => e.type === 'refused')).toHaveLength(1);
    }
  });

  it('refuses a decision made on content the pause no longer shows (digest)', async () => {
    const { runId, requestId, digest } = await begin();
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const before = await historyLength(stack.client, runId);
    const stale = await decide('alice', requestId, { value: 'approve', digest: `sha256:${'0'.repeat(64)}` }).expect(409);
    expect(stale.body.error).toMatchObject({ type: 'digest_mismatch', details: { digest } });
    await decide('alice', requestId, { value: 'approve', digest: 'not-a-digest' }).expect(400);
    expect(await historyLength(stack.client, runId)).toBe(before);
    const item = await stack.http('alice').get(`/v1/approvals/${requestId}`).expect(200);
    expect(item.body.digest).toBe(digest);
    await decide('alice', requestId, { value: 'approve', digest }).expect(200);
  });

  it('decides by request id the moment the pause is reported, with no visibility lag', async () => {
    for (let i = 0; i < 3; i++) {
      const { requestId } = await begin();
      const res = await decide('alice', requestId, { value: 'approve' }).expect(200);
      expect(res.body.run.output.status).toBe('completed');
    }
    await decide('alice', 'wfr_NOPE.gate.1', { value: 'approve' }).expect(404);
    await decide('alice', 'garbage', { value: 'approve' }).expect(404);
  });

  it('takes many decisions at once and answers each on its own', async () => {
    const runs = await Promise.all([begin(), begin(), begin(), begin()]);
    const [ok, badValue, , forbidden] = runs;
    const res = await stack
      .http('bob')
      .post('/v1/approvals/decisions')
      .send({
        decisions: [
          { request_id: ok!.requestId, value: 'approve', comment: 'batch' },
          { request_id: badValue!.requestId, value: 'maybe' },
          { request_id: 'wfr_NOPE.gate.1', value: 'approve' },
          { request_id: runs[2]!.requestId, value: 'reject' },
          { request_id: forbidden!.requestId, value: 'approve', digest: `sha256:${'1'.repeat(64)}` },
        ],
      })
      .expect(200);
    expect(res.body).toMatchObject({ succeeded: 2, failed: 3 });
    expect(res.body.results.map((r: { ok: boolean; status: number }) => [r.ok, r.status])).toEqual([
      [true, 200],
      [false, 422],
      [false, 404],
      [true, 200],
      [false, 409],
    ]);
    expect(res.body.results[0]).toMatchObject({ request_id: ok!.requestId, approval: { status: 'decided', decision: { by: 'bob', comment: 'batch' } } });
    expect(res.body.results[1].error.type).toBe('invalid_decision');

    const carol = await stack.http('carol').post('/v1/approvals/decisions').send({ decisions: [{ request_id: badValue!.requestId, value: 'approve' }] }).expect(200);
    expect(carol.body.results[0]).toMatchObject({ ok: false, status: 403, error: { type: 'forbidden' } });
    await stack.http('bob').post('/v1/approvals/decisions').send({ decisions: [] }).expect(400);
    await stack.http('viewer').post('/v1/approvals/decisions').send({ decisions: [{ request_id: badValue!.requestId, value: 'approve' }] }).expect(200);
  });
});
