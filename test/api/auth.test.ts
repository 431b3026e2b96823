import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../api/app';
import { ApiKeyRing, parseApiKeys } from '../../src/auth/api-keys';
import type { ApiKeyEntry } from '../../src/contracts/principal';
import { historyLength, keyOf, start, startStack, type TestStack } from '../harness/stack';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const body = { input: { task: 'Route this lead', state: { leadId: 'lead-1' } } };

// Every route but health needs a key; each role may do its own kind of work.
describe('API keys and roles', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('answers 401 with a reason when the key is missing or wrong, and takes X-API-Key or a Bearer token', async () => {
    const anonymous = request(stack.app);
    const missing = await anonymous.get('/v1/workflows').expect(401);
    expect(missing.body.error).toMatchObject({ type: 'unauthenticated', message: expect.stringContaining('X-API-Key') });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await anonymous.get('/v1/workflows').set('X-API-Key', 'not-a-key-at-all-really').expect(401);
    expect(wrong.body.error.message).toBe('the API key is not valid');
    await anonymous.get('/v1/workflows').set('Authorization', `Bearer ${keyOf('viewer')}`).expect(200);
    await anonymous.get('/v1/workflows').set('X-API-Key', keyOf('viewer')).expect(200);
    await anonymous.get('/v1/workflows').set('Authorization', `Basic ${keyOf('viewer')}`).expect(401);
    await anonymous.get('/healthz').expect(200);
    await anonymous.get('/readyz').expect(200);
    // The GL AIP face answers in its own shape.
    const aip = await anonymous.get('/agents/hitl/pending').expect(401);
    expect(aip.body).toEqual({ error: expect.stringContaining('X-API-Key'), message: aip.body.error });
  });

  it('lets each role do its own work and answers 403 naming the roles otherwise', async () => {
    const viewerStart = await start(stack, 'lead-router', body, '', 'viewer').expect(403);
    expect(viewerStart.body.error).toMatchObject({ type: 'forbidden', message: 'viewer (roles: viewer) may not start runs: that needs the admin or operator role' });
    await start(stack, 'lead-router', body, '', 'alice').expect(403);

    const started = await start(stack, 'lead-router', body, '', 'ops').expect(200);
    const runId = started.body.run_id;
    await stack.http('viewer').get(`/v1/workflow-runs/${runId}`).expect(200);
    await stack.http('viewer').get('/v1/approvals').expect(200);

    const before = await historyLength(stack.client, runId);
    const resumeAs = (who: 'viewer' | 'ops') =>
      stack.http(who).post(`/v1/workflow-runs/${runId}/resume`).send({ input: { resume: { step: 'approval', input: 'approve' } } });
    expect((await resumeAs('viewer')).body.error.message).toBe('viewer (roles: viewer) may not decide: that needs the admin or approver role');
    expect((await resumeAs('ops')).status).toBe(403);
    const alicesCancel = await stack.http('alice').delete(`/v1/workflow-runs/${runId}`).expect(403);
    expect(alicesCancel.body.error.message).toMatch(/may not cancel runs/);
    expect(await historyLength(stack.client, runId)).toBe(before);

    // The refused attempts are in the run's audit trail (its refusal log), not in its history.
    const audit = await stack.http('viewer').get(`/v1/workflow-runs/${runId}/audit`).expect(200);
    const refused = audit.body.entries.filter((e: { type: string }) => e.type === 'refused');
    expect(refused.map((e: { by: string }) => e.by).sort()).toEqual(['ops', 'viewer']);
    expect(refused[0]).toMatchObject({ chain: 'refusals', channel: 'rest', data: { type: 'forbidden' } });

    const run = await stack.http('ops').get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(run.body.started_by).toBe('ops');
  });

  it('records the authenticated principal on decisions and takes no "by" from the body', async () => {
    const started = await start(stack, 'lead-router', body).expect(200);
    const forged = await stack
      .http('alice')
      .post(`/v1/approvals/${started.body.output.pendingAction.request_id}/decision`)
      .send({ value: 'approve', by: 'ceo' })
      .expect(400);
    expect(forged.body.error.message).toMatch(/"by"|by/);
    const decided = await stack.http('alice').post(`/v1/workflow-runs/${started.body.run_id}/resume`).send({ input: { resume: { step: 'approval', input: 'approve' } } }).expect(200);
    expect(decided.body.output.steps.find((s: { name: string }) => s.name === 'approval').decision).toMatchObject({ by: 'alice', channel: 'update' });
  });

  it('never writes a key to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const logger = pino({ level: 'trace' }, sink);
    const app = createApp({ core: stack.core, keys: new ApiKeyRing(parseApiKeys(JSON.stringify([{ key: keyOf('viewer'), principal: 'viewer', roles: ['viewer'] }]))), logger });
    await request(app).get('/v1/workflows').set('X-API-Key', keyOf('viewer')).expect(200);
    await request(app).get('/v1/workflows').set('Authorization', 'Bearer secret-that-is-wrong-123').expect(401);
    await request(app).post('/v1/agents/lead-router/workflow').set('X-API-Key', keyOf('viewer')).send(body).expect(403);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const log = lines.join('');
    expect(log).not.toContain(keyOf('viewer'));
    expect(log).not.toContain('secret-that-is-wrong-123');
    expect(log).toContain('"principal":"viewer"');
  });
});

describe('HOLDPOINT_API_KEYS', () => {
  const entry: ApiKeyEntry = { key: 'k'.repeat(20), principal: 'alice', roles: ['approver'], groups: ['finance'] };

  it('reads inline JSON, a JSON file and a YAML file', async () => {
    expect(parseApiKeys(JSON.stringify([entry]))).toEqual([entry]);
    const dir = await mkdtemp(join(tmpdir(), 'keys-'));
    await writeFile(join(dir, 'keys.json'), JSON.stringify({ keys: [entry] }));
    await writeFile(join(dir, 'keys.yaml'), `- key: ${'y'.repeat(20)}\n  principal: bob\n  roles: [viewer]\n`);
    expect(parseApiKeys(join(dir, 'keys.json'))[0]!.principal).toBe('alice');
    expect(parseApiKeys(join(dir, 'keys.yaml'))[0]).toEqual({ key: 'y'.repeat(20), principal: 'bob', roles: ['viewer'], groups: [] });
  });

  it('names what is wrong without echoing any key', () => {
    const secret = 'short-secret';
    const bad = () => parseApiKeys(JSON.stringify([{ ...entry, key: secret, roles: ['wizard'] }]));
    expect(bad).toThrow(/HOLDPOINT_API_KEYS is invalid: 0\.key: must be at least 16 characters; 0\.roles\.0: /);
    expect(() => bad()).not.toThrow(new RegExp(secret));
    expect(() => parseApiKeys('/no/such/file.yaml')).toThrow(/no such file/);
    expect(() => new ApiKeyRing([entry, { ...entry, principal: 'bob' }])).toThrow(/also given to another entry/);
  });

  it('compares keys and finds their principal', () => {
    const ring = new ApiKeyRing(parseApiKeys(JSON.stringify([entry, { ...entry, key: 'z'.repeat(20), principal: 'zed' }])));
    expect(ring.authenticate('z'.repeat(20))?.id).toBe('zed');
    expect(ring.authenticate('k'.repeat(20))).toMatchObject({ id: 'alice', roles: ['approver'], groups: ['finance'] });
    expect(ring.authenticate('k'.repeat(19))).toBeUndefined();
  });
});
