import { eventually, resume, start, startStack, type TestStack } from '../harness/stack';

const v1 = {
  name: 'expense-claim',
  title: 'Expense claim',
  input_schema: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
  steps: [
    { name: 'approval', type: 'confirmation', message: 'Pay {{ state.amount }} EUR?', assignees: ['group:finance'] },
    { name: 'pay', type: 'task', handler: 'echo', input: '{ "paid": state.amount, "version": 1 }' },
  ],
};
const v2 = { ...v1, steps: [v1.steps[0], { ...v1.steps[1], input: '{ "paid": state.amount, "version": 2 }' }] };

// Definitions registered at runtime: kept with every version in Temporal; runs pin the version they started with.
describe('definitions registered at runtime', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ handlers: { echo: (input: unknown) => input } });
    // The worker declares its handlers to the hub, which registration checks against.
    await eventually(async () => expect((await stack.worker.holdpoint.subscriptions.current()).handlers).toContain('echo'));
  });
  afterAll(() => stack.stop());

  it('registers versions, answers the same content with its version, and lists and reads them', async () => {
    const first = await stack.http().post('/v1/workflows').send(v1).expect(201);
    expect(first.body).toMatchObject({ name: 'expense-claim', version: 1, created: true, hash: expect.stringMatching(/^sha256:/) });
    const again = await stack.http().post('/v1/workflows').send(v1).expect(200);
    expect(again.body).toMatchObject({ version: 1, created: false, hash: first.body.hash });
    const second = await stack.http().post('/v1/workflows?label=stable').send(v2).expect(201);
    expect(second.body.version).toBe(2);

    // Listings come from visibility, which follows the registration by a moment.
    await eventually(async () => {
      const list = await stack.http('viewer').get('/v1/workflows').expect(200);
      const listed = list.body.data.find((w: { name: string }) => w.name === 'expense-claim');
      expect(listed).toMatchObject({ source: 'registered', revision: 2, revisions: 2, title: 'Expense claim', hash: second.body.hash });
      expect(list.body.data.find((w: { name: string }) => w.name === 'lead-router')).toMatchObject({ source: 'static' });
    });

    const old = await stack.http('viewer').get('/v1/workflows/expense-claim?version=1').expect(200);
    expect(old.body).toMatchObject({ revision: 1, hash: first.body.hash, definition: { steps: [{ name: 'approval' }, { input: '{ "paid": state.amount, "version": 1 }' }] } });
    expect(old.body.revisions.map((r: { version: number; label?: string }) => [r.version, r.label ?? null])).toEqual([[1, null], [2, 'stable']]);
    await stack.http().get('/v1/workflows/expense-claim?version=9').expect(404);
  });

  it('pins each run to its version: a new version or a retirement never touches a running run', async () => {
    const pinned = await start(stack, 'expense-claim', { input: { task: 'Claim', state: { amount: 40 } } }).expect(200);
    const older = await start(stack, 'expense-claim', { input: { task: 'Claim', state: { amount: 10 } }, version: 1 }).expect(200);
    expect((await stack.http().get(`/v1/workflow-runs/${pinned.body.run_id}`).expect(200)).body.definition.revision).toBe(2);

    const v3 = { ...v2, steps: [v2.steps[0], { ...v2.steps[1], input: '{ "paid": state.amount, "version": 3 }' }] };
    await stack.http().post('/v1/workflows').send(v3).expect(201);
    await stack.http().delete('/v1/workflows/expense-claim').expect(200);

    const refused = await start(stack, 'expense-claim', { input: { task: 'Claim', state: { amount: 5 } } }).expect(409);
    expect(refused.body.error.message).toMatch(/retired: no new runs start/);
    await eventually(async () => {
      expect((await stack.http().get('/v1/workflows').expect(200)).body.data.some((w: { name: string }) => w.name === 'expense-claim')).toBe(false);
      expect((await stack.http().get('/v1/workflows?retired=true').expect(200)).body.data.find((w: { name: string }) => w.name === 'expense-claim')).toMatchObject({ retired: true });
    });

    const done = await resume(stack, pinned.body.run_id, { input: { approved: true } }).expect(200);
    expect(done.body.output.result).toEqual({ paid: 40, version: 2 });
    const doneOlder = await resume(stack, older.body.run_id, { input: { approved: true } }).expect(200);
    expect(doneOlder.body.output.result).toEqual({ paid: 10, version: 1 });

    // Registering again brings it back, at the new content.
    const back = await stack.http().post('/v1/workflows').send({ ...v3, title: 'Expense claim (back)' }).expect(201);
    expect(back.body.version).toBe(4);
    const fresh = await start(stack, 'expense-claim', { input: { task: 'Claim', state: { amount: 7 } } }).expect(200);
    expect((await resume(stack, fresh.body.run_id, { input: { approved: true } }).expect(200)).body.output.result).toEqual({ paid: 7, version: 3 });
  });

  it('refuses what it cannot run, naming every problem, and keeps configuration to admins', async () => {
    const bad = await stack
      .http()
      .post('/v1/workflows')
      .send({ name: 'broken', steps: [{ name: 'go', type: 'task', handler: 'notDeclaredAnywhere' }, { name: 'ask', type: 'confirmation', message: 'x', on_timeout: 'maybe' }] })
      .expect(422);
    expect(bad.body.error.type).toBe('invalid_definition');
    expect(bad.body.error.details.problems.map((p: { step: string; field: string }) => `${p.step}.${p.field}`)).toEqual(['go.handler', 'ask.on_timeout']);
    const shape = await stack.http().post('/v1/workflows').send({ name: 'x', steps: 'none' }).expect(422);
    expect(shape.body.error.details.problems[0].field).toBe('steps');
    const shipped = await stack.http().post('/v1/workflows').send({ name: 'lead-router', steps: [{ name: 'a', type: 'task', handler: 'echo' }] }).expect(409);
    expect(shipped.body.error.message).toMatch(/loaded at start-up/);
    const operator = await stack.http('ops').post('/v1/workflows').send(v1).expect(403);
    expect(operator.body.error.details.rule).toBe('roles');
    await stack.http().delete('/v1/workflows/lead-router').expect(409);
    await stack.http().delete('/v1/workflows/never-registered').expect(404);
  });
});
