import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { validateDefinition } from '../../src/catalog/validate';
import type { PauseStep } from '../../src/contracts/definition';
import { ErrorType } from '../../src/contracts/errors';
import type { Pause } from '../../src/contracts/run';
import { RUN_BEHAVIOR } from '../../src/contracts/temporal';
import { checkDecision } from '../../src/workflows/decisions';
import { applyOutcome } from '../../src/workflows/pauses';
import type { RunState } from '../../src/workflows/run-state';
import { newRun, openPause } from './run-fixture';

/**
 * Properties of the decision rules: random pauses (kind, options, approvals and rejections required,
 * assignees, self-approval, required comments, skipping) take random sequences of decisions (random
 * callers, values, comments, idempotency keys, digests, exact repeats), each applied the way the
 * workflow applies it: `checkDecision` (the `decide` update's validator and the signal handler's
 * check), then `RunState.castVote` with the vote `RunHandlers.decide` builds. (RunHandlers itself
 * needs a workflow context for its metrics, so its few lines are mirrored in `decide` below.)
 *
 * Each outcome is compared with a small model of the rules written from the README and the code's
 * documented order of checks, and the state is checked after every step. Time is frozen, so two runs
 * of one sequence must give byte-equal state. Failures print the seed and a shrunk sequence.
 */

const RUNS = 200;
/** The seed of the fixed sample that reaches every outcome (see the first property). */
const COVERAGE_SEED = 1;
const AT = new Date('2026-01-01T00:00:00.000Z');
const STEP = 'approval';

beforeAll(() => jest.useFakeTimers({ now: AT }));
afterAll(() => jest.useRealTimers());

// ── who may decide ───────────────────────────────────────────────────────────

interface Caller {
  id: string;
  by?: string;
  /** As the caller sends them: bare or with the `group:` spelling. */
  groups: string[];
}

const CALLERS: Caller[] = [
  { id: 'alice', by: 'alice', groups: ['finance'] },
  { id: 'bob', by: 'bob', groups: ['ops'] },
  { id: 'carol', by: 'carol', groups: ['finance', 'ops'] },
  { id: 'dave', by: 'dave', groups: [] },
  { id: 'erin', by: 'erin', groups: ['group:finance'] },
  { id: 'starter', by: 'starter', groups: ['finance'] },
  // Senders over Temporal may name no principal.
  { id: 'service', groups: ['ops'] },
  { id: 'anonymous', groups: [] },
];
const STARTER = 'starter';

/** Whom each assignee admits: the permission rule as a table, independent of the code that applies it. */
const ADMITS: Record<string, string[]> = {
  alice: ['alice'],
  'user:bob': ['bob'],
  carol: ['carol'],
  dave: ['dave'],
  'user:starter': ['starter'],
  'group:finance': ['alice', 'carol', 'erin', 'starter'],
  'group:ops': ['bob', 'carol', 'service'],
};

const permitted = (assignees: readonly string[], caller: Caller) => assignees.length === 0 || assignees.some((a) => ADMITS[a]!.includes(caller.id));

// ── pauses ───────────────────────────────────────────────────────────────────

interface Setup {
  step: PauseStep;
  offered: string[];
  assignees: string[];
  approvals: number;
  rejections: number;
  allowSelf: boolean;
  rejectNeedsComment: boolean;
  allowSkip: boolean;
}

const OPTIONS = ['approve', 'reject', 'ship', 'hold'] as const;

