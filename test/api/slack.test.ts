import type { Definition } from '../../src/contracts/definition';
import { clickBody, FakeSlack, signSlack, type SlackCall } from '../harness/fake-slack';
import { Receiver } from '../harness/receiver';
import { closed, eventually, start, startStack, type TestStack } from '../harness/stack';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';

/** Seed 000's Slack confirmation, as a small definition: check, then confirm in #billing-ops, then act. */
const slackApproval: Definition = {
  name: 'slack-approval',
  steps: [
    { name: 'check', type: 'task', handler: 'echo', input: '{ "customer": state.customer }' },
    {
      name: 'confirm',
      type: 'confirmation',
      title: 'Cancel the subscription?',
      message: 'Cancel the subscription of {{ state.customer }}? This cannot be undone.',
      context: 'steps.check.output',
      assignees: ['group:finance'],
      slack: { channels: ['#billing-ops'] },
      timeout: '1h',
    },
    { name: 'act', type: 'task', handler: 'echo', input: '{ "cancelled": state.customer }' },
  ],
};

/** The same with an escalation ladder fast enough for a test. */
const slackEscalation: Definition = {
  name: 'slack-escalation',
  steps: [
    {
      name: 'confirm',
      type: 'confirmation',
      message: 'Approve the release of {{ state.customer }}?',
      assignees: ['group:finance'],
      slack: { channels: ['C0RELEASES'] },
      escalation: { remind_after: '1s', reassign_after: '2s', reassign_to: ['group:engineering-managers'] },
      timeout: '1h',
    },
  ],
};

/** An output review two people of finance must approve, posted to #reviews. */
const slackReview: Definition = {
  name: 'slack-review',
  steps: [
    { name: 'draft', type: 'task', handler: 'echo', input: '{ "text": "Dear " & state.customer & ", teh renewal is due." }' },
    { name: 'review', type: 'output_review', message: 'Check the letter to {{ state.customer }}', review: 'draft', assignees: ['group:finance'], approvals_required: 2, slack: { channels: ['#reviews'] } },
  ],
  result: 'steps.draft.output',
};

