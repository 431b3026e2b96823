import { HoldpointWaitTimeoutError, type FeedEvent, type Run, type RunListItem, type RunStatus } from '../../client';
import { dur, flag, int, json, oneOf, required, str, type Command, type Context } from '../command';
import { CliFailure, Exit, UsageError } from '../exit';
import { duration } from '../format';
import { eventLine, runListView, runResponseView, runView } from '../views';

const STATUSES: readonly RunStatus[] = ['running', 'paused', 'completed', 'failed', 'cancelled'];
const ENDED = new Set<RunStatus>(['completed', 'failed', 'cancelled']);
const UNTIL = ['settled', 'ended'] as const;

const untilOption = { type: 'string', value: 'WHEN', help: 'settled (paused or ended; default) or ended' } as const;
const timeoutOption = { type: 'string', value: 'DUR', help: 'give up after this long (exit 4); default: no limit' } as const;

const start: Command = {
  group: 'runs',
  name: 'start',
  args: '<workflow>',
  summary: 'Start a run; prints where it stands once it pauses or ends (or after the gateway\'s wait).',
  details: 'With --wait it waits (following the run\'s events) until the run pauses or ends, however long.\n--json prints the start answer ({run_id, status, output}); with --wait, the run as `runs get` shows it.',
  options: {
    task: { type: 'string', value: 'TEXT', help: 'what the run is for (required)' },
    state: { type: 'string', value: 'JSON', help: 'the run\'s input state, a JSON object' },
    customer: { type: 'string', value: 'NAME', help: 'label the run with a customer' },
    'user-id': { type: 'string', value: 'ID', help: 'the end user the run acts for' },
    version: { type: 'string', value: 'N', help: 'a registered workflow\'s version' },
    'idempotency-key': { type: 'string', value: 'KEY', help: 'a retried start with the same key answers the same run' },
    wait: { type: 'boolean', help: 'wait until the run pauses or ends (see --until, --timeout)' },
    until: untilOption,
    timeout: timeoutOption,
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [workflow]) {
    const state = json(values, 'state');
    if (state !== undefined && (typeof state !== 'object' || state === null || Array.isArray(state))) throw new UsageError('--state must be a JSON object');
    const body = {
      input: { task: required(values, 'task', start), ...(state ? { state: state as Record<string, unknown> } : {}) },
      ...(str(values, 'customer') ? { customer: str(values, 'customer') } : {}),
      ...(str(values, 'user-id') ? { user_id: str(values, 'user-id') } : {}),
      ...(int(values, 'version') ? { version: int(values, 'version') } : {}),
    };
    const until = oneOf(values, 'until', UNTIL) ?? 'settled';
    const timeout = dur(values, 'timeout');
    const key = str(values, 'idempotency-key');
    if (!flag(values, 'wait')) {
      const answer = await ctx.client().runs.start(workflow!, body, key ? { idempotencyKey: key } : {});
      ctx.print(answer, () => runResponseView(answer));
      return Exit.Ok;
    }
    // Answered at once; the wait follows the run's events (with a progress line on a terminal).
    const began = Date.now();
    const answer = await ctx.client().runs.start(workflow!, body, { wait: 0, ...(key ? { idempotencyKey: key } : {}) });
    const run = await waitFor(ctx, answer.run_id, until, timeout === undefined ? undefined : Math.max(0, timeout - (Date.now() - began)));
    ctx.print(run, () => runView(run));
    return Exit.Ok;
  },
};

const get: Command = {
  group: 'runs',
  name: 'get',
  args: '<run-id>',
  summary: 'Show a run: status, steps, what it waits for, result or error.',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, _values, [runId]) {
    const run = await ctx.client().runs.get(runId!);
    ctx.print(run, () => runView(run));
    return Exit.Ok;
  },
};

