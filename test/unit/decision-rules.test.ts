import { ErrorType } from '../../src/contracts/errors';
import type { PauseStep } from '../../src/contracts/definition';
import type { Pause } from '../../src/contracts/run';
import { digestOf } from '../../src/lib/digest';
import { assigneeKeys, keysFor, matchesAssignee } from '../../src/lib/assignees';
import { checkDecision, isApproval } from '../../src/workflows/decisions';
import { RunFailure } from '../../src/workflows/outcomes';
import { timeOut } from '../../src/workflows/pauses';
import type { RunState } from '../../src/workflows/run-state';
import { confirm, newRun, openPause, refusalOf } from './run-fixture';

/**
 * The rules a decision passes before it reaches a run's history (the `decide` update's validator and
 * the signal handler both call `checkDecision`): each refusal's type, its words and its details.
 */

const AT = '2026-01-01T00:01:00.000Z';
const vote = (run: RunState, pause: Pause, by: string | undefined, value: unknown, extra: { comment?: string; idempotency_key?: string } = {}) =>
  run.castVote(pause, { value, ...(by ? { by } : {}), at: AT, channel: 'update', ...extra }, value === 'skipped');

/** A run waiting at one confirmation step named `approval`. */
function waitingAt(step: PauseStep = confirm('approval')) {
  const run = newRun([step, { name: 'after', type: 'task', handler: 'echo' }]);
  const { pause, record } = openPause(run, step);
  return { run, pause, record };
}

interface Case {
  name: string;
  build?: () => { run: RunState; pause?: Pause };
  raw: unknown;
  type: string;
  message: RegExp;
  details?: Record<string, unknown>;
}