describe('Slack approvals', () => {
  let stack: TestStack;
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await new FakeSlack().start();
    stack = await startStack({
      definitions: [slackApproval, slackEscalation, slackReview],
      handlers: { echo: (input: unknown) => input },
      slack: {
        apiUrl: slack.apiUrl,
        botToken: 'xoxb-test-token',
        signingSecret: SIGNING_SECRET,
        users: { U0ALICE: 'alice', U0BOB: 'bob', U0CAROL: 'carol', U0SERVICE: { principal: 'slack-bot', roles: ['viewer'] } },
        defaultChannels: ['#approvals'],
      },
    });
  });
  afterAll(async () => {
    await stack.stop();
    await slack.stop();
  });

  /** The request posted for a run (the top-level message, not a thread reply). */
  async function posted(runId: string): Promise<SlackCall> {
    await slack.until(() => slack.of('chat.postMessage').some((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks).includes(runId)));
    return slack.of('chat.postMessage').find((c) => !c.args.thread_ts && JSON.stringify(c.args.blocks).includes(runId))!;
  }

  function button(message: SlackCall, option: string): { action_id: string; value: string } {
    const actions = (message.args.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]).find((b) => b.type === 'actions');
    const found = actions?.elements?.find((e) => e.action_id === `holdpoint_decide:${option}`);
    if (!found) throw new Error(`no ${option} button in ${JSON.stringify(message.args.blocks)}`);
    return found;
  }

  function click(user: string, channel: string, action: { action_id: string; value: string }, signing = SIGNING_SECRET, timestamp?: number) {
    const body = clickBody(user, channel, action);
    return fetch(`${stack.url}/integrations/slack/interactions`, { method: 'POST', headers: signSlack(signing, body, timestamp), body });
  }

  const updatesOf = (runId: string) => slack.of('chat.update').filter((c) => JSON.stringify(c.args.blocks).includes(runId));

  it('posts the request with its context and one button per option, and a click decides it as the mapped principal', async () => {
    const run = await start(stack, 'slack-approval', { input: { task: 'Cancel', state: { customer: 'acme' } } }).expect(200);
    const runId = run.body.run_id as string;
    const message = await posted(runId);
    expect(message.args.channel).toBe('#billing-ops');
    const text = JSON.stringify(message.args.blocks);
    expect(text).toContain('Cancel the subscription of acme? This cannot be undone.');
    expect(text).toContain('group:finance');
    expect(text).toContain('\\"customer\\": \\"acme\\"');
    expect(JSON.parse(button(message, 'approve').value)).toEqual({ request_id: `${runId}.confirm.1`, option: 'approve', digest: run.body.output.pendingAction.digest });
    button(message, 'reject');

    const answer = await click('U0ALICE', 'Cbilling-ops', button(message, 'approve'));
    expect(answer.status).toBe(200);
    expect(await closed(stack.client, runId)).toBe('COMPLETED');
    const view = await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(view.body.output.steps.find((s: { name: string }) => s.name === 'confirm').decision).toMatchObject({ value: 'approve', by: 'alice', channel: 'update', via: 'slack' });

    // The message is rewritten: no buttons, who decided and how.
    await slack.until(() => updatesOf(runId).length > 0);
    const update = updatesOf(runId).at(-1)!;
    expect(update.args).toMatchObject({ channel: 'Cbilling-ops', ts: expect.any(String) });
    expect(JSON.stringify(update.args.blocks)).toMatch(/Approve\* by alice via slack/);
    expect((update.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
  });

  it('answers a refused click with an ephemeral message saying why, and leaves the run waiting', async () => {
    const run = await start(stack, 'slack-approval', { input: { task: 'Cancel', state: { customer: 'globex' } } }).expect(200);
    const runId = run.body.run_id as string;
    const message = await posted(runId);

    // carol is not in finance; U0NOBODY is nobody; ops started the run and may not approve it (not mapped here anyway).
    for (const [user, reason] of [
      ['U0CAROL', /carol may not decide step "confirm": it is assigned to group:finance \(rule: assignees\)/],
      ['U0NOBODY', /not linked to a holdpoint principal/],
      ['U0SERVICE', /may not decide: that needs the admin or approver role/],
    ] as const) {
      const ephemerals = slack.of('chat.postEphemeral').length;
      expect((await click(user, 'Cbilling-ops', button(message, 'approve'))).status).toBe(200);
      await slack.until(() => slack.of('chat.postEphemeral').length > ephemerals);
      const ephemeral = slack.of('chat.postEphemeral').at(-1)!;
      expect(ephemeral.args).toMatchObject({ channel: 'Cbilling-ops', user });
      expect(String(ephemeral.args.text)).toMatch(reason);
    }
    expect((await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200)).body.status).toBe('paused');
    // A refused click is on the record like any refused decision.
    const audit = await stack.http().get(`/v1/workflow-runs/${runId}/audit`).expect(200);
    expect(audit.body.entries.filter((e: { type: string; channel?: string }) => e.type === 'refused' && e.channel === 'slack').map((e: { by: string }) => e.by)).toEqual(
      expect.arrayContaining(['carol', 'slack-bot']),
    );
  });

  it('refuses requests that Slack did not sign, or signed too long ago', async () => {
    const run = await start(stack, 'slack-approval', { input: { task: 'Cancel', state: { customer: 'initech' } } }).expect(200);
    const message = await posted(run.body.run_id);
    const forged = await click('U0ALICE', 'C1', button(message, 'approve'), 'not-the-signing-secret');
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toMatch(/signature does not match/);
    const stale = await click('U0ALICE', 'C1', button(message, 'approve'), SIGNING_SECRET, Math.floor(Date.now() / 1000) - 600);
    expect(stale.status).toBe(401);
    const unsigned = await fetch(`${stack.url}/integrations/slack/interactions`, { method: 'POST', body: 'payload=%7B%7D' });
    expect(unsigned.status).toBe(401);
    expect((await stack.http().get(`/v1/workflow-runs/${run.body.run_id}`).expect(200)).body.status).toBe('paused');
  });

  it('rewrites the message when the pause is decided elsewhere, and posts to the default channel when a pause names none', async () => {
    const run = await start(stack, 'lead-router', { input: { task: 'Route', state: { leadId: 'lead-slack' } } }).expect(200);
    const runId = run.body.run_id as string;
    const message = await posted(runId);
    expect(message.args.channel).toBe('#approvals');
    expect(Object.keys(JSON.parse(button(message, 'escalate').value))).toEqual(['request_id', 'option', 'digest']);
    await stack.http('bob').post(`/v1/approvals/${run.body.output.pendingAction.request_id}/decision`).send({ value: 'reject', comment: 'not now' }).expect(200);
    await slack.until(() => updatesOf(runId).length > 0);
    expect(JSON.stringify(updatesOf(runId).at(-1)!.args.blocks)).toMatch(/Reject\* by bob via rest .*not now/);
  });

  it('lets exactly one of a Slack click, a REST decision and a signal win a race', async () => {
    for (let round = 0; round < 3; round++) {
      const run = await start(stack, 'slack-approval', { input: { task: 'Cancel', state: { customer: `race-${round}` } } }).expect(200);
      const runId = run.body.run_id as string;
      const requestId = `${runId}.confirm.1`;
      const message = await posted(runId);
      const handle = stack.client.workflow.getHandle(runId);
      const [slackAnswer, rest] = await Promise.all([
        click('U0ALICE', 'Cbilling-ops', button(message, 'approve')),
        stack.http('bob').post(`/v1/approvals/${requestId}/decision?wait=0`).send({ value: 'reject', comment: 'racing' }),
        handle.signal('decide', { request_id: requestId, value: 'reject', comment: 'signal', by: 'crm-service', groups: ['finance'] }),
      ]);
      expect(slackAnswer.status).toBe(200);
      expect(await closed(stack.client, runId)).toMatch(/COMPLETED|FAILED/);
      const audit = await stack.http().get(`/v1/workflow-runs/${runId}/audit`).expect(200);
      const decided = audit.body.entries.filter((e: { type: string }) => e.type === 'decided');
      expect(decided).toHaveLength(1);
      const winner = decided[0] as { by: string; value: string };
      if (winner.by !== 'bob') expect(rest.status).toBe(409);
      // Whoever won, the message says so.
      await slack.until(() => updatesOf(runId).length > 0);
      expect(JSON.stringify(updatesOf(runId).at(-1)!.args.blocks)).toContain(`by ${winner.by}`);
    }
  });

  it('rewrites an output review’s message when a reviewer edits it: the edit shows, and the buttons decide on it', async () => {
    const run = await start(stack, 'slack-review', { input: { task: 'Letter', state: { customer: 'Ms. Lee' } } }).expect(200);
    const runId = run.body.run_id as string;
    const requestId = run.body.output.pendingAction.request_id as string;
    const message = await posted(runId);
    expect(JSON.parse(button(message, 'approve').value).digest).toBe(run.body.output.pendingAction.digest);

    const edit = { text: 'Dear Ms. Lee, the renewal is due.' };
    const edited = await stack.http('alice').post(`/v1/approvals/${requestId}/decision`).send({ value: { edit } }).expect(200);
    const digest = edited.body.approval.digest as string;
    const replies = () => slack.of('chat.postMessage').filter((c) => c.args.thread_ts === message.answer.ts);
    await slack.until(() => replies().length > 0 && updatesOf(runId).length > 0);
    expect(String(replies()[0]!.args.text)).toMatch(/alice edited the output under review: votes on the earlier output no longer count/);
    const rewritten = updatesOf(runId).at(-1)!;
    expect(JSON.stringify(rewritten.args.blocks)).toMatch(/Edited by alice\* at .*Dear Ms\. Lee, the renewal is due\./);
    expect(JSON.parse(button(rewritten, 'approve').value)).toEqual({ request_id: requestId, option: 'approve', digest });

    // A click on the message as first posted is of the text before the edit: refused, and said so.
    const ephemerals = slack.of('chat.postEphemeral').length;
    expect((await click('U0BOB', 'Creviews', button(message, 'approve'))).status).toBe(200);
    await slack.until(() => slack.of('chat.postEphemeral').length > ephemerals);
    expect(String(slack.of('chat.postEphemeral').at(-1)!.args.text)).toMatch(/now shows different content/);
    expect((await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200)).body.status).toBe('paused');

    // A click on the rewritten message approves the edit: the second approval, so the edit ships.
    expect((await click('U0BOB', 'Creviews', button(rewritten, 'approve'))).status).toBe(200);
    expect(await closed(stack.client, runId)).toBe('COMPLETED');
    const view = await stack.http().get(`/v1/workflow-runs/${runId}`).expect(200);
    expect(view.body.output.result).toEqual(edit);
    await slack.until(() => JSON.stringify(updatesOf(runId).at(-1)!.args.blocks).includes('by bob via slack'));
    expect((updatesOf(runId).at(-1)!.args.blocks as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
  });

  it('threads reminders and escalations under the request, and they reach webhooks too', async () => {
    const receiver = await new Receiver().start();
    try {
      const hook = await stack.http().post('/v1/webhooks').send({ url: receiver.url, events: ['approval.reminded', 'approval.escalated'], workflow: 'slack-escalation' }).expect(201);
      await eventually(async () => expect((await stack.worker.holdpoint.subscriptions.current()).webhooks.some((w) => w.id === hook.body.id)).toBe(true));
      const run = await start(stack, 'slack-escalation', { input: { task: 'Release', state: { customer: 'umbrella' } } }).expect(200);
      const runId = run.body.run_id as string;
      const message = await posted(runId);
      const replies = () => slack.of('chat.postMessage').filter((c) => c.args.thread_ts === message.answer.ts);
      await slack.until(() => replies().length >= 2);
      expect(String(replies()[0]!.args.text)).toMatch(/Reminder: this still waits for a decision by group:finance/);
      expect(String(replies()[1]!.args.text)).toMatch(/Escalated from group:finance to group:engineering-managers/);
      await slack.until(() => updatesOf(runId).length > 0);
      expect(JSON.stringify(updatesOf(runId)[0]!.args.blocks)).toContain('group:engineering-managers');

      await receiver.until(() => receiver.delivered().length >= 2);
      expect(receiver.delivered().map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual(['approval.reminded', 'approval.escalated']);
      await stack.http().delete(`/v1/webhooks/${hook.body.id}`).expect(200);
    } finally {
      await receiver.stop();
    }
  });
});
