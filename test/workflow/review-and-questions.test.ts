import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, resume, start, startStack, type TestStack } from '../harness/stack';

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