const refusals: Case[] = [
  // ── the message itself ──
  { name: 'no value', raw: { step: 'approval' }, type: ErrorType.InvalidRequest, message: /^value: is required$/, details: { field: 'value' } },
  { name: 'no step and no request id', raw: { value: 'approve' }, type: ErrorType.InvalidRequest, message: /^step: name the pause with "request_id" or "step"$/, details: { field: 'step' } },
  {
    name: 'an unknown field',
    raw: { step: 'approval', value: 'approve', colour: 'red' },
    type: ErrorType.InvalidRequest,
    message: /^unknown field "colour"; this message takes request_id, step, value, action, comment, by, groups, digest/,
    details: { field: 'colour' },
  },
  { name: 'a value beside skip', raw: { step: 'approval', action: 'skip', value: 'approve' }, type: ErrorType.InvalidRequest, message: /^value: must be absent when skipping$/, details: { field: 'value' } },
  { name: 'a malformed digest', raw: { step: 'approval', value: 'approve', digest: 'abc' }, type: ErrorType.InvalidRequest, message: /^digest: must be a digest as the pause shows it/, details: { field: 'digest' } },
  { name: 'a principal among the groups', raw: { step: 'approval', value: 'approve', groups: ['user:bob'] }, type: ErrorType.InvalidRequest, message: /^groups\.0: is a principal/, details: { field: 'groups.0' } },
  { name: 'an upper-case via', raw: { step: 'approval', value: 'approve', via: 'REST' }, type: ErrorType.InvalidRequest, message: /^via: must be a short lower-case label/, details: { field: 'via' } },
  { name: 'a wait beyond five minutes', raw: { step: 'approval', value: 'approve', wait_ms: 300_001 }, type: ErrorType.InvalidRequest, message: /^wait_ms: /, details: { field: 'wait_ms' } },
  { name: 'a bare string', raw: 'approve', type: ErrorType.InvalidRequest, message: /^body: /, details: { field: 'body' } },

  // ── the run ──
  {
    name: 'a completed run',
    build: () => {
      const { run } = waitingAt();
      run.complete({ ok: true });
      return { run };
    },
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.RunEnded,
    message: /^run wfr_unit has completed; nothing waits for a decision$/,
    details: { status: 'completed' },
  },
  {
    name: 'a cancelled run (its pause is cancelled too)',
    build: () => {
      const { run } = waitingAt();
      run.cancel();
      return { run };
    },
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.RunEnded,
    message: /^run wfr_unit has cancelled; nothing waits/,
    details: { status: 'cancelled' },
  },
  {
    name: 'a run being cancelled',
    build: () => {
      const { run } = waitingAt();
      run.data.cancel_requested = { by: 'ops', at: AT };
      return { run };
    },
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.RunEnded,
    message: /^run wfr_unit is being cancelled; it takes no more decisions$/,
    details: { status: 'cancelling' },
  },

  // ── finding the pause ──
  { name: 'an unknown request id', raw: { request_id: 'wfr_unit.nope.1', value: 'approve' }, type: ErrorType.NotFound, message: /^run wfr_unit has no request wfr_unit\.nope\.1$/, details: { request_id: 'wfr_unit.nope.1' } },
  {
    name: 'a request id with another step',
    raw: { request_id: 'wfr_unit.approval.1', step: 'other', value: 'approve' },
    type: ErrorType.StepMismatch,
    message: /^request wfr_unit\.approval\.1 is for step "approval", not "other"$/,
    details: { step: 'other', waiting_at: ['approval'] },
  },
  {
    name: 'a step that is not waiting',
    raw: { step: 'other', value: 'approve' },
    type: ErrorType.StepMismatch,
    message: /^step "other" is not waiting for a decision; the run waits at "approval"$/,
    details: { step: 'other', waiting_at: ['approval'] },
  },
  {
    name: 'a step with two pending requests',
    build: () => {
      const { run } = waitingAt();
      openPause(run, confirm('approval'));
      return { run };
    },
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.StepMismatch,
    message: /^step "approval" has 2 pending requests; name one with request_id$/,
    details: { request_ids: ['wfr_unit.approval.1', 'wfr_unit.approval.2'] },
  },
  {
    name: 'a run that waits nowhere',
    build: () => ({ run: newRun([confirm('approval')]) }),
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.NotPaused,
    message: /^run wfr_unit is running; no step waits for a decision$/,
    details: { status: 'running' },
  },

  // ── already settled ──
  {
    name: 'a step already decided (by step)',
    build: () => {
      const { run, pause } = waitingAt();
      vote(run, pause, 'alice', 'approve');
      return { run };
    },
    raw: { step: 'approval', value: 'reject' },
    type: ErrorType.AlreadyDecided,
    message: /^step "approval" was already decided by alice at 2026-01-01T00:01:00\.000Z$/,
    details: { request_id: 'wfr_unit.approval.1', decided_by: 'alice', decided_at: AT, value: 'approve' },
  },
  {
    name: 'a request already decided (by request id) by an unnamed sender',
    build: () => {
      const { run, pause } = waitingAt();
      vote(run, pause, undefined, 'reject');
      return { run };
    },
    raw: { request_id: 'wfr_unit.approval.1', value: 'approve' },
    type: ErrorType.AlreadyDecided,
    message: /^step "approval" was already decided by an unnamed sender at /,
    details: { decided_by: null, value: 'reject' },
  },
  {
    name: 'a pause whose timeout skipped it',
    build: () => {
      const step = confirm('approval', { timeout: '1h', on_timeout: 'skip' });
      const { run, pause, record } = waitingAt(step);
      timeOut(run, step, pause, record);
      return { run };
    },
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.AlreadyDecided,
    message: /^step "approval" was already decided by system at /,
    details: { decided_by: 'system', value: 'skipped' },
  },
  {
    name: 'a pause that timed out without a decision',
    build: () => {
      const step = confirm('approval', { timeout: '1h' });
      const { run, pause, record } = waitingAt(step);
      expect(() => timeOut(run, step, pause, record)).toThrow(RunFailure);
      return { run };
    },
    raw: { request_id: 'wfr_unit.approval.1', value: 'approve' },
    type: ErrorType.NotPaused,
    message: /^request wfr_unit\.approval\.1 is timed out; it takes no decision$/,
    details: { status: 'timed_out' },
  },

  // ── what the decider saw ──
  {
    name: 'a digest of other content',
    raw: { step: 'approval', value: 'approve', digest: `sha256:${'0'.repeat(64)}` },
    type: ErrorType.DigestMismatch,
    message: /^step "approval" now shows different content than the decision was made on; read it again/,
    details: { request_id: 'wfr_unit.approval.1', your_digest: `sha256:${'0'.repeat(64)}` },
  },

  // ── who decides ──
  {
    name: 'a decider outside the assigned group',
    build: () => waitingAt(confirm('approval', { assignees: ['group:finance'] })),
    raw: { step: 'approval', value: 'approve', by: 'bob', groups: ['sales'] },
    type: ErrorType.Forbidden,
    message: /^bob may not decide step "approval": it is assigned to group:finance \(rule: assignees\)$/,
    details: { rule: 'assignees', assignees: ['group:finance'] },
  },
  {
    name: 'an unnamed decider of an assigned step',
    build: () => waitingAt(confirm('approval', { assignees: ['alice', 'user:carol'] })),
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.Forbidden,
    message: /^an unnamed sender may not decide step "approval": it is assigned to alice, user:carol/,
  },
  {
    name: 'a group that is only a prefix of the assigned one',
    build: () => waitingAt(confirm('approval', { assignees: ['group:finance-leads'] })),
    raw: { step: 'approval', value: 'approve', by: 'bob', groups: ['finance'] },
    type: ErrorType.Forbidden,
    message: /rule: assignees/,
  },

  // ── skipping ──
  {
    name: 'a skip the definition does not allow',
    raw: { step: 'approval', action: 'skip', by: 'alice' },
    type: ErrorType.InvalidDecision,
    message: /^step "approval" may not be skipped \(its definition does not set allow_skip\)$/,
    details: { field: 'action' },
  },

  // ── the value ──
  { name: 'an option not offered', raw: { step: 'approval', value: 'maybe' }, type: ErrorType.InvalidDecision, message: /^step "approval": value must be one of "approve", "reject"$/, details: { field: 'value', options: ['approve', 'reject'] } },
  { name: 'a non-string option', raw: { step: 'approval', value: 1 }, type: ErrorType.InvalidDecision, message: /value must be one of "approve", "reject"$/ },
  {
    name: 'the default option where the step names its own',
    build: () => waitingAt({ name: 'approval', type: 'decision', message: 'Ship?', options: ['ship', 'hold'] }),
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.InvalidDecision,
    message: /^step "approval": value must be one of "ship", "hold"$/,
    details: { options: ['ship', 'hold'] },
  },
  {
    name: 'an input that breaks its schema',
    build: () => waitingAt({ name: 'approval', type: 'input', message: 'How much?', input_schema: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] } }),
    raw: { step: 'approval', value: { amount: 'lots' } },
    type: ErrorType.InvalidDecision,
    message: /^step "approval": the input does not match its schema: value\.amount: /,
    details: { field: 'value', violations: [expect.objectContaining({ path: 'value.amount' })] },
  },
  {
    name: 'remember on a step that is no tool gate',
    raw: { step: 'approval', value: 'approve', remember: true },
    type: ErrorType.InvalidRequest,
    message: /^remember applies to the tool gates a permission mode puts up; step "approval" is not one$/,
    details: { field: 'remember' },
  },

  // ── approval rules ──
  {
    name: 'a rejection without the comment the step requires',
    build: () => waitingAt(confirm('approval', { reject_requires_comment: true })),
    raw: { step: 'approval', value: 'reject', by: 'alice' },
    type: ErrorType.InvalidDecision,
    message: /^a rejection of step "approval" must say why: add a comment \(rule: reject_requires_comment\)$/,
    details: { field: 'comment', rule: 'reject_requires_comment' },
  },
  {
    name: 'a rejection whose comment is only blanks',
    build: () => waitingAt(confirm('approval', { reject_requires_comment: true })),
    raw: { step: 'approval', value: 'reject', by: 'alice', comment: '  \n ' },
    type: ErrorType.InvalidDecision,
    message: /rule: reject_requires_comment/,
  },
  {
    name: 'the run\'s starter approving it',
    raw: { step: 'approval', value: 'approve', by: 'starter' },
    type: ErrorType.Forbidden,
    message: /^starter started this run and may not approve step "approval" \(rule: separation of duties; the definition does not set allow_self_approval\)$/,
    details: { rule: 'allow_self_approval' },
  },
  {
    name: 'the starter choosing any option but reject',
    build: () => waitingAt({ name: 'approval', type: 'decision', message: 'Ship?', options: ['ship', 'hold', 'reject'] }),
    raw: { step: 'approval', value: 'hold', by: 'starter' },
    type: ErrorType.Forbidden,
    message: /rule: separation of duties/,
  },
  {
    name: 'an unnamed vote on a step that needs several',
    build: () => waitingAt(confirm('approval', { approvals_required: 2 })),
    raw: { step: 'approval', value: 'approve' },
    type: ErrorType.Forbidden,
    message: /^step "approval" needs decisions from distinct named principals; this one names none \(rule: approvals_required\)$/,
    details: { rule: 'approvals_required' },
  },
  {
    name: 'a second vote from the same principal',
    build: () => {
      const w = waitingAt(confirm('approval', { approvals_required: 2 }));
      expect(vote(w.run, w.pause, 'alice', 'approve')).toBe('voted');
      return w;
    },
    raw: { step: 'approval', value: 'approve', by: 'alice' },
    type: ErrorType.AlreadyDecided,
    message: /^alice already decided "approve" on step "approval" at 2026-01-01T00:01:00\.000Z; it needs 2 distinct approvers \(1 so far\)$/,
    details: { decided_by: 'alice', decided_at: AT, value: 'approve', rule: 'approvals_required' },
  },
  {
    name: 'a changed mind after a counted rejection',
    build: () => {
      const w = waitingAt(confirm('approval', { approvals_required: 2, rejections_required: 2 }));
      expect(vote(w.run, w.pause, 'alice', 'reject')).toBe('voted');
      return w;
    },
    raw: { step: 'approval', value: 'approve', by: 'alice' },
    type: ErrorType.AlreadyDecided,
    message: /^alice already decided "reject" on step "approval" .*\(0 so far\)$/,
  },

  // ── idempotency ──
  {
    name: 'a key reused for another value',
    build: () => {
      const { run, pause } = waitingAt();
      vote(run, pause, 'alice', 'approve', { idempotency_key: 'k1' });
      return { run };
    },
    raw: { step: 'approval', value: 'reject', by: 'alice', idempotency_key: 'k1' },
    type: ErrorType.IdempotencyConflict,
    message: /^idempotency key "k1" was already used for another decision \("approve" by alice on step "approval"\); use a new key$/,
    details: { request_id: 'wfr_unit.approval.1' },
  },
  {
    name: 'a key reused with another comment',
    build: () => {
      const { run, pause } = waitingAt();
      vote(run, pause, 'alice', 'approve', { idempotency_key: 'k1', comment: 'fine' });
      return { run };
    },
    raw: { step: 'approval', value: 'approve', by: 'alice', idempotency_key: 'k1', comment: 'fine by me' },
    type: ErrorType.IdempotencyConflict,
    message: /^idempotency key "k1" was already used/,
  },
];