const setupArb: fc.Arbitrary<Setup> = fc
  .record({
    type: fc.constantFrom('confirmation' as const, 'decision' as const),
    options: fc.option(fc.uniqueArray(fc.constantFrom(...OPTIONS), { minLength: 1, maxLength: 4 }), { nil: undefined }),
    assignees: fc.option(fc.uniqueArray(fc.constantFrom(...Object.keys(ADMITS)), { minLength: 1, maxLength: 3 }), { nil: undefined }),
    approvals: fc.integer({ min: 1, max: 4 }),
    rejections: fc.integer({ min: 1, max: 3 }),
    allowSelf: fc.option(fc.boolean(), { nil: undefined }),
    rejectNeedsComment: fc.option(fc.boolean(), { nil: undefined }),
    allowSkip: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map((r) => {
    const options = r.type === 'decision' ? (r.options ?? ['ship', 'hold']) : r.options;
    const offered = options ?? ['approve', 'reject'];
    // The validator's rules: counting approvals (rejections) needs the option to count, and no more
    // distinct people than may decide when the step names only people.
    const people = r.assignees && !r.assignees.some((a) => a.startsWith('group:')) ? r.assignees.length : Infinity;
    const approvals = offered.includes('approve') ? Math.min(r.approvals, people) : 1;
    const rejections = offered.includes('reject') ? Math.min(r.rejections, people) : 1;
    const step = {
      name: STEP,
      type: r.type,
      message: 'Ship it?',
      ...(options ? { options } : {}),
      ...(r.assignees ? { assignees: r.assignees } : {}),
      ...(approvals > 1 || r.approvals > 1 ? { approvals_required: approvals } : {}),
      ...(rejections > 1 || r.rejections > 1 ? { rejections_required: rejections } : {}),
      ...(r.allowSelf !== undefined ? { allow_self_approval: r.allowSelf } : {}),
      ...(r.rejectNeedsComment !== undefined ? { reject_requires_comment: r.rejectNeedsComment } : {}),
      ...(r.allowSkip !== undefined ? { allow_skip: r.allowSkip } : {}),
    } as PauseStep;
    return {
      step,
      offered,
      assignees: r.assignees ?? [],
      approvals,
      rejections,
      allowSelf: r.allowSelf ?? false,
      rejectNeedsComment: r.rejectNeedsComment ?? false,
      allowSkip: r.allowSkip ?? false,
    };
  });

function waitingAt(step: PauseStep): { run: RunState; pause: Pause } {
  const run = newRun([step, { name: 'after', type: 'task', handler: 'echo' }]);
  return { run, pause: openPause(run, step).pause };
}

// ── decisions ────────────────────────────────────────────────────────────────

interface Attempt {
  caller: Caller;
  skip: boolean;
  value: unknown;
  comment: string | undefined;
  key: string | undefined;
  byRequestId: boolean;
  digest: 'none' | 'current' | 'stale';
}

const STALE_DIGEST = `sha256:${'0'.repeat(64)}`;

function attemptArb(offered: readonly string[]): fc.Arbitrary<Attempt> {
  return fc.record({
    caller: fc.constantFrom(...CALLERS),
    skip: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    value: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...offered) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('approve', 'reject', 'maybe', 7, null) }),
    comment: fc.constantFrom(undefined, '', '  ', 'looks right', 'wrong amount'),
    key: fc.constantFrom(undefined, undefined, 'k1', 'k2', 'k3'),
    byRequestId: fc.boolean(),
    digest: fc.oneof({ weight: 6, arbitrary: fc.constant('none' as const) }, { weight: 2, arbitrary: fc.constant('current' as const) }, { weight: 1, arbitrary: fc.constant('stale' as const) }),
  });
}

/** A sequence of attempts where some are exact repeats of earlier ones (a retry, a double click). */
function sequenceArb(offered: readonly string[], minLength = 0): fc.Arbitrary<Attempt[]> {
  return fc
    .array(fc.oneof({ weight: 3, arbitrary: attemptArb(offered).map((a) => ({ a })) }, { weight: 1, arbitrary: fc.nat().map((repeat) => ({ repeat })) }), { minLength, maxLength: 20 })
    .map((items) => {
      const out: Attempt[] = [];
      for (const item of items) {
        if ('a' in item) out.push(item.a);
        else if (out.length > 0) out.push(out[item.repeat % out.length]!);
      }
      return out;
    });
}

