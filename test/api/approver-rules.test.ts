import type { Step } from '../../src/contracts/definition';
import { definition, echo, testHandlers } from '../harness/definitions';
import { historyLength, start, startStack, type TestStack, type Who } from '../harness/stack';

const gate = (extra: Partial<Extract<Step, { type: 'confirmation' }>>): Step => ({ name: 'gate', type: 'confirmation', message: 'Approve the refund?', ...extra });

// Who may decide, how many must, and what they must say: enforced by the run's update validator.
describe('approver rules', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('finance-only', [gate({ assignees: ['group:finance', 'carol'] }), echo('after', "'done'")]),
        definition('two-approvals', [gate({ approvals_required: 2 }), echo('after', 'steps.gate.decision')]),
        definition('two-rejections', [gate({ rejections_required: 2, on_reject: 'complete' }), echo('after')]),
        definition('self-approval-allowed', [gate({ allow_self_approval: true }), echo('after')]),
        definition('reason-required', [gate({ reject_requires_comment: true, on_reject: 'continue' }), echo('after', 'steps.gate.decision.comment')]),
        definition('skippable', [gate({ allow_skip: true }), echo('after', 'steps.gate.status')]),
      ],
    });
  });
  afterAll(() => stack.stop());

  const begin = async (workflow: string, who: Who = 'ops') => {
    const res = await start(stack, workflow, { input: { task: 'refund 120 EUR' } }, '', who).expect(200);
    return { runId: res.body.run_id as string, requestId: res.body.output.pendingAction.request_id as string, pending: res.body.output.pendingAction };
  };
  const decide = (who: Who, requestId: string, body: object) => stack.http(who).post(`/v1/approvals/${requestId}/decision`).send(body);

  it('lets only assignees decide (principals or group members), with 403 naming the rule', async () => {
    const { runId, requestId, pending } = await begin('finance-only');
    expect(pending).toMatchObject({ assignees: ['group:finance', 'carol'], assignee: 'group:finance, carol' });
    const before = await historyLength(stack.client, runId);
    const refused = await decide('dave', requestId, { value: 'approve' }).expect(403);
    expect(refused.body.error).toMatchObject({
      type: 'forbidden',
      message: 'dave may not decide step "gate": it is assigned to group:finance, carol (rule: assignees)',
      details: { rule: 'assignees' },
    });
    expect(await historyLength(stack.client, runId)).toBe(before);
    const byMember = await decide('bob', requestId, { value: 'approve' }).expect(200);
    expect(byMember.body.run.output.status).toBe('completed');

    const second = await begin('finance-only');
    const byName = await decide('carol', second.requestId, { value: 'approve' }).expect(200);
    expect(byName.body.approval).toMatchObject({ status: 'decided', decision: { by: 'carol' } });
  });

  it('waits for N distinct approvers; one principal cannot approve twice', async () => {
    const { runId, requestId } = await begin('two-approvals');
    const first = await decide('alice', requestId, { value: 'approve' }).expect(200);
    expect(first.body.run.output.status).toBe('paused');
    expect(first.body.approval).toMatchObject({ status: 'pending', votes: [{ by: 'alice', value: 'approve' }], who_may_decide: { approvals_required: 2 } });

    const before = await historyLength(stack.client, runId);
    const again = await decide('alice', requestId, { value: 'approve' }).expect(409);
    expect(again.body.error).toMatchObject({ type: 'already_decided', details: { decided_by: 'alice', rule: 'approvals_required' } });
    expect(again.body.error.message).toMatch(/^alice already decided "approve" on step "gate" at .*needs 2 distinct approvers \(1 so far\)/);
    expect(await historyLength(stack.client, runId)).toBe(before);

    const second = await decide('bob', requestId, { value: 'approve' }).expect(200);
    expect(second.body.run.output).toMatchObject({ status: 'completed', result: { value: 'approve', by: 'bob', votes: 2 } });
  });

  it('rejects on a single rejection by default, even part-way to a quorum', async () => {
    const { requestId } = await begin('two-approvals');
    await decide('alice', requestId, { value: 'approve' }).expect(200);
    const rejected = await decide('bob', requestId, { value: 'reject', comment: 'over budget' }).expect(200);
    expect(rejected.body.run.output).toMatchObject({ status: 'failed', error_type: 'rejected', error: 'step "gate" was rejected by bob: over budget' });
  });

  it('needs as many rejections as the rule says', async () => {
    const { requestId } = await begin('two-rejections');
    const one = await decide('alice', requestId, { value: 'reject' }).expect(200);
    expect(one.body.run.output.status).toBe('paused');
    const two = await decide('bob', requestId, { value: 'reject' }).expect(200);
    expect(two.body.run.output).toMatchObject({ status: 'completed', result: { rejected: { step: 'gate', by: 'bob' } } });
  });

  it('keeps the principal who started a run from approving it (separation of duties)', async () => {
    const { runId, requestId } = await begin('two-approvals', 'dave');
    const before = await historyLength(stack.client, runId);
    const refused = await decide('dave', requestId, { value: 'approve' }).expect(403);
    expect(refused.body.error.message).toBe(
      'dave started this run and may not approve step "gate" (rule: separation of duties; the definition does not set allow_self_approval)',
    );
    expect(await historyLength(stack.client, runId)).toBe(before);
    const inbox = await stack.http('dave').get(`/v1/approvals/${requestId}`).expect(200);
    expect(inbox.body).toMatchObject({ you_may_decide: true, you_may_approve: false, who_may_decide: { started_by: 'dave', allow_self_approval: false } });
    // Rejecting your own run is allowed.
    await decide('dave', requestId, { value: 'reject' }).expect(200);

    const allowed = await begin('self-approval-allowed', 'dave');
    const approved = await decide('dave', allowed.requestId, { value: 'approve' }).expect(200);
    expect(approved.body.run.output.status).toBe('completed');
  });

  it('requires a reason for a rejection when the rule says so', async () => {
    const { runId, requestId } = await begin('reason-required');
    const before = await historyLength(stack.client, runId);
    const bare = await decide('alice', requestId, { value: 'reject' }).expect(422);
    expect(bare.body.error).toMatchObject({ type: 'invalid_decision', details: { field: 'comment', rule: 'reject_requires_comment' } });
    await decide('alice', requestId, { value: 'reject', comment: '   ' }).expect(422);
    expect(await historyLength(stack.client, runId)).toBe(before);
    const reasoned = await decide('alice', requestId, { value: 'reject', comment: 'duplicate request' }).expect(200);
    expect(reasoned.body.run.output.result).toBe('duplicate request');
  });

  it('skips a step only where the definition allows it', async () => {
    const skippable = await begin('skippable');
    const skipped = await decide('alice', skippable.requestId, { action: 'skip' }).expect(200);
    expect(skipped.body.run.output.result).toBe('skipped');
    expect(skipped.body.approval.status).toBe('skipped');

    const strict = await begin('reason-required');
    const refused = await decide('alice', strict.requestId, { action: 'skip' }).expect(422);
    expect(refused.body.error.message).toBe('step "gate" may not be skipped (its definition does not set allow_skip)');
  });
});
