import { crossCheck } from '../../src/core/audit-verify';
import type { AuditEntry } from '../../src/contracts/run';

const entry = (seq: number, fields: Partial<AuditEntry>): AuditEntry => ({
  seq,
  at: `2026-01-01T00:00:0${seq}.000Z`,
  type: 'decided',
  run_id: 'wfr_x',
  chain: 'run',
  prev_hash: null,
  hash: 'sha256:x',
  ...fields,
});

describe('audit trail against history', () => {
  const trail = [
    entry(1, { type: 'requested', channel: undefined }),
    entry(2, { type: 'voted', by: 'alice', value: 'approve', channel: 'update' }),
    entry(3, { type: 'refused', by: 'erp', value: 'nope', channel: 'signal' }),
    entry(4, { type: 'decided', by: 'bob', value: 'approve', channel: 'update' }),
    entry(5, { type: 'decided', by: 'system', value: 'reject', channel: 'timeout' }),
  ];

  it('accepts a trail that accounts for every decision history received', () => {
    const received = [
      { channel: 'update' as const, by: 'alice', value: 'approve' },
      { channel: 'signal' as const, by: 'erp', value: 'nope' },
      { channel: 'update' as const, by: 'bob', value: 'approve' },
    ];
    expect(crossCheck(trail, received)).toEqual({ ok: true, received: 3, problems: [] });
  });

  it('flags a decision the trail claims but history never received, and one it leaves out', () => {
    const forged = trail.map((e) => (e.seq === 4 ? { ...e, by: 'mallory' } : e));
    const report = crossCheck(forged, [
      { channel: 'update', by: 'alice', value: 'approve' },
      { channel: 'signal', by: 'erp', value: 'nope' },
      { channel: 'update', by: 'bob', value: 'approve' },
    ]);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      'audit entry 4 (decided "approve" by mallory via update) matches no decision in history',
      'history received a update decision "approve" by bob that the audit trail does not record',
    ]);
  });

  it('counts a repeated idempotent decision once', () => {
    const received = [
      { channel: 'update' as const, by: 'alice', value: 'approve', idempotency_key: 'k1' },
      { channel: 'update' as const, by: 'alice', value: 'approve', idempotency_key: 'k1' },
      { channel: 'signal' as const, by: 'erp', value: 'nope' },
      { channel: 'update' as const, by: 'bob', value: 'approve' },
    ];
    expect(crossCheck(trail, received).ok).toBe(true);
  });
});
