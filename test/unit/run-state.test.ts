import { ApplicationFailure } from '@temporalio/common';
import type { PauseStep } from '../../src/contracts/definition';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { interactionProblem } from '../../src/contracts/interaction';
import type { Principal } from '../../src/contracts/principal';
import { RUN_BEHAVIOR } from '../../src/contracts/temporal';
import type { Pause, RunInput } from '../../src/contracts/run';
import { authorize } from '../../src/core/authorize';
import { replayOf, updateIdFor, whyEnded } from '../../src/core/decision-outcomes';
import { verifyChain } from '../../src/lib/audit-chain';
import { digestOf } from '../../src/lib/digest';
import { ContinueAsNewNeeded, RunEnd, RunFailure } from '../../src/workflows/outcomes';
import { applyOutcome, newPause, timeOut } from '../../src/workflows/pauses';
import { checkRunInput, NewerBehavior } from '../../src/workflows/run-input';
import { RunState } from '../../src/workflows/run-state';
import { confirm, newRun, openPause, refusalOf } from './run-fixture';

/** A run's state machine, the pauses it opens, and what their outcomes do to it: all plain functions. */

const AT = '2026-01-01T00:01:00.000Z';
const decideOn = (run: RunState, pause: Pause, value: unknown, by?: string, comment?: string) =>
  run.castVote(pause, { value, ...(by ? { by } : {}), at: AT, channel: 'update', ...(comment ? { comment } : {}) }, value === 'skipped');

function waitingAt(step: PauseStep = confirm('approval')) {
  const run = newRun([step]);
  const { pause, record } = openPause(run, step);
  return { run, step, pause, record };
}

/** What a thrown outcome was, for assertions (RunFailure, RunEnd, or nothing). */
function outcomeOf(apply: () => void): { kind: 'went on' } | { kind: 'failed'; error: RunFailure['error'] } | { kind: 'ended'; result: unknown } {
  try {
    apply();
    return { kind: 'went on' };
  } catch (err) {
    if (err instanceof RunFailure) return { kind: 'failed', error: err.error };
    if (err instanceof RunEnd) return { kind: 'ended', result: err.result };
    throw err;
  }
}

