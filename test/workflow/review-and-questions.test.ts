import { verifyRunAudit } from '../../src/core/audit-verify';
import type { PauseStep } from '../../src/contracts/definition';
import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, eventually, resume, start, startStack, type TestStack, type Who } from '../harness/stack';

const DRAFT = { subject: 'Renewal offer', discount: 10 };
const EDITED = { subject: 'Your renewal offer', discount: 12 };

/** A review two people of finance must approve (an edit is one approval, of the edited output). */
const reviewByTwo = (extra: Partial<PauseStep> = {}) => [
  echo('draft', "{ 'subject': 'Renewal offer', 'discount': 10 }"),
  { name: 'review', type: 'output_review', message: 'Two of finance check the draft', review: 'draft', assignees: ['group:finance'], approvals_required: 2, ...extra } as PauseStep,
  echo('send', 'steps.draft.output'),
];

// output_review (approve, reject, or edit a task's output) and question (answers keyed by question).
describe('output_review and question pauses', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('review-draft', [
          echo('draft', "{ 'subject': 'Renewal offer', 'discount': 10 }"),
          {
            name: 'review',
            type: 'output_review',
            message: 'Check the draft before it is sent',
            review: 'draft',
            output_schema: { type: 'object', properties: { subject: { type: 'string' }, discount: { type: 'integer', maximum: 20 } }, required: ['subject', 'discount'] },
          },
          echo('send', 'steps.draft.output'),
        ]),
        definition('review-by-two', reviewByTwo()),
        definition('review-by-two-timeout', reviewByTwo({ timeout: '3s', on_timeout: 'approve' })),
        definition('ask', [
          {
            name: 'ask',
            type: 'question',
            message: 'Two quick questions',
            questions: [
              { question: 'Which plan?', header: 'Plan', options: [{ label: 'Basic' }, { label: 'Pro', description: 'for teams' }] },
              { question: 'Anything else?', options: [{ label: 'No' }], allow_free_text: true },
            ],
          },
          echo('use', 'steps.ask.output'),
        ]),
        definition('ask-timeout', [
          { name: 'ask', type: 'question', message: 'Quick one', questions: [{ question: 'Go?', options: [{ label: 'Yes' }] }], timeout: '1s', on_timeout: 'timeout_skip' },
          echo('after', 'steps.ask.decision.value'),
        ]),
      ],
    });
  });
  afterAll(() => stack.stop());

  it('lets a reviewer approve the output as it is', async () => {
    const started = await start(stack, 'review-draft', { input: { task: 'renewal' } }).expect(200);
    expect(started.body.output.pendingAction).toMatchObject({
      type: 'output_review',
      options: ['approve', 'reject', 'edit'],
      review: { step: 'draft', output: { subject: 'Renewal offer', discount: 10 } },
    });
    const done = await resume(stack, started.body.run_id, { input: { resume: { step: 'review', input: 'approve' } } }).expect(200);
    expect(done.body.output.result).toEqual({ subject: 'Renewal offer', discount: 10 });
  });

  it('uses an edited output in the later steps, keeping the original', async () => {
    const started = await start(stack, 'review-draft', { input: { task: 'renewal' } }).expect(200);
    const tooMuch = await resume(stack, started.body.run_id, { input: { resume: { step: 'review', input: { edit: { subject: 'Renewal', discount: 50 } } } } }).expect(422);
    expect(tooMuch.body.error.details.violations[0]).toMatchObject({ path: 'value.edit.discount' });
    await resume(stack, started.body.run_id, { input: { resume: { step: 'review', input: { rewrite: {} } } } }).expect(422);

    const edited = await resume(stack, started.body.run_id, { input: { resume: { step: 'review', input: { edit: { subject: 'Renewal', discount: 15 } } } } }).expect(200);
    expect(edited.body.output.result).toEqual({ subject: 'Renewal', discount: 15 });
    const draft = edited.body.output.steps.find((s: { name: string }) => s.name === 'draft');
    expect(draft).toMatchObject({ output: { subject: 'Renewal', discount: 15 }, original_output: { subject: 'Renewal offer', discount: 10 }, edited_by: 'alice' });
    const run = await stack.http('viewer').get(`/v1/workflow-runs/${started.body.run_id}`).expect(200);
    expect(run.body.output.steps.find((s: { name: string }) => s.name === 'review').output).toBe('edit');
  });

  it('fails the run when the reviewer rejects the output', async () => {
    const started = await start(stack, 'review-draft', { input: { task: 'renewal' } }).expect(200);
    const rejected = await resume(stack, started.body.run_id, { input: { resume: { step: 'review', input: 'reject', comment: 'wrong tone' } } }).expect(200);
    expect(rejected.body.output).toMatchObject({ status: 'failed', error: 'step "review" was rejected by alice: wrong tone' });
  });

  describe('with two approvers', () => {
    const decide = (who: Who, requestId: string, body: object) => stack.http(who).post(`/v1/approvals/${requestId}/decision`).send(body);
    const standing = async (who: Who, requestId: string) => (await stack.http(who).get(`/v1/approvals/${requestId}`).expect(200)).body;
    const named = (steps: { name: string }[], name: string) => steps.find((s) => s.name === name);

    it('takes an edit as its author’s approval: another reviewer approves the edit, the run ships it, and the audit matches history', async () => {
      const started = await start(stack, 'review-by-two', { input: { task: 'renewal' } }).expect(200);
      const runId: string = started.body.run_id;
      const { request_id: requestId, digest: shown } = started.body.output.pendingAction as { request_id: string; digest: string };
      await decide('bob', requestId, { value: 'approve', digest: shown }).expect(200);

      const edited = await decide('alice', requestId, { value: { edit: EDITED }, digest: shown }).expect(200);
      expect(edited.body.run.output.status).toBe('paused');
      expect(edited.body.approval).toMatchObject({ status: 'pending', review: { output: EDITED, original: DRAFT, edited_by: 'alice' }, round_from: 1 });
      const digest: string = edited.body.approval.digest;
      expect(digest).not.toBe(shown);

      // alice alone cannot pass it: approving her own edit would be her second vote in its round.
      const twice = await decide('alice', requestId, { value: 'approve', digest }).expect(409);
      expect(twice.body.error).toMatchObject({ type: 'already_decided', details: { decided_by: 'alice', rule: 'approvals_required' } });
      // bob approved the draft before the edit: the inbox offers him the form again, in full and in its listing.
      expect(await standing('bob', requestId)).toMatchObject({ you_may_decide: true, round_from: 1 });
      expect(await standing('alice', requestId)).toMatchObject({ you_may_decide: false });
      await eventually(async () => {
        const listed = await stack.http('bob').get('/v1/approvals?workflow=review-by-two&limit=100').expect(200);
        expect(listed.body.data.find((i: { request_id: string }) => i.request_id === requestId)).toMatchObject({ you_may_decide: true, round_from: 1, review: { edited_by: 'alice' } });
      });
      // An approval of what bob saw before the edit is refused; one of the edit ships it.
      const stale = await decide('bob', requestId, { value: 'approve', digest: shown }).expect(409);
      expect(stale.body.error.type).toBe('digest_mismatch');
      const done = await decide('bob', requestId, { value: 'approve', digest }).expect(200);

      expect(done.body.run.output).toMatchObject({ status: 'completed', result: EDITED });
      expect(named(done.body.run.output.steps, 'draft')).toMatchObject({ output: EDITED, original_output: DRAFT, edited_by: 'alice' });
      expect(named(done.body.run.output.steps, 'review')).toMatchObject({ output: 'edit', decision: { value: 'approve', by: 'bob', votes: 3 } });
      const audit = await verifyRunAudit(stack.client, runId);
      expect(audit).toMatchObject({ ok: true, history: { ok: true, received: 3, problems: [] } });
    });

    it('ships the edited output when the review times out mid-round and its timeout approves', async () => {
      const started = await start(stack, 'review-by-two-timeout', { input: { task: 'renewal' } }).expect(200);
      const runId: string = started.body.run_id;
      await decide('alice', started.body.output.pendingAction.request_id, { value: { edit: EDITED } }).expect(200);
      expect(await closed(stack.client, runId)).toBe('COMPLETED');
      const run = await stack.http('viewer').get(`/v1/workflow-runs/${runId}`).expect(200);
      expect(run.body.output.result).toEqual(EDITED);
      expect(named(run.body.output.steps, 'draft')).toMatchObject({ output: EDITED, original_output: DRAFT, edited_by: 'alice' });
      expect(named(run.body.output.steps, 'review')).toMatchObject({ output: 'edit', decision: { value: 'approve', by: 'system', channel: 'timeout' } });
    });
  });

  it('takes all answers at once, keyed by question, options or free text where allowed', async () => {
    const started = await start(stack, 'ask', { input: { task: 'onboarding' } }).expect(200);
    expect(started.body.output.pendingAction.questions[0]).toMatchObject({ question: 'Which plan?', header: 'Plan', options: [{ label: 'Basic' }, { label: 'Pro' }] });

    const missing = await resume(stack, started.body.run_id, { input: { resume: { step: 'ask', input: { 'Which plan?': 'Pro' } } } }).expect(422);
    expect(missing.body.error.message).toBe('step "ask": "Anything else?" is not answered');
    const notAnOption = await resume(stack, started.body.run_id, { input: { resume: { step: 'ask', input: { 'Which plan?': 'Gold', 'Anything else?': 'No', 'Colour?': 'red' } } } }).expect(422);
    expect(notAnOption.body.error.details.problems).toEqual([
      { question: 'Which plan?', message: 'must be one of "Basic", "Pro"' },
      { question: 'Colour?', message: 'is not a question of this step' },
    ]);

    const answers = { 'Which plan?': 'Pro', 'Anything else?': 'Please invoice yearly' };
    const done = await resume(stack, started.body.run_id, { input: { resume: { step: 'ask', input: answers } } }).expect(200);
    expect(done.body.output.result).toEqual(answers);
  });

  it('records a timed-out question as timeout_skip and goes on', async () => {
    const started = await start(stack, 'ask-timeout', { input: { task: 't' } }, '?wait=0').expect(200);
    expect(await closed(stack.client, started.body.run_id)).toBe('COMPLETED');
    const run = await stack.http('viewer').get(`/v1/workflow-runs/${started.body.run_id}`).expect(200);
    expect(run.body.output.steps[0]).toMatchObject({ status: 'skipped', decision: { value: 'timeout_skip', by: 'system' } });
    expect(run.body.output.result).toBe('timeout_skip');
  });
});