const list: Command = {
  group: 'runs',
  name: 'list',
  args: '',
  summary: 'List runs, newest first.',
  options: {
    status: { type: 'string', value: 'STATUS', help: STATUSES.join(' | ') },
    workflow: { type: 'string', value: 'NAME', help: 'only runs of this workflow' },
    customer: { type: 'string', value: 'NAME', help: 'only runs for this customer' },
    limit: { type: 'string', value: 'N', help: 'show at most N runs (default 20)' },
    all: { type: 'boolean', help: 'every run, page after page' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, values) {
    const status = oneOf(values, 'status', STATUSES);
    const max = flag(values, 'all') ? Infinity : (int(values, 'limit') ?? 20);
    const query = { ...(status ? { status } : {}), ...(str(values, 'workflow') ? { workflow: str(values, 'workflow') } : {}), ...(str(values, 'customer') ? { customer: str(values, 'customer') } : {}) };
    const runs: RunListItem[] = await ctx.client().runs.list({ ...query, limit: Math.min(100, max) }).take(max);
    ctx.print(runs, () => runListView(runs));
    return Exit.Ok;
  },
};

const watch: Command = {
  group: 'runs',
  name: 'watch',
  args: '<run-id>',
  summary: 'Follow a run\'s events live (from its first, or after --after) until it ends.',
  details: 'Reconnects by itself when the connection drops, without losing or repeating events.\n--json prints one event per line (NDJSON).',
  options: {
    after: { type: 'string', value: 'SEQ', help: 'start after this event number (default 0: from the start)' },
    until: { type: 'string', value: 'WHEN', help: 'ended (default) or settled (stop at the next pause too)' },
    timeout: timeoutOption,
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [runId]) {
    const until = oneOf(values, 'until', UNTIL) ?? 'ended';
    const timeout = dur(values, 'timeout');
    const after = int(values, 'after', 0) ?? 0;
    const client = ctx.client();
    const stop = new AbortController();
    const timer = timeout === undefined ? undefined : setTimeout(() => stop.abort(), timeout);
    const progress = ctx.progress();
    progress.update(`watching ${runId}`);
    let last: FeedEvent | undefined;
    let reached = false;
    try {
      for await (const event of client.events.run(runId!, { after, signal: stop.signal })) {
        last = event;
        progress.around(() => ctx.out(ctx.json ? JSON.stringify(event) : eventLine(event)));
        progress.update(`${runId}: #${event.seq} ${event.type}${event.step ? ` at ${event.step}` : ''}`);
        if (until === 'settled' && (event.type === 'paused' || event.type === 'decided')) {
          const run = await client.runs.get(runId!, { signal: stop.signal });
          if (run.status !== 'running') {
            reached = true;
            break;
          }
        }
      }
      if (!stop.signal.aborted) reached = true;
    } catch (err) {
      if (!stop.signal.aborted) throw err;
    } finally {
      clearTimeout(timer);
      progress.stop();
    }
    if (!reached) {
      ctx.err(`holdpoint: timed out after ${duration(timeout ?? 0)}; last event ${last ? `#${last.seq} ${last.type}` : 'none'}`);
      return Exit.TimedOut;
    }
    if (!ctx.json) {
      const run = await client.runs.get(runId!);
      ctx.out(`run ${run.run_id} is ${run.status}`);
    }
    return Exit.Ok;
  },
};

const wait: Command = {
  group: 'runs',
  name: 'wait',
  args: '<run-id>',
  summary: 'Wait until a run pauses or ends (--until ended: ends); prints it then.',
  options: { until: untilOption, timeout: timeoutOption },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [runId]) {
    const run = await waitFor(ctx, runId!, oneOf(values, 'until', UNTIL) ?? 'settled', dur(values, 'timeout'));
    ctx.print(run, () => runView(run));
    return Exit.Ok;
  },
};

const resume: Command = {
  group: 'runs',
  name: 'resume',
  args: '<run-id>',
  summary: 'Resume a paused run with an option or input (seed 002\'s resume).',
  details: 'Without --step, answers the run\'s only pending step. For several at once, name one with --step\n(or decide by request id: `holdpoint approvals decide`).',
  options: {
    option: { type: 'string', value: 'OPTION', help: 'the option to pick (approve, reject, ...)' },
    input: { type: 'string', value: 'JSON', help: 'the step\'s input, as JSON (input steps)' },
    step: { type: 'string', value: 'STEP', help: 'the paused step to answer' },
    comment: { type: 'string', value: 'TEXT', help: 'why' },
    digest: { type: 'string', value: 'DIGEST', help: 'refuse (409) if the step now shows something else' },
    'idempotency-key': { type: 'string', value: 'KEY', help: 'a retried resume with the same key answers the same' },
    wait: { type: 'string', value: 'DUR', help: 'how long the gateway waits for the next pause or the end' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [runId]) {
    const option = str(values, 'option');
    const input = json(values, 'input');
    if ((option === undefined) === (input === undefined)) throw new UsageError('give one of --option or --input');
    const step = str(values, 'step');
    let body: Record<string, unknown>;
    if (step) body = { resume: { step, input: option ?? input } };
    else if (option !== undefined) body = { option };
    else if (input && typeof input === 'object' && !Array.isArray(input)) body = input as Record<string, unknown>;
    else throw new UsageError('--input must be a JSON object (or name the step with --step)');
    const comment = str(values, 'comment');
    const digest = str(values, 'digest');
    const key = str(values, 'idempotency-key');
    const holdMs = dur(values, 'wait');
    const answer = await ctx.client().runs.resume(
      runId!,
      { input: body, ...(comment ? { comment } : {}), ...(digest ? { digest } : {}) },
      { ...(key ? { idempotencyKey: key } : {}), ...(holdMs !== undefined ? { wait: holdMs } : {}) },
    );
    ctx.print(answer, () => runResponseView(answer));
    return Exit.Ok;
  },
};

const cancel: Command = {
  group: 'runs',
  name: 'cancel',
  args: '<run-id>',
  summary: 'Cancel a run, saying why.',
  options: { reason: { type: 'string', value: 'TEXT', help: 'why (kept in the run\'s record)' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [runId]) {
    const run = await ctx.client().runs.cancel(runId!, str(values, 'reason'));
    ctx.print(run, () => `run ${run.run_id} is ${run.status}${run.cancel_requested?.reason ? ` (${run.cancel_requested.reason})` : ''}`);
    return Exit.Ok;
  },
};

/** Waits with a progress line; a timeout prints where the run stands and exits 4. */
async function waitFor(ctx: Context, runId: string, until: 'settled' | 'ended', timeout: number | undefined): Promise<Run> {
  const progress = ctx.progress();
  progress.update(`waiting for ${runId} to ${until === 'ended' ? 'end' : 'pause or end'}`);
  try {
    return await ctx.client().runs.wait(runId, {
      until,
      ...(timeout !== undefined ? { timeout } : {}),
      onEvent: (e) => progress.update(`${runId}: #${e.seq} ${e.type}${e.step ? ` at ${e.step}` : ''}`),
    });
  } catch (err) {
    if (err instanceof HoldpointWaitTimeoutError) {
      progress.stop();
      if (ctx.json) ctx.out(JSON.stringify(err.run, null, 2));
      ctx.err(`holdpoint: timed out after ${duration(timeout ?? 0)}: run ${runId} is ${err.run.status}${ENDED.has(err.run.status) ? '' : ` (waiting to ${until === 'ended' ? 'end' : 'pause or end'})`}`);
      throw new CliFailure('timed out', Exit.TimedOut, true);
    }
    throw err;
  } finally {
    progress.stop();
  }
}

export const runCommands: Command[] = [start, get, list, watch, wait, resume, cancel];