/** The message a caller sends for an attempt at a pause. */
function messageOf(attempt: Attempt, pause: Pause): Record<string, unknown> {
  const { caller } = attempt;
  return {
    ...(attempt.byRequestId ? { request_id: pause.request_id } : { step: pause.step }),
    ...(attempt.skip ? { action: 'skip' } : { value: attempt.value }),
    ...(attempt.comment !== undefined ? { comment: attempt.comment } : {}),
    ...(caller.by ? { by: caller.by } : {}),
    ...(caller.groups.length > 0 ? { groups: caller.groups } : {}),
    ...(attempt.key ? { idempotency_key: attempt.key } : {}),
    ...(attempt.digest === 'current' ? { digest: pause.digest } : attempt.digest === 'stale' ? { digest: STALE_DIGEST } : {}),
  };
}

type Result =
  | { kind: 'refused'; type: string; details: Record<string, unknown> }
  | { kind: 'duplicate'; requestId: string }
  | { kind: 'voted' | 'decided' };

/** What the workflow does with a decision: check it (refusals throw), answer a repeat, or count the vote (RunHandlers.decide). */
function decide(run: RunState, raw: unknown): Result {
  let checked;
  try {
    checked = checkDecision(run, raw);
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    expect(err.nonRetryable).toBe(true);
    return { kind: 'refused', type: err.type ?? '', details: (err.details?.[0] ?? {}) as Record<string, unknown> };
  }
  const { request, pause, duplicate } = checked;
  if (duplicate) return { kind: 'duplicate', requestId: pause.request_id };
  const skip = request.action === 'skip';
  const outcome = run.castVote(
    pause,
    {
      value: skip ? 'skipped' : request.value,
      ...(request.by ? { by: request.by } : {}),
      at: new Date().toISOString(),
      ...(request.comment ? { comment: request.comment } : {}),
      channel: 'update',
      ...(request.idempotency_key ? { idempotency_key: request.idempotency_key } : {}),
    },
    skip,
  );
  return { kind: outcome };
}

// ── the model ────────────────────────────────────────────────────────────────

interface ModelVote {
  by: string | undefined;
  value: unknown;
  comment: string | null;
  key: string | undefined;
}

interface Model {
  votes: ModelVote[];
  settled?: { vote: ModelVote; status: 'decided' | 'skipped' };
}

type Expected =
  | { kind: 'refused'; type: string; details?: Record<string, unknown> }
  | { kind: 'duplicate' }
  | { kind: 'voted' }
  | { kind: 'decided'; status: 'decided' | 'skipped' };

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The rules, in the order the README and the refusal tests give them: a repeat (same caller and key)
 * is answered first, then a settled pause refuses, then what the decider saw, who decides, skipping,
 * the value, and the approval rules; a vote settles once its kind has enough distinct voters.
 */
function expected(s: Setup, m: Model, a: Attempt): Expected {
  const by = a.caller.by;
  const value = a.skip ? 'skipped' : a.value;
  const comment = a.comment || null;
  if (a.key !== undefined) {
    const earlier = m.votes.find((v) => v.key === a.key && v.by === by);
    if (earlier) return sameJson(earlier.value, value) && earlier.comment === comment ? { kind: 'duplicate' } : { kind: 'refused', type: ErrorType.IdempotencyConflict };
  }
  if (m.settled) return { kind: 'refused', type: ErrorType.AlreadyDecided, details: { decided_by: m.settled.vote.by ?? null, value: m.settled.vote.value } };
  if (a.digest === 'stale') return { kind: 'refused', type: ErrorType.DigestMismatch };
  if (!permitted(s.assignees, a.caller)) return { kind: 'refused', type: ErrorType.Forbidden, details: { rule: 'assignees' } };
  if (a.skip) return s.allowSkip ? { kind: 'decided', status: 'skipped' } : { kind: 'refused', type: ErrorType.InvalidDecision, details: { field: 'action' } };
  if (typeof a.value !== 'string' || !s.offered.includes(a.value)) return { kind: 'refused', type: ErrorType.InvalidDecision, details: { field: 'value' } };
  if (a.value === 'reject' && s.rejectNeedsComment && !a.comment?.trim()) return { kind: 'refused', type: ErrorType.InvalidDecision, details: { rule: 'reject_requires_comment' } };
  if (a.value !== 'reject' && !s.allowSelf && by === STARTER) return { kind: 'refused', type: ErrorType.Forbidden, details: { rule: 'allow_self_approval' } };
  if (s.approvals > 1 || s.rejections > 1) {
    if (by === undefined) return { kind: 'refused', type: ErrorType.Forbidden, details: { rule: 'approvals_required' } };
    if (m.votes.some((v) => v.by === by)) return { kind: 'refused', type: ErrorType.AlreadyDecided, details: { rule: 'approvals_required', decided_by: by } };
  }
  if (a.value === 'approve' || a.value === 'reject') {
    const count = m.votes.filter((v) => v.value === a.value).length + 1;
    if (count < (a.value === 'approve' ? s.approvals : s.rejections)) return { kind: 'voted' };
  }
  return { kind: 'decided', status: 'decided' };
}

