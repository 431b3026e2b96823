import { RunMemo } from '../../src/contracts/memo';
import { fittedMemo } from '../../src/workflows/visibility';
import { confirm, newRun, openPause } from './run-fixture';

/** The run's memo: what fits Temporal's 2 KiB warning, and never what it refuses (32 KiB). */

const bytes = (json: string) => Buffer.byteLength(json, 'utf8');
const big = (n: number) => ({ blob: 'x'.repeat(n) });

describe("the run's memo", () => {
  it('carries a small pause in full', () => {
    const step = confirm('approve');
    const run = newRun([step], { state: { amount: 12 } });
    openPause(run, step, { context: { customer: 'ACME' } });
    const { memo, json } = fittedMemo(run);
    expect(RunMemo.omit({ updated_at: true }).parse(memo)).toEqual(memo);
    expect(memo.state).toEqual({ amount: 12 });
    expect(memo.pauses[0]).toMatchObject({ step: 'approve', context: { customer: 'ACME' }, message: 'Confirm approve?', status: 'pending' });
    expect(bytes(json)).toBeLessThan(1_900);
  });

  it('cuts large values further, then drops settled pauses, until it fits the warning size', () => {
    const steps = ['one', 'two', 'three', 'four'].map((name) => confirm(name));
    const run = newRun(steps, { state: big(350) });
    for (const step of steps.slice(0, 3)) {
      const { pause } = openPause(run, step, { context: big(900), message: `Please look at ${step.name}: ${'details '.repeat(40)}` });
      pause.status = 'decided';
      pause.decision = { value: big(800), by: 'ana', at: '2026-01-01T00:02:00.000Z', channel: 'update' };
    }
    openPause(run, steps[3]!, { context: big(900) });

    const { memo, json } = fittedMemo(run);
    expect(bytes(json)).toBeLessThanOrEqual(1_900);
    // The pending pause is always there, its large context a marker with its size.
    const pending = memo.pauses.filter((p) => p.status === 'pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]!.context).toEqual({ _truncated: true, _bytes: JSON.stringify(big(900)).length });
    expect(memo.state).toEqual({ _truncated: true, _bytes: JSON.stringify(big(350)).length });
    expect(memo.pauses.length).toBeLessThan(4);
  });

  it('counts bytes, not characters', () => {
    const step = confirm('approve');
    const run = newRun([step]);
    // 700 characters, 2,100 bytes in UTF-8.
    openPause(run, step, { message: '€'.repeat(700) });
    const { memo, json } = fittedMemo(run);
    expect(bytes(json)).toBeLessThanOrEqual(1_900);
    expect(memo.pauses[0]!.message.length).toBeLessThan(700);
    expect(memo.pauses[0]!.message.endsWith('…')).toBe(true);
  });

  it('keeps many pending pauses compact, and counts those left out, far below what Temporal refuses', () => {
    const steps = Array.from({ length: 150 }, (_, i) => confirm(`review-${i}`, { assignees: [`user:reviewer-${i}`] }));
    const run = newRun(steps);
    for (const step of steps) openPause(run, step, { message: `Review item ${step.name}: ${'long text '.repeat(30)}`, context: big(500) });
    const { memo, json } = fittedMemo(run);
    expect(bytes(json)).toBeLessThanOrEqual(24 * 1_024);
    expect(RunMemo.omit({ updated_at: true }).parse(memo)).toEqual(memo);
    // Every pause is either in the memo (in order, with whom it waits for) or counted as left out.
    expect(memo.pauses.length).toBeGreaterThan(40);
    expect(memo.pauses.length + memo.pauses_omitted!).toBe(150);
    expect(memo.pauses.map((p) => p.assignees)).toEqual(steps.slice(0, memo.pauses.length).map((_, i) => [`user:reviewer-${i}`]));
  });

  it('holds some dozens of pending pauses without leaving any out', () => {
    const steps = Array.from({ length: 30 }, (_, i) => confirm(`tool-${i}`));
    const run = newRun(steps);
    for (const step of steps) openPause(run, step, { context: big(900) });
    const { memo } = fittedMemo(run);
    expect(memo.pauses).toHaveLength(30);
    expect(memo.pauses_omitted).toBeUndefined();
  });
});