describe('decisions the rules refuse', () => {
  it.each(refusals.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { run } = c.build ? c.build() : waitingAt();
    const refused = refusalOf(() => checkDecision(run, c.raw));
    expect(refused.type).toBe(c.type);
    expect(refused.message).toMatch(c.message);
    expect(refused.nonRetryable).toBe(true);
    if (c.details) expect(refused.details).toEqual(expect.objectContaining(c.details));
  });

  it('names the digest the pause shows now, so the decider can read it again', () => {
    const { run, pause } = waitingAt();
    const refused = refusalOf(() => checkDecision(run, { step: 'approval', value: 'approve', digest: digestOf({ other: 'content' }) }));
    expect(refused.details.digest).toBe(pause.digest);
    expect(pause.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('checks the digest before who decides, and who decides before the value', () => {
    const { run } = waitingAt(confirm('approval', { assignees: ['alice'] }));
    expect(refusalOf(() => checkDecision(run, { step: 'approval', value: 'maybe', by: 'mallory', digest: `sha256:${'1'.repeat(64)}` })).type).toBe(ErrorType.DigestMismatch);
    expect(refusalOf(() => checkDecision(run, { step: 'approval', value: 'maybe', by: 'mallory' })).type).toBe(ErrorType.Forbidden);
    expect(refusalOf(() => checkDecision(run, { step: 'approval', value: 'maybe', by: 'alice' })).type).toBe(ErrorType.InvalidDecision);
  });
});

describe('decisions the rules accept', () => {
  const accepted: [string, () => { run: RunState; pause?: Pause }, Record<string, unknown>][] = [
    ['an approval by anyone when nobody is assigned', () => waitingAt(), { step: 'approval', value: 'approve', by: 'bob' }],
    ['the request named by id', () => waitingAt(), { request_id: 'wfr_unit.approval.1', step: 'approval', value: 'reject' }],
    ['an assigned principal, bare or as user:', () => waitingAt(confirm('approval', { assignees: ['user:alice'] })), { step: 'approval', value: 'approve', by: 'alice' }],
    ['a member of the assigned group, spelled group:', () => waitingAt(confirm('approval', { assignees: ['group:finance'] })), { step: 'approval', value: 'approve', by: 'bob', groups: ['group:finance'] }],
    ['the digest the pause shows', () => waitingAt(), { step: 'approval', value: 'approve', digest: 'DIGEST' }],
    ['the starter rejecting their own run', () => waitingAt(), { step: 'approval', value: 'reject', by: 'starter' }],
    ['the starter approving where self-approval is allowed', () => waitingAt(confirm('approval', { allow_self_approval: true })), { step: 'approval', value: 'approve', by: 'starter' }],
    ['a rejection with its required comment', () => waitingAt(confirm('approval', { reject_requires_comment: true })), { step: 'approval', value: 'reject', by: 'alice', comment: 'wrong amount' }],
    ['an approval where only rejections need a comment', () => waitingAt(confirm('approval', { reject_requires_comment: true })), { step: 'approval', value: 'approve', by: 'alice' }],
    ['a skip the step allows (no value, no approval rules)', () => waitingAt(confirm('approval', { allow_skip: true, reject_requires_comment: true })), { step: 'approval', action: 'skip', by: 'starter' }],
    ['SDK nulls for absent fields', () => waitingAt(), { step: 'approval', value: 'approve', comment: null, digest: null, request_id: null, groups: null }],
    ['a null input where the schema takes null', () => waitingAt({ name: 'approval', type: 'input', message: 'Why?', input_schema: { type: ['string', 'null'] } }), { step: 'approval', value: null }],
    ['the starter giving input (not an approval)', () => waitingAt({ name: 'approval', type: 'input', message: 'Why?', input_schema: { type: 'string' } }), { step: 'approval', value: 'because', by: 'starter' }],
    [
      'a second distinct approver',
      () => {
        const w = waitingAt(confirm('approval', { approvals_required: 2 }));
        vote(w.run, w.pause, 'alice', 'approve');
        return w;
      },
      { step: 'approval', value: 'approve', by: 'bob' },
    ],
  ];

  it.each(accepted)('%s', (_name, build, raw) => {
    const { run } = build();
    const pause = run.pending()[0]!;
    const request = raw.digest === 'DIGEST' ? { ...raw, digest: pause.digest } : raw;
    const checked = checkDecision(run, request);
    expect(checked.pause).toBe(pause);
    expect(checked.duplicate).toBe(false);
  });

  it('hands back the request as checked: nulls dropped, groups bare and without repeats', () => {
    const { run } = waitingAt(confirm('approval', { assignees: ['group:finance'] }));
    const { request } = checkDecision(run, { step: 'approval', value: 'approve', by: 'bob', groups: ['group:finance', 'finance', 'ops'], comment: null });
    expect(request).toEqual({ step: 'approval', value: 'approve', by: 'bob', groups: ['finance', 'ops'] });
  });

  it('answers a repeated decision (same key, decider, value and comment) as a duplicate, even once the run ended', () => {
    const { run, pause } = waitingAt();
    const raw = { step: 'approval', value: 'approve', by: 'alice', comment: 'ok', idempotency_key: 'k1' };
    checkDecision(run, raw);
    vote(run, pause, 'alice', 'approve', { idempotency_key: 'k1', comment: 'ok' });
    expect(checkDecision(run, raw)).toMatchObject({ pause, duplicate: true });
    run.complete(null);
    expect(checkDecision(run, raw)).toMatchObject({ pause, duplicate: true });
    expect(refusalOf(() => checkDecision(run, { ...raw, idempotency_key: 'k2' })).type).toBe(ErrorType.RunEnded);
  });

  it('answers a retry that sends an empty comment again as a duplicate (the vote was recorded without one)', () => {
    const { run, pause } = waitingAt();
    const raw = { step: 'approval', value: 'approve', by: 'alice', comment: '', idempotency_key: 'k1' };
    checkDecision(run, raw);
    vote(run, pause, 'alice', 'approve', { idempotency_key: 'k1' });
    expect(checkDecision(run, raw)).toMatchObject({ pause, duplicate: true });
  });

  it("keeps idempotency keys per caller: another approver's decision under the same key is a decision of its own", () => {
    const { run, pause } = waitingAt(confirm('approval', { approvals_required: 2 }));
    checkDecision(run, { step: 'approval', value: 'approve', by: 'alice', idempotency_key: 'k' });
    vote(run, pause, 'alice', 'approve', { idempotency_key: 'k' });
    const bob = checkDecision(run, { step: 'approval', value: 'approve', by: 'bob', idempotency_key: 'k' });
    expect(bob.duplicate).toBeFalsy();
    expect(bob.pause).toBe(pause);
  });

  it('answers a repeated skip as a duplicate', () => {
    const { run, pause } = waitingAt(confirm('approval', { allow_skip: true }));
    const raw = { step: 'approval', action: 'skip', by: 'alice', idempotency_key: 's1' };
    checkDecision(run, raw);
    expect(vote(run, pause, 'alice', 'skipped', { idempotency_key: 's1' })).toBe('decided');
    expect(pause.status).toBe('skipped');
    expect(checkDecision(run, raw).duplicate).toBe(true);
  });

  it('takes remember on a permission-mode tool gate', () => {
    const { run, pause } = waitingAt();
    pause.tool = { call_id: 'c1', name: 'send_email', args: {}, hitl: 'confirmation', gate: 'permission_mode', agent_step: 'agent' };
    expect(checkDecision(run, { step: 'approval', value: 'approve', remember: true }).pause).toBe(pause);
  });
});

describe('values of each pause kind', () => {
  const question: PauseStep = {
    name: 'approval',
    type: 'question',
    message: 'A few questions',
    questions: [
      { question: 'Region?', options: [{ label: 'EU' }, { label: 'US' }] },
      { question: 'Why?', options: [], allow_free_text: true },
    ],
  };

  it.each([
    ['every question answered', { 'Region?': 'EU', 'Why?': 'latency' }, undefined],
    ['free text where it is allowed', { 'Region?': 'US', 'Why?': 'anything at all' }, undefined],
    ['not a map', ['EU'], /^step "approval": value must map each question to its answer/],
    ['a question left out', { 'Region?': 'EU' }, /"Why\?" is not answered/],
    ['an answer that is no option', { 'Region?': 'Mars', 'Why?': 'x' }, /"Region\?" must be one of "EU", "US"/],
    ['an empty answer', { 'Region?': 'EU', 'Why?': '  ' }, /"Why\?" must be answered with text/],
    ['an answer to a question not asked', { 'Region?': 'EU', 'Why?': 'x', 'When?': 'now' }, /"When\?" is not a question of this step/],
  ])('question: %s', (_name, value, problem) => {
    const { run } = waitingAt(question);
    if (!problem) return void expect(checkDecision(run, { step: 'approval', value }).duplicate).toBe(false);
    const refused = refusalOf(() => checkDecision(run, { step: 'approval', value }));
    expect(refused.type).toBe(ErrorType.InvalidDecision);
    expect(refused.message).toMatch(problem);
  });

  it('question: lists every problem at once', () => {
    const { run } = waitingAt(question);
    const refused = refusalOf(() => checkDecision(run, { step: 'approval', value: { 'Region?': 'Mars', Extra: 'x' } }));
    expect(refused.details.problems).toEqual([
      { question: 'Region?', message: 'must be one of "EU", "US"' },
      { question: 'Why?', message: 'is not answered' },
      { question: 'Extra', message: 'is not a question of this step' },
    ]);
  });

  /** A run whose `draft` task completed, waiting at an output review of it. */
  function reviewing(extra: Partial<Extract<PauseStep, { type: 'output_review' }>> = {}) {
    const step: PauseStep = { name: 'approval', type: 'output_review', message: 'Check the draft', review: 'draft', ...extra };
    const run = newRun([{ name: 'draft', type: 'task', handler: 'write' }, step]);
    const draft = run.startStep({ name: 'draft', type: 'task', handler: 'write' });
    run.completeStep(draft, { subject: 'Hello', body: 'Hi' });
    const { pause } = openPause(run, step);
    return { run, pause };
  }

  it.each([
    ['approve', 'approve', undefined],
    ['reject', 'reject', undefined],
    ['an edit', { edit: { subject: 'Hi', body: 'Hello' } }, undefined],
    ['an unknown option', 'maybe', /value must be "approve", "reject" or \{"edit": <the corrected output>\}/],
    ['an edit with other keys beside it', { edit: {}, note: 'x' }, /value must be "approve", "reject" or \{"edit"/],
    ['an edit that breaks the output schema', { edit: { subject: 3 } }, /the edited output does not match its schema: value\.edit\.subject: /],
  ])('output review: %s', (_name, value, problem) => {
    const { run, pause } = reviewing({ output_schema: { type: 'object', properties: { subject: { type: 'string' } } } });
    expect(pause.review).toEqual({ step: 'draft', output: { subject: 'Hello', body: 'Hi' }, output_schema: { type: 'object', properties: { subject: { type: 'string' } } } });
    if (!problem) return void expect(checkDecision(run, { step: 'approval', value, by: 'alice' }).pause).toBe(pause);
    const refused = refusalOf(() => checkDecision(run, { step: 'approval', value, by: 'alice' }));
    expect(refused.type).toBe(ErrorType.InvalidDecision);
    expect(refused.message).toMatch(problem);
  });

  it('output review: an edit by the starter is an approval, so separation of duties applies', () => {
    const { run } = reviewing();
    expect(refusalOf(() => checkDecision(run, { step: 'approval', value: { edit: 'mine' }, by: 'starter' })).details).toEqual({ rule: 'allow_self_approval' });
  });

  it.each([
    ['confirmation', true],
    ['decision', true],
    ['output_review', true],
    ['tool_approval', true],
    ['input', false],
    ['question', false],
  ] as const)('%s pauses take approval rules: %s', (type, expected) => {
    expect(isApproval({ type } as Pause)).toBe(expected);
  });
});

describe('assignees', () => {
  it.each([
    [[], undefined, [], true],
    [['alice'], 'alice', [], true],
    [['user:alice'], 'alice', [], true],
    [['alice'], 'user:alice', [], false],
    [['alice'], 'bob', [], false],
    [['alice'], undefined, [], false],
    [['group:finance'], undefined, ['finance'], true],
    [['group:finance'], 'bob', ['finance-leads'], false],
    [['bob', 'group:finance'], 'carol', ['finance'], true],
    [['group:alice'], 'alice', [], false],
  ] as [string[], string | undefined, string[], boolean][])('%j matches by=%j groups=%j: %s', (assignees, by, groups, expected) => {
    expect(matchesAssignee(assignees, by, groups)).toBe(expected);
  });

  it('indexes assignees the way callers are looked up', () => {
    expect(assigneeKeys([])).toEqual(['*']);
    expect(assigneeKeys(['alice', 'user:bob', 'group:ops'])).toEqual(['user:alice', 'user:bob', 'group:ops']);
    expect(keysFor('alice', ['ops'])).toEqual(['user:alice', 'group:ops', '*']);
    // Whoever matchesAssignee lets decide finds the pause through one of their keys.
    for (const assignees of [[], ['alice'], ['user:alice'], ['group:ops'], ['bob'], ['group:finance']]) {
      const found = assigneeKeys(assignees).some((k) => keysFor('alice', ['ops']).includes(k));
      expect(found).toBe(matchesAssignee(assignees, 'alice', ['ops']));
    }
  });
});
