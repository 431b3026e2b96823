import { ApplicationFailure } from '@temporalio/common';
import type { PauseStep } from '../../src/contracts/definition';
import { ErrorType } from '../../src/contracts/errors';
import type { Pause } from '../../src/contracts/run';
import { RUN_BEHAVIOR } from '../../src/contracts/temporal';
import { crossCheck, type ReceivedDecision } from '../../src/core/audit-verify';
import { checkDecision, MAX_REVIEW_EDITS } from '../../src/workflows/decisions';
import { applyOutcome, reviewDigest, timeOut } from '../../src/workflows/pauses';
import type { RunState } from '../../src/workflows/run-state';
import { fittedMemo } from '../../src/workflows/visibility';
import { gateOf } from '../../api/m8tes/gates';
import { newRun, openPause } from './run-fixture';

/**
 * Output reviews that need several approvers (behavior 5): an edit is its author's approval of the
 * edited output and starts a new round of votes on it; what ships is what the review shows.
 */

const V1 = { text: 'Dear customer, teh renewal is due.' };
const V2 = { text: 'Dear customer, the renewal is due.' };
const V3 = { text: 'Dear Ms. Lee, the renewal is due.' };

function reviewing(rules: Partial<Extract<PauseStep, { type: 'output_review' }>> = {}, behavior = RUN_BEHAVIOR) {
  const step: PauseStep = { name: 'review', type: 'output_review', message: 'Check the letter', review: 'draft', approvals_required: 2, ...rules };
  const run = newRun([{ name: 'draft', type: 'task', handler: 'write' }, step], { settings: { max_lifetime_ms: 86_400_000, behavior } });
  const draft = run.startStep({ name: 'draft', type: 'task', handler: 'write' });
  run.completeStep(draft, V1);
  const { pause, record } = openPause(run, step, { context: { customer: 'Lee' } });
  /** Every decision history received, as the audit cross-check reads them. */
  const received: ReceivedDecision[] = [];
  /** A decision the way the workflow takes one: checked by the validator, then counted. */
  const decide = (by: string, value: unknown, digest?: string) => {
    try {
      checkDecision(run, { step: 'review', value, by, ...(digest ? { digest } : {}) });
    } catch (err) {
      if (!(err instanceof ApplicationFailure)) throw err;
      return { refused: err.type, message: err.message };
    }
    received.push({ channel: 'update', by, value });
    return run.castVote(pause, { value, by, at: new Date().toISOString(), channel: 'update' });
  };
  return { run, step, pause, record, draft, decide, received };
}

const lastEvent = (run: RunState) => run.data.events.at(-1)!;