function advance(m: Model, a: Attempt, e: Expected): void {
  if (e.kind !== 'voted' && e.kind !== 'decided') return;
  const vote = { by: a.caller.by, value: a.skip ? 'skipped' : a.value, comment: a.comment || null, key: a.key };
  m.votes.push(vote);
  if (e.kind === 'decided') m.settled = { vote, status: e.status };
}

/** The state is exactly what it was (compared as JSON for speed; on a difference, jest shows it). */
function expectUnchanged(run: RunState, before: string): void {
  if (JSON.stringify(run.data) !== before) expect(run.data).toEqual(JSON.parse(before));
}

/**
 * Applies the attempts one by one, checking each outcome against the model and the state after it
 * (`checked: false` only records the answers, for a replay whose first pass was checked).
 */
function play(s: Setup, attempts: Attempt[], checked = true): { run: RunState; pause: Pause; results: Result[] } {
  const { run, pause } = waitingAt(s.step);
  const model: Model = { votes: [] };
  const results: Result[] = [];
  for (const attempt of attempts) {
    if (!checked) {
      results.push(decide(run, messageOf(attempt, pause)));
      continue;
    }
    const before = JSON.stringify(run.data);
    const wasSettled = pause.status !== 'pending';
    const wanted = expected(s, model, attempt);
    const got = decide(run, messageOf(attempt, pause));
    results.push(got);

    expect(got.kind).toBe(wanted.kind);
    if (got.kind === 'refused' && wanted.kind === 'refused') {
      expect(got.type).toBe(wanted.type);
      if (wanted.details) expect(got.details).toEqual(expect.objectContaining(wanted.details));
    }
    // A refusal, or a repeat answered from what was recorded, changes nothing at all.
    if (got.kind === 'refused' || got.kind === 'duplicate') expectUnchanged(run, before);
    if (got.kind === 'duplicate') expect(got.requestId).toBe(pause.request_id);
    // Once settled, a pause stays as it was: nothing but a repeat or a key conflict gets an answer other than already_decided.
    if (wasSettled) {
      expect(got.kind === 'duplicate' || (got.kind === 'refused' && (got.type === ErrorType.AlreadyDecided || got.type === ErrorType.IdempotencyConflict))).toBe(true);
    }
    // A caller the assignees do not admit never gets a vote in.
    if (!permitted(s.assignees, attempt.caller)) expect(got.kind === 'voted' || got.kind === 'decided').toBe(false);

    advance(model, attempt, wanted);
    expectConsistent(s, pause, model);
  }
  return { run, pause, results };
}

