import type { Approval, DecisionBody } from '../../client';
import { dur, flag, int, json, str, type Command, type Context } from '../command';
import { CliFailure, Exit, UsageError } from '../exit';
import { inline } from '../format';
import { Prompt } from '../prompt';
import { approvalListView, approvalView, runResponseView } from '../views';

const STATUSES = ['pending', 'decided', 'expired', 'skipped', 'cancelled', 'all'] as const;

const list: Command = {
  group: 'approvals',
  name: 'list',
  args: '',
  summary: 'The inbox: requests waiting for a decision (or in another --status).',
  options: {
    mine: { type: 'boolean', help: 'only requests you may decide (same as --assignee mine)' },
    assignee: { type: 'string', value: 'WHO', help: 'mine, a principal, user:<id> or group:<id>' },
    status: { type: 'string', value: 'STATUS', help: `${STATUSES.join(' | ')} (default pending)` },
    workflow: { type: 'string', value: 'NAME', help: 'only requests of this workflow' },
    customer: { type: 'string', value: 'NAME', help: 'only requests for this customer' },
    limit: { type: 'string', value: 'N', help: 'show at most N (default 20)' },
    all: { type: 'boolean', help: 'every request, page after page' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, values) {
    const status = str(values, 'status');
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}, got "${status}"`);
    const assignee = flag(values, 'mine') ? 'mine' : str(values, 'assignee');
    const max = flag(values, 'all') ? Infinity : (int(values, 'limit') ?? 20);
    const items = await ctx
      .client()
      .approvals.list({
        ...(status ? { status: status as (typeof STATUSES)[number] } : {}),
        ...(assignee ? { assignee } : {}),
        ...(str(values, 'workflow') ? { workflow: str(values, 'workflow') } : {}),
        ...(str(values, 'customer') ? { customer: str(values, 'customer') } : {}),
        limit: Math.min(100, max),
      })
      .take(max);
    ctx.print(items, () => approvalListView(items));
    return Exit.Ok;
  },
};

const show: Command = {
  group: 'approvals',
  name: 'show',
  args: '<request-id>',
  summary: 'One request in full: message, context, digest, who may decide, time left, votes.',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, _values, [requestId]) {
    const approval = await ctx.client().approvals.get(requestId!);
    ctx.print(approval, () => approvalView(approval));
    return Exit.Ok;
  },
};

const decide: Command = {
  group: 'approvals',
  name: 'decide',
  args: '<request-id>',
  summary: 'Decide a request: --option / --value / --skip, or interactively.',
  details: [
    'Without --option, --value or --skip it shows the request (message, context, digest, who may',
    'decide, time left) and asks on the terminal for an option (or a JSON value) and a comment;',
    'the decision carries the digest of what was shown, so it is refused (409 digest_mismatch, exit 1)',
    'if the request changed meanwhile.',
  ].join('\n'),
  options: {
    option: { type: 'string', value: 'OPTION', help: 'the option to pick (approve, reject, ...)' },
    value: { type: 'string', value: 'JSON', help: 'the decision\'s value as JSON (input and question steps)' },
    skip: { type: 'boolean', help: 'skip the step (where the step allows it)' },
    comment: { type: 'string', value: 'TEXT', help: 'why' },
    digest: { type: 'string', value: 'DIGEST', help: 'the digest you decided on (refused if the request changed)' },
    'idempotency-key': { type: 'string', value: 'KEY', help: 'a retried decision with the same key answers the same' },
    wait: { type: 'string', value: 'DUR', help: 'how long the gateway waits for the run\'s next pause or its end' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [requestId]) {
    const option = str(values, 'option');
    const value = json(values, 'value');
    const skip = flag(values, 'skip');
    if ([option !== undefined, value !== undefined, skip].filter(Boolean).length > 1) throw new UsageError('give only one of --option, --value, --skip');
    const comment = str(values, 'comment');
    const digest = str(values, 'digest');
    const key = str(values, 'idempotency-key');
    const holdMs = dur(values, 'wait');
    let decision: DecisionBody;
    if (option !== undefined || value !== undefined || skip) {
      decision = { ...(skip ? { action: 'skip' as const } : { value: option ?? value }), ...(comment ? { comment } : {}), ...(digest ? { digest } : {}) };
    } else {
      decision = await ask(ctx, requestId!, comment);
    }
    const answer = await ctx.client().approvals.decide(requestId!, decision, { ...(key ? { idempotencyKey: key } : {}), ...(holdMs !== undefined ? { wait: holdMs } : {}) });
    ctx.print(answer, () => `Decided ${answer.approval.request_id}: ${decision.action === 'skip' ? 'skipped' : inline(decision.value)} (${answer.approval.status})\n${runResponseView(answer.run)}`);
    return Exit.Ok;
  },
};

/** Shows the request and asks for the decision (on stderr, so `--json` output stays clean). */
async function ask(ctx: Context, requestId: string, comment: string | undefined): Promise<DecisionBody> {
  const approval = await ctx.client().approvals.get(requestId);
  ctx.err(approvalView(approval));
  if (approval.status !== 'pending') {
    throw new CliFailure(`request ${requestId} is ${approval.status}: nothing to decide`, Exit.Refused);
  }
  if (!approval.you_may_decide) ctx.err('\nNote: the gateway says you may not decide this request; it will refuse.');
  const prompt = new Prompt(ctx.io.stdin, ctx.io.stderr);
  try {
    const value = await pick(ctx, prompt, approval);
    const note = comment ?? (await prompt.ask('Comment (optional, Enter for none): '));
    return { ...(value === SKIP ? { action: 'skip' as const } : { value }), ...(note ? { comment: note } : {}), ...(approval.digest ? { digest: approval.digest } : {}) };
  } finally {
    prompt.close();
  }
}

const SKIP: unique symbol = Symbol('skip');

async function pick(ctx: Context, prompt: Prompt, approval: Approval): Promise<unknown> {
  const options = approval.options ?? [];
  const choices: (string | typeof SKIP)[] = [...options];
  if (approval.who_may_decide.allow_skip) choices.push(SKIP);
  if (options.length > 0) {
    ctx.err('');
    choices.forEach((c, i) => ctx.err(`  ${i + 1}) ${c === SKIP ? 'skip this step' : c}`));
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await prompt.ask(`Choose 1-${choices.length} (or type an option): `);
      if (answer === undefined) throw new UsageError('no decision: stdin ended before an option was chosen');
      const byNumber = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
      const chosen = byNumber ?? choices.find((c) => c !== SKIP && c.toLowerCase() === answer.toLowerCase()) ?? (answer === 'skip' && choices.includes(SKIP) ? SKIP : undefined);
      if (chosen !== undefined) return chosen;
      ctx.err(`"${answer}" is not one of the choices.`);
    }
    throw new UsageError('no decision: no valid option chosen');
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await prompt.ask('\nValue (JSON, e.g. {"amount": 10} or "text"): ');
    if (answer === undefined) throw new UsageError('no decision: stdin ended before a value was given');
    if (answer === 'skip' && choices.includes(SKIP)) return SKIP;
    try {
      return JSON.parse(answer);
    } catch {
      ctx.err('That is not JSON (a string needs quotes).');
    }
  }
  throw new UsageError('no decision: no valid JSON value given');
}

export const approvalCommands: Command[] = [list, show, decide];