describe('an output review that needs several approvers', () => {
  it('takes an edit as its author’s approval of the edited output, in a new round on a new digest', () => {
    const { run, pause, decide } = reviewing();
    const shownFirst = pause.digest;
    expect(decide('alice', 'approve')).toBe('voted');
    expect(decide('bob', { edit: V2 })).toBe('voted');

    expect(pause.review).toEqual({ step: 'draft', output: V2, original: V1, edited_by: 'bob' });
    expect(pause.round_from).toBe(1);
    expect(pause.digest).not.toBe(shownFirst);
    expect(pause.digest).toBe(reviewDigest(pause));
    expect(lastEvent(run)).toMatchObject({ type: 'voted', data: { value: { edit: V2 }, by: 'bob', count: 1, needed: 2, edited: true, digest: pause.digest } });
    expect(run.data.audit.at(-1)).toMatchObject({ type: 'voted', by: 'bob', value: { edit: V2 }, data: { count: 1, needed: 2, edited: true, digest: pause.digest } });
  });

  it('ships the edit once another reviewer approves it; the settling entry is that approval, and the trail matches history', () => {
    const { run, step, pause, record, draft, decide, received } = reviewing();
    const shownFirst = pause.digest;
    decide('alice', 'approve');
    decide('bob', { edit: V2 });

    // An approval of what was shown before the edit is refused; bob's edit was his vote in this round.
    expect(decide('carol', 'approve', shownFirst)).toMatchObject({ refused: ErrorType.DigestMismatch });
    const twice = decide('bob', 'approve');
    expect(twice).toMatchObject({ refused: ErrorType.AlreadyDecided });
    expect((twice as { message: string }).message).toMatch(/needs 2 distinct approvers \(1 so far\)/);
    // alice's approval was of the text before the edit: she votes again, on what it shows now.
    expect(decide('alice', 'approve', pause.digest)).toBe('decided');

    expect(pause.decision).toMatchObject({ value: 'approve', by: 'alice', votes: 3 });
    applyOutcome(run, step, pause, record);
    expect(draft).toMatchObject({ output: V2, original_output: V1, edited_by: 'bob' });
    expect(record).toMatchObject({ status: 'completed', output: 'edit', decision: { value: 'approve', by: 'alice' } });
    expect(run.context().steps.draft!.output).toEqual(V2);

    expect(run.data.audit.filter((e) => e.type === 'voted' || e.type === 'decided').map((e) => [e.type, e.by, e.value])).toEqual([
      ['voted', 'alice', 'approve'],
      ['voted', 'bob', { edit: V2 }],
      ['decided', 'alice', 'approve'],
    ]);
    expect(crossCheck(run.data.audit, received)).toEqual({ ok: true, received: 3, problems: [] });
  });

  it('cannot be settled by one reviewer: approving their own edit is a second vote, another edit starts another round', () => {
    const { pause, decide } = reviewing();
    expect(decide('alice', { edit: V2 })).toBe('voted');
    expect(decide('alice', 'approve')).toMatchObject({ refused: ErrorType.AlreadyDecided });
    expect(decide('alice', { edit: V2 })).toMatchObject({ refused: ErrorType.AlreadyDecided });
    expect(decide('alice', { edit: V3 })).toBe('voted');
    expect(pause).toMatchObject({ status: 'pending', round_from: 1, review: { output: V3, original: V1, edited_by: 'alice' } });
  });

  it('refuses a key from before an edit on the edited content, and still answers a retry of the first decision as a repeat', () => {
    const { run, pause, decide } = reviewing();
    const before = pause.digest;
    const approve = { step: 'review', value: 'approve', by: 'bob', idempotency_key: 'k-1' };
    checkDecision(run, { ...approve, digest: before });
    run.castVote(pause, { value: 'approve', by: 'bob', at: new Date().toISOString(), channel: 'update', idempotency_key: 'k-1' });
    expect(decide('alice', { edit: V2 })).toBe('voted');
    // The same request again (a retry: the digest it saw, or none): a repeat, and it counts nothing.
    expect(checkDecision(run, { ...approve, digest: before })).toMatchObject({ duplicate: true });
    expect(checkDecision(run, approve)).toMatchObject({ duplicate: true });
    // On the edited content it is another decision: the key cannot stand for both.
    expect(() => checkDecision(run, { ...approve, digest: pause.digest })).toThrow(expect.objectContaining({ type: ErrorType.IdempotencyConflict, message: expect.stringContaining('before its edit') }));
    expect(checkDecision(run, { ...approve, idempotency_key: 'k-2', digest: pause.digest })).toMatchObject({ duplicate: false });
  });

  it(`takes at most ${MAX_REVIEW_EDITS} edits, so one reviewer alternating two versions cannot grow the run without end`, () => {
    const { pause, decide } = reviewing();
    for (let i = 0; i < MAX_REVIEW_EDITS; i++) expect(decide('alice', { edit: i % 2 === 0 ? V2 : V3 })).toBe('voted');
    const refused = decide('alice', { edit: V2 });
    expect(refused).toMatchObject({ refused: ErrorType.InvalidDecision, message: expect.stringContaining('rule: edits_per_review') });
    expect(pause.votes).toHaveLength(MAX_REVIEW_EDITS);
    // What it shows can still be decided.
    expect(decide('bob', 'approve')).toBe('decided');
  });

  it('shows m8tes reviewers what they approve: the output among the gate\'s fields, the edit once there is one', () => {
    const { pause, decide } = reviewing();
    expect(gateOf(pause)).toMatchObject({ kind: 'tool', toolInput: { customer: 'Lee', output_to_review: V1 } });
    decide('alice', { edit: V2 });
    expect(gateOf(pause)).toMatchObject({ kind: 'tool', toolInput: { customer: 'Lee', output_to_review: V2 } });
  });

  it('takes an edit back to the task\'s output as undoing the edits: a new round, and nothing edited ships', () => {
    const { run, step, pause, record, draft, decide } = reviewing();
    const opened = pause.digest;
    decide('alice', { edit: V2 });
    expect(decide('bob', { edit: V1 })).toBe('voted');
    expect(pause).toMatchObject({ round_from: 1, digest: opened });
    expect(pause.review).toEqual({ step: 'draft', output: V1 });
    expect(decide('carol', 'approve', pause.digest)).toBe('decided');
    applyOutcome(run, step, pause, record);
    expect(draft.output).toEqual(V1);
    expect(draft).not.toHaveProperty('edited_by');
    expect(record).toMatchObject({ status: 'completed', output: 'approve' });
  });

  it('takes an edit that changes nothing as a plain approval: no new round, and the output ships as the task returned it', () => {
    const { run, step, pause, record, draft, decide } = reviewing();
    const shown = pause.digest;
    expect(decide('alice', 'approve')).toBe('voted');
    expect(decide('bob', { edit: { ...V1 } })).toBe('decided');
    expect(pause).toMatchObject({ digest: shown, review: { output: V1 }, decision: { value: { edit: V1 }, by: 'bob', votes: 2 } });
    expect(pause.round_from).toBeUndefined();
    applyOutcome(run, step, pause, record);
    expect(draft.output).toEqual(V1);
    expect(draft.edited_by).toBeUndefined();
    expect(record.output).toBe('approve');
  });

  it('voids the rejections cast before an edit: they were of other content, and their authors may reject again', () => {
    const { pause, decide } = reviewing({ rejections_required: 2 });
    expect(decide('alice', 'reject')).toBe('voted');
    expect(decide('bob', { edit: V2 })).toBe('voted');
    expect(decide('carol', 'reject')).toBe('voted');
    expect(pause.status).toBe('pending');
    expect(decide('alice', 'reject')).toBe('decided');
    expect(pause.decision).toMatchObject({ value: 'reject', by: 'alice' });
  });

  it('ships what the review shows when an approving timeout settles it mid-round', () => {
    const { run, step, pause, record, draft, decide } = reviewing({ timeout: '1h', on_timeout: 'approve' });
    decide('bob', { edit: V2 });
    const decision = timeOut(run, step, pause, record);
    expect(decision).toMatchObject({ value: 'approve', by: 'system', channel: 'timeout' });
    applyOutcome(run, step, pause, record);
    expect(draft).toMatchObject({ output: V2, original_output: V1, edited_by: 'bob' });
    expect(record.output).toBe('edit');
  });

  it('applies nothing when it is skipped mid-round: later steps get the task’s own output', () => {
    const { run, step, pause, record, draft, decide } = reviewing({ timeout: '1h', on_timeout: 'skip' });
    decide('bob', { edit: V2 });
    expect(timeOut(run, step, pause, record)).toBeUndefined();
    expect(record.status).toBe('skipped');
    expect(draft.output).toEqual(V1);
  });

  it('tells the inbox where the round starts, with large votes cut like any memo value', () => {
    const { run, decide } = reviewing();
    decide('alice', 'approve');
    decide('bob', { edit: { text: 'x'.repeat(3_000) } });
    const [summary] = fittedMemo(run).memo.pauses;
    expect(summary).toMatchObject({ round_from: 1, review: { step: 'draft', edited_by: 'bob' } });
    expect(summary!.votes![1]!.value).toMatchObject({ _truncated: true });
  });

  it('digests a review as the pause was digested when it opened, until an edit', () => {
    const { pause } = reviewing();
    expect(reviewDigest(pause)).toBe(pause.digest);
    expect(reviewDigest({ ...pause, review: { ...pause.review!, original: V1, edited_by: 'bob' } } as Pause)).toBe(pause.digest);
  });

  it('keeps settling at the first edit in runs started before behavior 5 (they replay as they ran)', () => {
    const { run, step, pause, record, draft, decide } = reviewing({}, 4);
    expect(decide('bob', { edit: V2 })).toBe('decided');
    expect(pause.decision).toMatchObject({ value: { edit: V2 }, by: 'bob' });
    expect(pause.review).toEqual({ step: 'draft', output: V1 });
    applyOutcome(run, step, pause, record);
    expect(draft).toMatchObject({ output: V2, original_output: V1, edited_by: 'bob' });
  });
});