/** The pause agrees with the model, and its outcome with its votes. */
function expectConsistent(s: Setup, pause: Pause, m: Model): void {
  const votes = pause.votes.map((v) => ({ by: v.by, value: v.value, comment: v.comment ?? null, key: v.idempotency_key }));
  if (JSON.stringify(votes) !== JSON.stringify(m.votes)) expect(votes).toEqual(m.votes);
  expect(pause.status).toBe(m.settled ? m.settled.status : 'pending');

  const counted = (value: string) => pause.votes.filter((v) => v.value === value);
  const approvers = counted('approve');
  const rejecters = counted('reject');
  const needsVotes = s.approvals > 1 || s.rejections > 1;
  if (needsVotes) {
    // No caller's vote counts twice, and every counted vote names its caller.
    const named = [...approvers, ...rejecters].map((v) => v.by);
    expect(named.every((by) => by !== undefined)).toBe(true);
    expect(new Set(named).size).toBe(named.length);
  } else {
    // A pause that needs one decision takes exactly one.
    expect(pause.votes.length).toBe(pause.status === 'pending' ? 0 : 1);
  }
  // No approval from the run's starter unless the step allows it (who else may vote is checked per attempt).
  if (!s.allowSelf) expect(pause.votes.some((v) => v.by === STARTER && v.value !== 'reject' && v.value !== 'skipped')).toBe(false);

  if (pause.status === 'pending') {
    expect(pause.decision).toBeUndefined();
    expect(approvers.length).toBeLessThan(s.approvals);
    expect(rejecters.length).toBeLessThan(s.rejections);
    return;
  }
  const decision = pause.decision!;
  const last = pause.votes[pause.votes.length - 1]!;
  expect(decision.value).toEqual(last.value);
  expect(decision.by).toBe(last.by);
  expect(decision.votes).toBe(pause.votes.length > 1 ? pause.votes.length : undefined);
  if (pause.status === 'skipped') {
    expect(s.allowSkip).toBe(true);
    expect(decision.value).toBe('skipped');
  } else if (decision.value === 'approve') {
    expect(approvers.length).toBe(s.approvals);
    expect(rejecters.length).toBeLessThan(s.rejections);
  } else if (decision.value === 'reject') {
    expect(rejecters.length).toBe(s.rejections);
    expect(approvers.length).toBeLessThan(s.approvals);
  } else {
    // Another option settles at once, as the only vote that is no approval or rejection.
    expect(s.offered).toContain(decision.value);
    expect(pause.votes.filter((v) => v.value !== 'approve' && v.value !== 'reject')).toHaveLength(1);
  }
}

// ── properties ───────────────────────────────────────────────────────────────

const scenarioArb = setupArb.chain((s) => fc.tuple(fc.constant(s), sequenceArb(s.offered)));
/** Sequences where most decisions carry a key, so that some accepted one has a key to retry with. */
const keyedScenarioArb = setupArb.chain((s) => fc.tuple(fc.constant(s), sequenceArb(s.offered, 4))).map(([s, attempts]) => [s, attempts.map((a, i) => ({ ...a, key: a.key ?? (i % 4 === 3 ? undefined : `k${i % 3}`) }))] as const);