describe('run state', () => {
  it('starts running, with one root frame and nothing recorded', () => {
    const run = newRun([confirm('approval')]);
    expect(run.status).toBe('running');
    expect(run.ended).toBe(false);
    expect(run.data.frames).toEqual([{ parent: null, branch: null, index: 0 }]);
    expect(run.view()).toMatchObject({ run_id: 'wfr_unit', workflow: 'unit-flow', status: 'running', pending: [], result: null, error: null, last_event_seq: 0, started_by: 'starter' });
    expect(run.view().interaction).toEqual({ human_in_the_loop: false, permission_mode: 'autonomous' });
  });

  it('is paused exactly while a pause is pending', () => {
    const { run, pause } = waitingAt();
    expect(run.status).toBe('paused');
    expect(run.view().pending.map((p) => p.request_id)).toEqual(['wfr_unit.approval.1']);
    decideOn(run, pause, 'approve', 'alice');
    expect(run.status).toBe('running');
    expect(run.view().pending).toEqual([]);
  });

  it('numbers requests per step', () => {
    const run = newRun([confirm('a'), confirm('b')]);
    expect([run.nextRequestId('a'), run.nextRequestId('a'), run.nextRequestId('b')]).toEqual(['wfr_unit.a.1', 'wfr_unit.a.2', 'wfr_unit.b.1']);
  });

  it('numbers events and pages through them', () => {
    const run = newRun([confirm('a')]);
    for (let i = 0; i < 5; i++) run.record('branch_taken', { step: `s${i}` });
    expect(run.events().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(run.events(2, 2).map((e) => e.step)).toEqual(['s2', 's3']);
    expect(run.events(5)).toEqual([]);
    expect(run.data.updated_at).toBe(run.data.events[4]!.at);
  });

  it('moves steps through running, completed, failed and skipped, with an event each', () => {
    const run = newRun([{ name: 't', type: 'task', handler: 'h' }]);
    const task = { name: 't', type: 'task' as const, handler: 'h', title: 'The task' };
    const done = run.startStep(task);
    expect(done).toMatchObject({ name: 't', type: 'task', status: 'running', title: 'The task' });
    run.completeStep(done, { n: 1 }, { attempts: 2 });
    const failed = run.startStep(task);
    run.failStep(failed, { type: 'Boom', message: 'no' }, 3);
    const skipped = run.startStep(task);
    run.skipStep(skipped, 'nobody cared');
    expect([done, failed, skipped].map((s) => [s.status, s.attempts])).toEqual([
      ['completed', 2],
      ['failed', 3],
      ['skipped', undefined],
    ]);
    expect(done.output).toEqual({ n: 1 });
    expect(failed.error).toEqual({ type: 'Boom', message: 'no' });
    expect(run.stepRecord('t')).toBe(skipped);
    expect(run.data.events.map((e) => e.type)).toEqual(['step_started', 'step_completed', 'step_started', 'step_failed', 'step_started', 'step_skipped']);
    // A pause step starts paused, without a step_started event.
    run.startStep(confirm('approval'), 'paused');
    expect(run.data.events).toHaveLength(6);
  });

  it('completes with a result (null for none)', () => {
    const run = newRun([confirm('a')]);
    run.complete(undefined);
    expect(run.view()).toMatchObject({ status: 'completed', result: null, ended_at: expect.any(String) });
    expect(run.ended).toBe(true);
    expect(run.data.events.at(-1)!.type).toBe('run_completed');
  });

  it('fails, leaving no step running and no pause decidable', () => {
    const { run, record, pause } = waitingAt();
    run.fail({ type: 'lifetime_exceeded', message: 'too old', step: 'approval' });
    expect(run.view()).toMatchObject({ status: 'failed', error: { type: 'lifetime_exceeded', message: 'too old', step: 'approval' }, pending: [] });
    expect(record.status).toBe('cancelled');
    expect(pause.status).toBe('cancelled');
    expect(run.data.events.at(-1)).toMatchObject({ type: 'run_failed', step: 'approval', data: { error: { type: 'lifetime_exceeded' } } });
  });

  it('cancels, saying who asked, why, and which requests were open', () => {
    const { run, pause } = waitingAt();
    run.data.cancel_requested = { by: 'ops', reason: 'duplicate order', at: AT };
    run.cancel();
    expect(run.status).toBe('cancelled');
    expect(pause.status).toBe('cancelled');
    expect(run.data.events.at(-1)).toMatchObject({ type: 'run_cancelled', data: { by: 'ops', reason: 'duplicate order' } });
    expect(run.data.audit.at(-1)).toMatchObject({ type: 'cancelled', by: 'ops', comment: 'duplicate order', data: { open_requests: ['wfr_unit.approval.1'] } });
    expect(run.view().cancel_requested).toEqual({ by: 'ops', reason: 'duplicate order', at: AT });
  });

  it('gives expressions the steps, their outputs and decisions, and the run', () => {
    const { run, pause } = waitingAt();
    const task = run.startStep({ name: 'fetch', type: 'task', handler: 'h' });
    run.completeStep(task, [1, 2]);
    decideOn(run, pause, 'approve', 'alice', 'fine');
    const ctx = run.context();
    expect(ctx).toMatchObject({ task: 'a unit test', state: {}, run: { id: 'wfr_unit', workflow: 'unit-flow', started_by: 'starter', started_at: '2026-01-01T00:00:00.000Z' } });
    expect(ctx.steps.fetch).toEqual({ status: 'completed', output: [1, 2] });
    expect(ctx.steps.approval).toEqual({ status: 'paused', decision: { value: 'approve', by: 'alice', at: AT, channel: 'update', comment: 'fine' } });
  });

  it('keeps its interaction settings apart from queries: reading does not create them', () => {
    const run = newRun([confirm('a')], { interaction: { human_in_the_loop: true, permission_mode: 'approval' } });
    expect(run.currentInteraction()).toEqual({ human_in_the_loop: true, permission_mode: 'approval' });
    expect(run.data.interaction).toBeUndefined();
    run.interaction.permission_mode = 'plan';
    expect(run.data.interaction).toEqual({ human_in_the_loop: true, permission_mode: 'plan', remembered: [] });
    expect(run.view().interaction).toEqual({ human_in_the_loop: true, permission_mode: 'plan' });
  });

  it('survives continue-as-new: its data is plain JSON and a new execution carries on from it', () => {
    const { run, pause } = waitingAt(confirm('approval', { approvals_required: 2 }));
    decideOn(run, pause, 'approve', 'alice');
    const carried = JSON.parse(JSON.stringify(run.data)) as unknown;
    expect(carried).toEqual(run.data);
    const next = new RunState({ ...run.input, carried } as RunInput);
    expect(next.view()).toEqual(run.view());
    expect(next.nextRequestId('approval')).toBe('wfr_unit.approval.2');
    expect(next.castVote(next.pending()[0]!, { value: 'approve', by: 'bob', at: AT, channel: 'update' })).toBe('decided');
    expect(verifyChain(next.data.audit).ok).toBe(true);
  });
});

describe('votes and decisions', () => {
  it('settles an ordinary pause on its first decision, on the pause, its step and both logs', () => {
    const { run, pause, record } = waitingAt();
    expect(decideOn(run, pause, 'approve', 'alice')).toBe('decided');
    expect(pause).toMatchObject({ status: 'decided', decision: { value: 'approve', by: 'alice', at: AT, channel: 'update' }, votes: [{ value: 'approve', by: 'alice' }] });
    expect(pause.decision!.votes).toBeUndefined();
    expect(record.decision).toEqual(pause.decision);
    expect(run.data.events.at(-1)).toMatchObject({ type: 'decided', step: 'approval', request_id: 'wfr_unit.approval.1', data: { value: 'approve', by: 'alice', channel: 'update' } });
    expect(run.data.audit.at(-1)).toMatchObject({ type: 'decided', step: 'approval', by: 'alice', value: 'approve', channel: 'update' });
  });

  it('counts approvals until the quorum, then settles with the number of votes', () => {
    const { run, pause } = waitingAt(confirm('approval', { approvals_required: 3 }));
    expect(decideOn(run, pause, 'approve', 'alice')).toBe('voted');
    expect(decideOn(run, pause, 'approve', 'bob')).toBe('voted');
    expect(pause.status).toBe('pending');
    expect(run.data.events.filter((e) => e.type === 'voted').map((e) => e.data)).toEqual([
      { value: 'approve', by: 'alice', count: 1, needed: 3 },
      { value: 'approve', by: 'bob', count: 2, needed: 3 },
    ]);
    expect(run.data.audit.filter((e) => e.type === 'voted').map((e) => [e.by, e.data])).toEqual([
      ['alice', { count: 1, needed: 3 }],
      ['bob', { count: 2, needed: 3 }],
    ]);
    expect(decideOn(run, pause, 'approve', 'carol')).toBe('decided');
    expect(pause.decision).toMatchObject({ value: 'approve', by: 'carol', votes: 3 });
  });

  it('lets a single rejection settle a step that needs several approvals (rejections_required defaults to 1)', () => {
    const { run, pause } = waitingAt(confirm('approval', { approvals_required: 2 }));
    expect(decideOn(run, pause, 'approve', 'alice')).toBe('voted');
    expect(decideOn(run, pause, 'reject', 'bob', 'no')).toBe('decided');
    expect(pause.decision).toMatchObject({ value: 'reject', by: 'bob', comment: 'no', votes: 2 });
  });

  it('counts rejections separately where several are required', () => {
    const { run, pause } = waitingAt(confirm('approval', { rejections_required: 2 }));
    expect(decideOn(run, pause, 'reject', 'alice')).toBe('voted');
    expect(decideOn(run, pause, 'reject', 'bob')).toBe('decided');
    expect(pause.decision!.value).toBe('reject');
  });

  it('settles a skip as skipped, audited as such', () => {
    const { run, pause } = waitingAt(confirm('approval', { allow_skip: true, approvals_required: 2 }));
    expect(decideOn(run, pause, 'skipped', 'alice')).toBe('decided');
    expect(pause.status).toBe('skipped');
    expect(run.data.audit.at(-1)).toMatchObject({ type: 'skipped', value: 'skipped', by: 'alice' });
  });

  it('keeps an audit chain that verifies, and shows where it was edited', () => {
    const { run, pause } = waitingAt(confirm('approval', { approvals_required: 2 }));
    run.audit('requested', { step: 'approval', request_id: pause.request_id });
    decideOn(run, pause, 'approve', 'alice');
    decideOn(run, pause, 'approve', 'bob');
    const report = verifyChain(run.data.audit);
    expect(report).toEqual({ ok: true, problems: [], chains: [{ run_id: 'wfr_unit', chain: 'run', entries: 3, head: run.data.audit[2]!.hash }] });
    const forged = run.data.audit.map((e) => (e.seq === 2 ? { ...e, by: 'mallory' } : e));
    expect(verifyChain(forged).problems).toEqual([expect.objectContaining({ seq: 2, problem: expect.stringMatching(/the entry was changed/) })]);
    const truncated = run.data.audit.filter((e) => e.seq !== 2);
    expect(verifyChain(truncated).problems.map((p) => p.problem)).toEqual([expect.stringMatching(/expected entry 2 here, found 3/), expect.stringMatching(/prev_hash .* does not match/)]);
  });
});

describe('pauses as they open', () => {
  it('applies the default rules, options and timeout policy', () => {
    const { pause } = waitingAt();
    expect(pause).toMatchObject({
      request_id: 'wfr_unit.approval.1',
      run_id: 'wfr_unit',
      workflow: 'unit-flow',
      step: 'approval',
      type: 'confirmation',
      message: 'Confirm approval?',
      options: ['approve', 'reject'],
      assignees: [],
      rules: { approvals_required: 1, rejections_required: 1, allow_self_approval: false, reject_requires_comment: false, allow_skip: false },
      votes: [],
      started_by: 'starter',
      status: 'pending',
      on_timeout: 'fail',
    });
    expect(pause.timeout_at).toBeUndefined();
    expect(pause.escalation).toBeUndefined();
  });

  it('sets the timeout and escalation rungs from when it opened', () => {
    const { pause } = waitingAt(confirm('approval', { timeout: '2h', on_timeout: 'reject', escalation: { remind_after: '30m', reassign_after: '1h', reassign_to: ['group:leads'] }, slack: { channels: ['#ops'] } }));
    const opened = Date.parse(pause.created_at);
    expect(Date.parse(pause.timeout_at!) - opened).toBe(7_200_000);
    expect(Date.parse(pause.escalation!.remind_at!) - opened).toBe(1_800_000);
    expect(Date.parse(pause.escalation!.reassign_at!) - opened).toBe(3_600_000);
    expect(pause.escalation!.reassign_to).toEqual(['group:leads']);
    expect(pause).toMatchObject({ on_timeout: 'reject', slack_channels: ['#ops'] });
  });

  it('digests what the approver is shown, and only that', () => {
    const run = newRun([confirm('approval')]);
    const open = (step: PauseStep, context?: unknown) => newPause(run, step, 'wfr_unit.approval.1', { message: step.message, context });
    const base = open(confirm('approval'));
    expect(base.digest).toBe(digestOf({ step: 'approval', type: 'confirmation', message: 'Confirm approval?', options: ['approve', 'reject'] }));
    expect(open(confirm('approval', { assignees: ['bob'], timeout: '1h', approvals_required: 2 })).digest).toBe(base.digest);
    expect(open(confirm('approval', { message: 'Confirm it?' })).digest).not.toBe(base.digest);
    expect(open(confirm('approval', { options: ['approve', 'reject', 'later'] })).digest).not.toBe(base.digest);
    expect(open(confirm('approval'), { amount: 10 }).digest).not.toBe(open(confirm('approval'), { amount: 11 }).digest);
  });

  it('makes a tool confirmation a tool_approval its starter may approve', () => {
    const run = newRun([confirm('approval')]);
    const tool = { call_id: 'c1', name: 'refund', args: { amount: 5 }, hitl: 'confirmation' as const, agent_step: 'agent' };
    const pause = newPause(run, confirm('approval'), 'wfr_unit.approval.1', { message: 'Refund?', context: undefined, tool });
    expect(pause).toMatchObject({ type: 'tool_approval', tool, rules: { allow_self_approval: true } });
    const input = newPause(run, { name: 'approval', type: 'input', message: 'Fill in', input_schema: {} }, 'wfr_unit.approval.2', { message: 'Fill in', context: undefined, tool: { ...tool, hitl: 'user_input' } });
    expect(input.type).toBe('input');
    expect(input.options).toBeUndefined();
  });

  it('refuses to review a step that has not completed', () => {
    const run = newRun([confirm('approval')]);
    const step: PauseStep = { name: 'check', type: 'output_review', message: 'Check', review: 'draft' };
    expect(outcomeOf(() => newPause(run, step, 'wfr_unit.check.1', { message: 'Check', context: undefined }))).toEqual({
      kind: 'failed',
      error: { type: 'expression_failed', message: 'step "check" reviews step "draft", which has not completed', step: 'check' },
    });
  });
});

describe('timeouts', () => {
  const step = (on_timeout?: string) => confirm('approval', { timeout: '1h', ...(on_timeout ? { on_timeout } : {}) });

  it('fails the run by default, naming the step and the wait', () => {
    const s = step();
    const { run, pause, record } = waitingAt(s);
    expect(outcomeOf(() => timeOut(run, s, pause, record))).toEqual({ kind: 'failed', error: { type: 'timed_out', message: 'no decision on step "approval" within 1h', step: 'approval' } });
    expect(pause.status).toBe('timed_out');
    expect(record).toMatchObject({ status: 'failed', error: { type: 'timed_out' } });
    expect(run.data.events.at(-2)).toMatchObject({ type: 'timed_out', data: { on_timeout: 'fail' } });
    expect(run.data.audit.at(-1)).toMatchObject({ type: 'timed_out', channel: 'timeout' });
  });

  it.each([
    ['skip', 'skipped'],
    ['timeout_skip', 'timeout_skip'],
  ])('%s: the step is skipped and the run goes on', (policy, value) => {
    const s = step(policy);
    const { run, pause, record } = waitingAt(s);
    expect(timeOut(run, s, pause, record)).toBeUndefined();
    expect(pause).toMatchObject({ status: 'timed_out', decision: { value, by: 'system', channel: 'timeout', comment: 'no decision within 1h' } });
    expect(record.status).toBe('skipped');
  });

  it.each([
    ['reject', 'reject'],
    ['approve', 'approve'],
  ])('%s: decides %j for the approver', (policy, value) => {
    const s = step(policy);
    const { run, pause, record } = waitingAt(s);
    const decision = timeOut(run, s, pause, record);
    expect(decision).toMatchObject({ value, by: 'system', channel: 'timeout' });
    expect(pause).toMatchObject({ status: 'timed_out', decision });
  });
});

describe('outcomes of a decision', () => {
  const settle = (step: PauseStep, value: unknown, by?: string, comment?: string) => {
    const { run, pause, record } = waitingAt(step);
    decideOn(run, pause, value, by, comment);
    return { run, pause, record, outcome: outcomeOf(() => applyOutcome(run, step, pause, record)) };
  };

  it('completes the step with the chosen value', () => {
    const { outcome, record } = settle(confirm('approval'), 'approve', 'alice');
    expect(outcome).toEqual({ kind: 'went on' });
    expect(record).toMatchObject({ status: 'completed', output: 'approve' });
  });

  it.each([
    [undefined, 'alice', 'too risky', { kind: 'failed', error: { type: 'rejected', message: 'step "approval" was rejected by alice: too risky', step: 'approval' } }],
    ['fail', undefined, undefined, { kind: 'failed', error: { type: 'rejected', message: 'step "approval" was rejected by an unnamed sender', step: 'approval' } }],
    ['complete', 'alice', undefined, { kind: 'ended', result: { rejected: { step: 'approval', by: 'alice', at: AT, comment: null } } }],
    ['continue', 'alice', 'fine', { kind: 'went on' }],
  ] as const)('a rejection with on_reject %s', (onReject, by, comment, expected) => {
    const { outcome, record } = settle(confirm('approval', onReject ? { on_reject: onReject } : {}), 'reject', by, comment);
    expect(outcome).toEqual(expected);
    expect(record).toMatchObject({ status: 'completed', output: 'reject' });
  });

  it('names the timeout as the rejecter when the timeout rejected', () => {
    const s = confirm('approval', { timeout: '1h', on_timeout: 'reject', on_reject: 'complete' });
    const { run, pause, record } = waitingAt(s);
    timeOut(run, s, pause, record);
    expect(outcomeOf(() => applyOutcome(run, s, pause, record))).toMatchObject({ kind: 'ended', result: { rejected: { by: 'timeout', comment: 'no decision within 1h' } } });
  });

  it('never treats "reject" as a rejection on input and question steps', () => {
    const { outcome, record } = settle({ name: 'approval', type: 'input', message: 'Word?', input_schema: { type: 'string' } }, 'reject', 'alice');
    expect(outcome).toEqual({ kind: 'went on' });
    expect(record.output).toBe('reject');
  });

  it('skips the step of a skipped pause, naming who skipped it', () => {
    const { outcome, record, run } = settle(confirm('approval', { allow_skip: true }), 'skipped', 'alice');
    expect(outcome).toEqual({ kind: 'went on' });
    expect(record.status).toBe('skipped');
    expect(run.data.events.at(-1)).toMatchObject({ type: 'step_skipped', data: { reason: 'skipped by alice' } });
  });

  it('puts an edited output in place of the reviewed one, keeping the original and the editor', () => {
    const step: PauseStep = { name: 'check', type: 'output_review', message: 'Check', review: 'draft' };
    const run = newRun([{ name: 'draft', type: 'task', handler: 'write' }, step]);
    const draft = run.startStep({ name: 'draft', type: 'task', handler: 'write' });
    run.completeStep(draft, { text: 'teh' });
    const { pause, record } = openPause(run, step);
    decideOn(run, pause, { edit: { text: 'the' } }, 'alice');
    expect(outcomeOf(() => applyOutcome(run, step, pause, record))).toEqual({ kind: 'went on' });
    expect(draft).toMatchObject({ output: { text: 'the' }, original_output: { text: 'teh' }, edited_by: 'alice' });
    expect(record).toMatchObject({ status: 'completed', output: 'edit' });
    expect(run.context().steps.draft!.output).toEqual({ text: 'the' });
  });

  it('has outcome errors that carry what the run ends with', () => {
    expect(new RunFailure({ type: 'rejected', message: 'no' })).toMatchObject({ name: 'RunFailure', message: 'no', error: { type: 'rejected', message: 'no' } });
    expect(new RunEnd({ x: 1 })).toMatchObject({ name: 'RunEnd', result: { x: 1 } });
    expect(new ContinueAsNewNeeded()).toBeInstanceOf(Error);
  });
});

describe('the run input check', () => {
  const good = newRun([confirm('approval')]).input;

  it('passes a well-formed input through unchanged', () => {
    expect(checkRunInput(good)).toBe(good);
  });

  it('fails the workflow task (not the run) for a behavior newer than this code knows, so a newer worker takes it', () => {
    const newer = { ...good, settings: { ...good.settings, behavior: RUN_BEHAVIOR + 1 } };
    expect(() => checkRunInput(newer)).toThrow(NewerBehavior);
    expect(() => checkRunInput(newer)).not.toThrow(ApplicationFailure);
    const current = { ...good, settings: { ...good.settings, behavior: RUN_BEHAVIOR } };
    expect(checkRunInput(current)).toBe(current);
  });

  it('lists every problem of a hand-made start, as a non-retryable invalid_input', () => {
    const refused = refusalOf(() => checkRunInput({ run_id: '', definition: { steps: [] }, task: 1, state: [], started_at: 'yesterday', settings: { max_lifetime_ms: 0 } }));
    expect(refused.type).toBe('invalid_input');
    expect(refused.nonRetryable).toBe(true);
    expect(refused.message).toBe(
      'invalid run input (start runs through the holdpoint gateway or core): run_id: must be a non-empty string; definition.name: must be a string; definition.steps: must be a non-empty list; ' +
        'definition_hash: must be a string; task: must be a string; state: must be an object; started_at: must be an ISO date-time; settings.max_lifetime_ms: must be a positive number',
    );
    expect(refusalOf(() => checkRunInput(null)).message).toMatch(/run_id: .*definition: must be a definition object/);
  });
});

describe('permission modes', () => {
  it.each([
    [false, 'autonomous', undefined],
    [true, 'autonomous', undefined],
    [true, 'approval', undefined],
    [true, 'plan', undefined],
    [false, 'approval', /^permission_mode "approval" needs human_in_the_loop: true/],
    [false, 'plan', /^permission_mode "plan" needs human_in_the_loop: true/],
    [true, 'yolo', /^permission_mode must be one of autonomous, approval, plan$/],
  ] as const)('human_in_the_loop %s with %s', (human_in_the_loop, permission_mode, problem) => {
    const found = interactionProblem({ human_in_the_loop, permission_mode: permission_mode as 'autonomous' });
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe('roles', () => {
  const who = (...roles: Principal['roles']): Principal => ({ id: 'pat', roles, groups: [] });
  it.each([
    ['viewer', 'read', true],
    ['viewer', 'decide', false],
    ['approver', 'decide', true],
    ['approver', 'start', false],
    ['operator', 'start', true],
    ['operator', 'cancel', true],
    ['operator', 'decide', false],
    ['operator', 'manage', false],
    ['admin', 'manage', true],
    ['admin', 'decide', true],
  ] as const)('%s may %s: %s', (role, action, allowed) => {
    if (allowed) return void expect(() => authorize(who(role), action)).not.toThrow();
    let thrown: unknown;
    try {
      authorize(who(role), action);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HoldpointError);
    expect(thrown).toMatchObject({ type: ErrorType.Forbidden, details: { rule: 'roles', has: [role] } });
    expect((thrown as Error).message).toMatch(new RegExp(`^pat \\(roles: ${role}\\) may not .*: that needs the .* role$`));
  });

  it('names the roles that would do, without the viewer', () => {
    expect(() => authorize(who('viewer'), 'decide')).toThrow('pat (roles: viewer) may not decide: that needs the admin or approver role');
  });
});

describe('decisions repeated after the run ended', () => {
  const alice: Principal = { id: 'alice', roles: ['approver'], groups: [] };
  function endedRun() {
    const { run, pause } = waitingAt();
    run.castVote(pause, { value: 'approve', by: 'alice', at: AT, channel: 'update', comment: 'ok', idempotency_key: 'k1' });
    run.complete({ done: true });
    return run.view();
  }

  it('answers the same decision with the run as it ended, and another one under the same key as a conflict', () => {
    const view = endedRun();
    expect(replayOf(view, alice, { step: 'approval', value: 'approve', comment: 'ok', idempotency_key: 'k1' })).toBe(view);
    expect(() => replayOf(view, alice, { step: 'approval', value: 'reject', comment: 'ok', idempotency_key: 'k1' })).toThrow(
      expect.objectContaining({ type: ErrorType.IdempotencyConflict, message: expect.stringMatching(/^idempotency key "k1" was already used for another decision on step "approval"/) }),
    );
    expect(replayOf(view, { ...alice, id: 'bob' }, { step: 'approval', value: 'reject', idempotency_key: 'k1' })).toBeUndefined();
    expect(replayOf(view, alice, { step: 'approval', value: 'approve', idempotency_key: 'k2' })).toBeUndefined();
  });

  it('explains why an ended run refused: decided by whom, or simply over', () => {
    const view = endedRun();
    expect(whyEnded(view, { step: 'approval', value: 'reject' })).toMatchObject({ type: ErrorType.AlreadyDecided, message: `step "approval" was already decided by alice at ${AT}`, details: { decided_by: 'alice', value: 'approve' } });
    expect(whyEnded(view, { step: 'other', value: 'reject' })).toMatchObject({ type: ErrorType.RunEnded, message: 'run wfr_unit has completed; it takes no more decisions', details: { status: 'completed' } });
  });

  it('gives Temporal one update id per caller, key and decision', () => {
    const input = { step: 'approval', value: 'approve', idempotency_key: 'k1' };
    const id = updateIdFor(alice, input);
    expect(id).toMatch(/^alice:k1:[0-9a-f]{16}$/);
    expect(updateIdFor(alice, { ...input })).toBe(id);
    expect(updateIdFor(alice, { ...input, value: 'reject' })).not.toBe(id);
    expect(updateIdFor({ ...alice, id: 'bob' }, input)).not.toBe(id);
  });
});
