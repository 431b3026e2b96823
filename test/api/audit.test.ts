import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decideSignal } from '../../src/contracts/messages';
import type { AuditEntry } from '../../src/contracts/run';
import { verifyChain } from '../../src/lib/audit-chain';
import { definition, echo, testHandlers } from '../harness/definitions';
import { eventually, start, startStack, type TestStack } from '../harness/stack';

const run = promisify(execFile);

// Who did what, when: each run's hash-chained trail, its refusal log, and the listing across runs.
describe('audit', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('audited', [
          { name: 'gate', type: 'confirmation', message: 'Approve?', assignees: ['group:finance'], approvals_required: 2 },
          { name: 'second', type: 'confirmation', message: 'And this?' },
          echo('after'),
        ]),
      ],
    });
  });
  afterAll(() => stack.stop());

  async function auditedRun(): Promise<{ runId: string; entries: AuditEntry[] }> {
    const started = await start(stack, 'audited', { input: { task: 'audit me' } }).expect(200);
    const runId: string = started.body.run_id;
    const requestId: string = started.body.output.pendingAction.request_id;
    const decide = (who: 'alice' | 'bob' | 'carol', body: object) => stack.http(who).post(`/v1/approvals/${requestId}/decision`).send(body);
    await decide('carol', { value: 'approve' }).expect(403); // not in finance: refused
    await decide('alice', { value: 'approve', comment: 'looks right' }).expect(200);
    await decide('alice', { value: 'approve' }).expect(409); // votes once: refused
    await stack.client.workflow.getHandle(runId).signal(decideSignal, { step: 'gate', value: 'nope', by: 'erp' }); // refused, by signal
    await decide('bob', { value: 'approve' }).expect(200);
    await stack.http('ops').delete(`/v1/workflow-runs/${runId}`).send({ reason: 'no longer needed' }).expect(200);
    const audit = await eventually(async () => {
      const res = await stack.http('viewer').get(`/v1/workflow-runs/${runId}/audit`).expect(200);
      expect(res.body.entries.filter((e: AuditEntry) => e.type === 'refused')).toHaveLength(3);
      return res.body;
    });
    expect(audit.verification).toMatchObject({ ok: true, problems: [] });
    return { runId, entries: audit.entries };
  }

  it('records requests, votes, decisions, refusals and cancellation, each linked to the one before', async () => {
    const { runId, entries } = await auditedRun();
    const own = entries.filter((e) => e.chain === 'run');
    expect(own.map((e) => e.type)).toEqual(['requested', 'voted', 'refused', 'decided', 'requested', 'cancelled']);
    expect(own.find((e) => e.type === 'voted')).toMatchObject({ by: 'alice', value: 'approve', comment: 'looks right', channel: 'update' });
    expect(own.find((e) => e.type === 'decided')).toMatchObject({ by: 'bob', value: 'approve', channel: 'update', step: 'gate' });
    expect(own.find((e) => e.type === 'refused')).toMatchObject({ by: 'erp', channel: 'signal', value: 'nope', data: { type: 'forbidden' } }); // erp is not in group:finance
    expect(own.at(-1)).toMatchObject({ type: 'cancelled', by: 'ops', comment: 'no longer needed' });
    own.forEach((e, i) => expect(e.prev_hash).toBe(i === 0 ? null : own[i - 1]!.hash));

    const refusals = entries.filter((e) => e.chain === 'refusals');
    expect(refusals.map((e) => [e.by, e.data?.type])).toEqual([
      ['carol', 'forbidden'],
      ['alice', 'already_decided'],
    ]);
    expect(verifyChain(entries).chains.map((c) => [c.chain, c.entries])).toEqual(
      expect.arrayContaining([
        ['run', 6],
        ['refusals', 2],
      ]),
    );
    expect(runId).toMatch(/^wfr_/);
  });

  it('shows any edit, removal or reordering of an entry', async () => {
    const { entries } = await auditedRun();
    const edited = entries.map((e) => (e.type === 'decided' ? { ...e, by: 'mallory' } : e));
    expect(verifyChain(edited)).toMatchObject({ ok: false, problems: [expect.objectContaining({ chain: 'run', problem: expect.stringMatching(/was changed/) })] });
    const removed = entries.filter((e) => !(e.chain === 'run' && e.seq === 2));
    expect(verifyChain(removed).problems.map((p) => p.problem).join(' ')).toMatch(/missing/);
    const resealed = entries.map((e) => (e.type === 'decided' ? { ...e, hash: `sha256:${'0'.repeat(64)}` } : e));
    expect(verifyChain(resealed).ok).toBe(false);
  });

  it('verifies a live run against its history, and an exported trail offline, with the documented command', async () => {
    const { runId, entries } = await auditedRun();
    const env = { ...process.env, TEMPORAL_ADDRESS: stack.address, LOG_FORMAT: 'json' };
    const live = await run('npx', ['tsx', 'bin/verify-audit.ts', runId], { env });
    expect(live.stdout).toContain(`OK: the audit trail of ${runId} is intact and matches its history`);
    expect(live.stdout).toMatch(/history: 3 decisions received/); // alice's and bob's updates, erp's signal

    const file = join(process.env.HOLDPOINT_TEST_DIR!, `${runId}.audit.json`);
    await writeFile(file, JSON.stringify({ run_id: runId, entries }));
    expect((await run('npx', ['tsx', 'bin/verify-audit.ts', '--file', file], { env })).stdout).toContain('OK:');

    const tampered = entries.map((e) => (e.type === 'voted' ? { ...e, value: 'reject' } : e));
    await writeFile(file, JSON.stringify(tampered));
    const failed = await run('npx', ['tsx', 'bin/verify-audit.ts', '--file', file], { env }).catch((err: { code: number; stdout: string }) => err);
    expect(failed).toMatchObject({ code: 1, stdout: expect.stringContaining('BROKEN run #2') }); // the vote
  });

  it('lists audit entries across runs, filtered by type and principal', async () => {
    const { runId } = await auditedRun();
    const decided = await eventually(async () => {
      const res = await stack.http('viewer').get('/v1/audit?workflow=audited&type=decided&by=bob&limit=50').expect(200);
      const mine = res.body.data.filter((e: AuditEntry) => e.run_id === runId);
      expect(mine).toHaveLength(1);
      return res.body.data as AuditEntry[];
    });
    expect(decided.every((e) => e.type === 'decided' && e.by === 'bob')).toBe(true);
    const refused = await stack.http('viewer').get('/v1/audit?workflow=audited&type=refused&limit=50').expect(200);
    expect(refused.body.data.filter((e: AuditEntry) => e.run_id === runId)).toHaveLength(3);
    await stack.http('viewer').get('/v1/audit?type=exploded').expect(400);
    await stack.http('viewer').get('/v1/audit?since=not-a-date').expect(400);
  });
});