describe('decision rules over random pauses and random decisions', () => {
  it('the generated pauses are definitions the validator accepts', () => {
    fc.assert(
      fc.property(setupArb, (s) => {
        expect(validateDefinition({ name: 'unit-flow', steps: [s.step] }).steps[0]).toEqual(s.step);
      }),
      { numRuns: RUNS },
    );
  });

  it('every decision gets the outcome the rules give it; refusals and repeats change nothing; one outcome settles the pause', () => {
    const seen = new Set<string>();
    const outcomes = fc.property(scenarioArb, ([s, attempts]) => {
      for (const r of play(s, attempts).results) seen.add(r.kind === 'refused' ? `${r.type}:${String(r.details.rule ?? r.details.field ?? '')}` : r.kind);
    });
    fc.assert(outcomes, { numRuns: RUNS });
    // Whether a random sample reaches the rarest outcomes is chance (an idempotency conflict needs a
    // reused key with other content): a fixed sample, the same every run, makes sure every one is played.
    fc.assert(outcomes, { numRuns: RUNS, seed: COVERAGE_SEED });
    // Every outcome the rules have was reached.
    for (const outcome of [
      'voted',
      'decided',
      'duplicate',
      `${ErrorType.IdempotencyConflict}:`,
      `${ErrorType.AlreadyDecided}:`,
      `${ErrorType.AlreadyDecided}:approvals_required`,
      `${ErrorType.DigestMismatch}:`,
      `${ErrorType.Forbidden}:assignees`,
      `${ErrorType.Forbidden}:allow_self_approval`,
      `${ErrorType.Forbidden}:approvals_required`,
      `${ErrorType.InvalidDecision}:action`,
      `${ErrorType.InvalidDecision}:value`,
      `${ErrorType.InvalidDecision}:reject_requires_comment`,
    ]) {
      expect(seen).toContain(outcome);
    }
  });

  it('a retry with the same key, caller and content answers as the first time did, however often and whenever it comes', () => {
    fc.assert(
      fc.property(keyedScenarioArb, fc.nat(), fc.nat({ max: 3 }), ([s, attempts], pick, times) => {
        // Each step of the sequence is checked by the property above; this one is about the retry.
        const { run, pause, results } = play(s, attempts, false);
        const accepted = attempts.filter((a, i) => a.key !== undefined && (results[i]!.kind === 'voted' || results[i]!.kind === 'decided'));
        fc.pre(accepted.length > 0);
        const again = accepted[pick % accepted.length]!;
        const before = JSON.stringify(run.data);
        for (let i = 0; i <= times; i++) {
          expect(decide(run, messageOf({ ...again, digest: 'none' }, pause))).toEqual({ kind: 'duplicate', requestId: pause.request_id });
          // The same key with other content is a conflict, not a repeat and not a new vote.
          const other = { ...again, skip: false, value: again.skip ? 'approve' : again.value === 'hold' ? 'ship' : 'hold', digest: 'none' as const };
          const conflict = decide(run, messageOf(other, pause));
          expect(conflict).toMatchObject({ kind: 'refused', type: ErrorType.IdempotencyConflict });
          const otherComment = decide(run, messageOf({ ...again, comment: `${again.comment ?? ''} (edited)`, digest: 'none' }, pause));
          expect(otherComment).toMatchObject({ kind: 'refused', type: ErrorType.IdempotencyConflict });
        }
        expectUnchanged(run, before);
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic: the same sequence on a fresh run gives the same answers and the same state', () => {
    fc.assert(
      fc.property(scenarioArb, ([s, attempts]) => {
        const first = play(s, attempts);
        const second = play(s, attempts, false);
        expect(second.results).toEqual(first.results);
        expectUnchanged(second.run, JSON.stringify(first.run.data));
      }),
      { numRuns: RUNS },
    );
  });

  it('refused decisions and repeats are inert: leaving them out gives the same state', () => {
    fc.assert(
      fc.property(scenarioArb, ([s, attempts]) => {
        const full = play(s, attempts);
        const counted = attempts.filter((_, i) => full.results[i]!.kind === 'voted' || full.results[i]!.kind === 'decided');
        const lean = play(s, counted, false);
        expect(lean.results.every((r) => r.kind === 'voted' || r.kind === 'decided')).toBe(true);
        expectUnchanged(lean.run, JSON.stringify(full.run.data));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('order independence of distinct approvers', () => {
  /** A confirmation needing `n` approvals (or rejections), with permitted callers voting in any order and outsiders trying in between. */
  const votersArb = fc
    .record({
      needed: fc.integer({ min: 1, max: 5 }),
      kind: fc.constantFrom('approve', 'reject'),
      voters: fc.shuffledSubarray(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace'], { minLength: 5, maxLength: 7 }),
      outsiders: fc.array(fc.record({ at: fc.nat(), by: fc.constantFrom('mallory', 'trent') }), { maxLength: 4 }),
      keyed: fc.boolean(),
    })
    .map((r) => ({ ...r, needed: Math.min(r.needed, r.voters.length) }));

  it('settles on the `needed`-th distinct vote whatever the order, counts exactly the first `needed` voters, and refuses the rest', () => {
    fc.assert(
      fc.property(votersArb, ({ needed, kind, voters, outsiders, keyed }) => {
        const rules = kind === 'approve' ? { approvals_required: needed } : { rejections_required: needed };
        const assignees = [...voters];
        const step: PauseStep = { name: STEP, type: 'confirmation', message: 'Ship it?', assignees, ...rules };
        const { run, pause } = waitingAt(step);
        const sequence: { by: string; insider: boolean }[] = voters.map((by) => ({ by, insider: true }));
        for (const o of outsiders) sequence.splice(o.at % (sequence.length + 1), 0, { by: o.by, insider: false });

        const accepted: string[] = [];
        for (const [i, { by, insider }] of sequence.entries()) {
          const result = decide(run, { step: STEP, value: kind, by, ...(keyed ? { idempotency_key: `key-${i}` } : {}) });
          if (!insider) expect(result).toMatchObject({ kind: 'refused', type: pause.status === 'pending' ? ErrorType.Forbidden : ErrorType.AlreadyDecided });
          else if (accepted.length < needed) {
            accepted.push(by);
            expect(result).toEqual({ kind: accepted.length < needed ? 'voted' : 'decided' });
          } else expect(result).toMatchObject({ kind: 'refused', type: ErrorType.AlreadyDecided });
        }
        expect(pause.status).toBe('decided');
        expect(pause.decision).toMatchObject({ value: kind, by: accepted[needed - 1] });
        expect(pause.votes.map((v) => v.by)).toEqual(voters.slice(0, needed));
      }),
      { numRuns: RUNS },
    );
  });

  it('the outcome of distinct approvals does not depend on their order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.shuffledSubarray(['alice', 'bob', 'carol', 'dave'], { minLength: 4, maxLength: 4 }),
        fc.shuffledSubarray(['alice', 'bob', 'carol', 'dave'], { minLength: 4, maxLength: 4 }),
        (needed, one, other) => {
          const outcome = (order: string[]) => {
            const step: PauseStep = { name: STEP, type: 'confirmation', message: 'Ship it?', approvals_required: needed };
            const { run, pause } = waitingAt(step);
            const results = order.map((by) => decide(run, { step: STEP, value: 'approve', by }).kind);
            return { status: pause.status, value: pause.decision?.value, votes: pause.votes.length, results };
          };
          expect(outcome(one)).toEqual(outcome(other));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('decision-rule bugs found by these properties, each kept as a test once fixed', () => {
  /**
   * Was a bug: `approvals_required` is "distinct principals who must approve", and an edit of an
   * output_review is an approval (separation of duties treats it as one), yet `castVote` counted only
   * the value "approve": an edit settled the pause at once, so one reviewer could pass a review that
   * needs several approvers by sending `{"edit": <the output unchanged>}`. From behavior 5 an edit is
   * its author's approval of the edited output (test/unit/review-rounds.test.ts has the rounds).
   */
  it('one reviewer cannot settle an output review that needs several approvers by editing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('alice', 'bob', 'carol'), (needed, output, by) => {
        const step: PauseStep = { name: STEP, type: 'output_review', message: 'Check the draft', review: 'draft', approvals_required: needed };
        const run = newRun([{ name: 'draft', type: 'task', handler: 'write' }, step], { settings: { max_lifetime_ms: 86_400_000, behavior: RUN_BEHAVIOR } });
        run.completeStep(run.startStep({ name: 'draft', type: 'task', handler: 'write' }), output);
        const { pause } = openPause(run, step);
        decide(run, { step: STEP, value: { edit: output }, by });
        expect(pause.status).toBe('pending');
      }),
      { numRuns: 20 },
    );
  });

  /**
   * The invariant behind the rule above, over random sequences of approvals, rejections and edits by a
   * few reviewers (behavior 5): a review settles approved only when as many distinct people as it
   * needs approved in the round that settled it (votes since the last edit), nobody counts twice in a
   * round, and what ships is what that round approved.
   */
  it('an output review settles approved only with enough distinct approvers of what ships', () => {
    const outputs = [{ v: 1 }, { v: 2 }, { v: 3 }];
    const attemptArb = fc.record({
      by: fc.constantFrom('alice', 'bob', 'carol', 'dave'),
      value: fc.oneof(fc.constant<unknown>('approve'), fc.constant<unknown>('reject'), fc.constantFrom(...outputs).map((edit): unknown => ({ edit }))),
    });
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.array(attemptArb, { maxLength: 25 }), (needed, rejections, attempts) => {
        const step: PauseStep = { name: STEP, type: 'output_review', message: 'Check the draft', review: 'draft', approvals_required: needed, rejections_required: rejections };
        const run = newRun([{ name: 'draft', type: 'task', handler: 'write' }, step], { settings: { max_lifetime_ms: 86_400_000, behavior: RUN_BEHAVIOR } });
        const draft = run.startStep({ name: 'draft', type: 'task', handler: 'write' });
        run.completeStep(draft, outputs[0]);
        const { pause, record } = openPause(run, step);
        for (const attempt of attempts) {
          decide(run, { step: STEP, ...attempt, ...(pause.status === 'pending' ? { digest: pause.digest } : {}) });
          const round = pause.votes.slice(pause.round_from ?? 0);
          const counted = round.map((v) => (v.value === 'reject' ? 'reject' : 'approve'));
          const approvers = new Set(round.filter((_, i) => counted[i] === 'approve').map((v) => v.by));
          const rejecters = new Set(round.filter((_, i) => counted[i] === 'reject').map((v) => v.by));
          // Nobody has two votes that count in one round.
          expect(approvers.size + rejecters.size).toBe(round.length);
          if (pause.status === 'pending') {
            expect(approvers.size).toBeLessThan(needed);
            expect(rejecters.size).toBeLessThan(rejections);
            continue;
          }
          if (pause.decision!.value === 'reject') {
            expect(rejecters.size).toBe(rejections);
          } else {
            expect(approvers.size).toBe(needed);
            applyOutcome(run, step, pause, record);
            expect(run.context().steps.draft!.output).toEqual(pause.review!.output);
          }
          break;
        }
      }),
      { numRuns: 300 },
    );
  });

  /**
   * BUG: `findByKey` looks for the caller's key across every pause of the run and compares only the
   * value and comment, not which pause the decision names. A caller who reuses a key (same value) on a
   * later pause gets `duplicate` for the earlier pause: the update answers as if it had decided, and the
   * later pause stays pending. The README promises a 409 for "the same key with another decision".
   * Smallest case: alice approves step `first` with key k; later, alice approves step `second` (its
   * request id) with key k → answered as a duplicate of `first`, nothing recorded for `second`.
   */
  it('a key reused on another pause is never answered as a repeat of the earlier pause', () => {
    fc.assert(
      fc.property(fc.constantFrom('approve', 'reject'), fc.constantFrom('alice', 'bob'), fc.boolean(), (value, by, byRequestId) => {
        const first: PauseStep = { name: 'first', type: 'confirmation', message: 'First?' };
        const second: PauseStep = { name: 'second', type: 'confirmation', message: 'Second?' };
        const run = newRun([first, second]);
        const a = openPause(run, first).pause;
        expect(decide(run, { step: 'first', value, by, idempotency_key: 'k' })).toEqual({ kind: 'decided' });
        const b = openPause(run, second).pause;
        const result = decide(run, { ...(byRequestId ? { request_id: b.request_id } : { step: 'second' }), value, by, idempotency_key: 'k' });
        expect(a.status).toBe('decided');
        expect(result.kind === 'duplicate' && result.requestId !== b.request_id).toBe(false);
      }),
      { numRuns: 20 },
    );
  });
});
