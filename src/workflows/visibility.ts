import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { APPROVAL_STATUS_OF } from '../contracts/approval-states';
import type { PauseSummary, RunMemo } from '../contracts/memo';
import type { Pause } from '../contracts/run';
import { RUN_MEMO_KEY, SearchAttributes } from '../contracts/temporal';
import { APPROVE_OPTION } from '../contracts/options';
import { assigneeKeys } from '../lib/assignees';
import { capped } from '../lib/digest';
import { roundCount } from './pause-kinds/output-review';
import type { RunState } from './run-state';

const TASK_SUMMARY_LENGTH = 200;

/**
 * How much the memo carries, most first. The memo rides on every visibility row, Temporal warns
 * above 2 KiB (`limit.memoSize.warn`) and refuses a workflow task above 32 KiB (`.error`), so the run
 * takes the first level whose memo fits {@link MEMO_BUDGET}. Large values become `{"_truncated": true,
 * "_bytes": n}` (the full pause is one GET away); pending pauses are always there, for the inbox.
 */
interface MemoLevel {
  /** Bytes of JSON above which a pause's context, schema, questions, reviewed output or tool args are cut. */
  value: number;
  /** The same for the run's input state. */
  state: number;
  /** Settled pauses kept besides the pending ones, for the inbox's decided/expired views. */
  settled: number;
  /** Characters of a pause's message. */
  message: number;
}
const MEMO_LEVELS: readonly MemoLevel[] = [
  { value: 1_000, state: 400, settled: 3, message: 2_000 },
  { value: 200, state: 200, settled: 1, message: 500 },
  { value: 64, state: 64, settled: 0, message: 200 },
];
/** Temporal's default warning size, less room for the memo's other key (the start's request hash). */
const MEMO_BUDGET = 1_900;
/**
 * Beyond the last level (many pending pauses at once), the memo is written anyway while it stays
 * well under Temporal's 32 KiB refusal; above this, pauses past the first few keep only what the
 * inbox filters and sorts on, and those that still do not fit are counted instead.
 */
const MEMO_HARD_LIMIT = 24 * 1_024;

/**
 * Keeps what Temporal shows about a run current: search attributes (listing and the inbox's filters),
 * the memo (a page of runs or approvals in one visibility call) and the Web UI's current details. Each
 * write lands in history, so only changes are written.
 */
export class Visibility {
  private lastAttributes = '';
  private lastMemo = '';
  private lastDetails = '';
  private currentStep: string | undefined;
  /** Runs started before HoldpointStep existed replay without it (its upserts are commands). */
  private readonly stepAttribute: boolean;

  constructor(private readonly run: RunState) {
    this.stepAttribute = run.behavior >= 2;
  }

  sync(runningStep?: { name: string; handler?: string }): void {
    const { run } = this;
    const status = run.status;
    const pending = run.pending();
    const shown = memoPauses(run.data.pauses);

    if (runningStep) this.currentStep = runningStep.name;
    if (pending[0]) this.currentStep = pending[0].step;
    const attributes = {
      status,
      ...(this.stepAttribute ? { step: this.currentStep ?? null } : {}),
      pending: pending.length > 0,
      assignees: [...new Set(shown.flatMap((p) => assigneeKeys(p.assignees)))].sort(),
      states: [...new Set(run.data.pauses.map((p) => APPROVAL_STATUS_OF[p.status]))].sort(),
      pendingSince: earliest(pending.map((p) => p.created_at)),
      nextTimeout: earliest(pending.map((p) => p.timeout_at)),
    };
    const attributesKey = JSON.stringify(attributes);
    if (attributesKey !== this.lastAttributes) {
      upsertSearchAttributes([
        { key: SearchAttributes.status, value: attributes.status },
        ...(this.stepAttribute ? [{ key: SearchAttributes.step, value: attributes.step ?? null }] : []),
        { key: SearchAttributes.pending, value: attributes.pending },
        { key: SearchAttributes.assignees, value: attributes.assignees.length > 0 ? attributes.assignees : null },
        { key: SearchAttributes.approvalStates, value: attributes.states.length > 0 ? attributes.states : null },
        { key: SearchAttributes.pendingSince, value: attributes.pendingSince ? new Date(attributes.pendingSince) : null },
        { key: SearchAttributes.nextTimeout, value: attributes.nextTimeout ? new Date(attributes.nextTimeout) : null },
      ]);
      this.lastAttributes = attributesKey;
    }

    const { memo, json: memoKey } = fittedMemo(run);
    if (memoKey !== this.lastMemo) {
      upsertMemo({ [RUN_MEMO_KEY]: { ...memo, updated_at: run.data.updated_at } });
      this.lastMemo = memoKey;
    }

    const details = describe(run, runningStep);
    if (details !== this.lastDetails) {
      setCurrentDetails(details);
      this.lastDetails = details;
    }
  }
}

/**
 * The run's memo at the first level that fits the budget, with its JSON (compared to skip
 * unchanged writes). Pure: the same run state gives the same memo on every replay.
 */
export function fittedMemo(run: RunState): { memo: Omit<RunMemo, 'updated_at'>; json: string } {
  let fitted: { memo: Omit<RunMemo, 'updated_at'>; json: string } | undefined;
  for (const level of MEMO_LEVELS) {
    const memo = memoAt(run, level);
    fitted = { memo, json: JSON.stringify(memo) };
    if (utf8Bytes(fitted.json) <= MEMO_BUDGET) return fitted;
  }
  if (utf8Bytes(fitted!.json) <= MEMO_HARD_LIMIT) return fitted!;
  // Many pending pauses at once (no step opens more than one at a time today: this is a guard, so a
  // run never stalls on Temporal's refusal): each past the first few reduced to what the inbox
  // filters and sorts on, and past what fits, left out and counted (the inbox then reads the run).
  const { pauses: all, ...rest } = fitted!.memo;
  const pauses: PauseSummary[] = [];
  let bytes = utf8Bytes(JSON.stringify({ ...rest, pauses: [], pauses_omitted: all.length }));
  for (const [i, pause] of all.entries()) {
    const summary = i < 8 ? pause : bare(pause);
    const size = utf8Bytes(JSON.stringify(summary)) + 1;
    if (bytes + size > MEMO_HARD_LIMIT) break;
    pauses.push(summary);
    bytes += size;
  }
  const omitted = all.filter((p) => p.status === 'pending').length - pauses.filter((p) => p.status === 'pending').length;
  const reduced = { ...rest, pauses, ...(omitted > 0 ? { pauses_omitted: omitted } : {}) };
  return { memo: reduced, json: JSON.stringify(reduced) };
}

function memoAt(run: RunState, level: MemoLevel): Omit<RunMemo, 'updated_at'> {
  const { input } = run;
  return {
    workflow: run.workflow,
    task: input.task.slice(0, TASK_SUMMARY_LENGTH),
    state: capped(input.state, level.state),
    definition_hash: input.definition_hash,
    status: run.status,
    pauses: memoPauses(run.data.pauses, level.settled).map((p) => summarise(p, level)),
    error: run.data.error,
    ...(input.started_by ? { started_by: input.started_by } : {}),
    ...(input.customer ? { customer: input.customer } : {}),
    ...(input.session_id ? { session_id: input.session_id } : {}),
    ...(input.user_id ? { user_id: input.user_id } : {}),
    started_at: input.started_at,
  };
}

function memoPauses(pauses: Pause[], settledKept = MEMO_LEVELS[0]!.settled): Pause[] {
  const pending = pauses.filter((p) => p.status === 'pending');
  const settled = settledKept > 0 ? pauses.filter((p) => p.status !== 'pending').slice(-settledKept) : [];
  return [...pending, ...settled];
}

/** A pause summary with only what identifies it and what the inbox filters and sorts on. */
function bare(summary: PauseSummary): PauseSummary {
  const { request_id, step, type, assignees, rules, status, created_at, timeout_at, on_timeout } = summary;
  return { request_id, step, type, message: '', assignees, rules, status, created_at, ...(timeout_at ? { timeout_at } : {}), on_timeout };
}

/** A pending pause with all an approver needs; a settled one with what happened to it. */
function summarise(pause: Pause, level: MemoLevel): PauseSummary {
  const pending = pause.status === 'pending';
  const limit = level.value;
  return {
    request_id: pause.request_id,
    step: pause.step,
    type: pause.type,
    ...(pause.title ? { title: pause.title } : {}),
    message: clipped(pause.message, level.message),
    ...(pause.tool ? { tool: { ...pause.tool, args: capped(pause.tool.args, limit) as Record<string, unknown> } } : {}),
    ...(pending
      ? {
          ...(pause.options ? { options: pause.options } : {}),
          ...(pause.input_schema ? { input_schema: capped(pause.input_schema, limit) } : {}),
          ...(pause.questions ? { questions: capped(pause.questions, limit) } : {}),
          ...(pause.review
            ? { review: { step: pause.review.step, output: capped(pause.review.output, limit), ...(pause.review.edited_by ? { edited_by: pause.review.edited_by } : {}) } }
            : {}),
          ...(pause.context !== undefined ? { context: capped(pause.context, limit) } : {}),
          votes: pause.votes.map((v) => ({ ...(v.by ? { by: v.by } : {}), value: capped(v.value, limit), at: v.at })),
          ...(pause.round_from ? { round_from: pause.round_from } : {}),
          ...(pause.escalation ? { escalation: pause.escalation } : {}),
          digest: pause.digest,
        }
      : {}),
    assignees: pause.assignees,
    rules: pause.rules,
    status: pause.status,
    created_at: pause.created_at,
    ...(pause.timeout_at ? { timeout_at: pause.timeout_at } : {}),
    on_timeout: pause.on_timeout,
    ...(pause.decision
      ? {
          decision: {
            value: capped(pause.decision.value, limit),
            ...(pause.decision.by ? { by: pause.decision.by } : {}),
            at: pause.decision.at,
            ...(pause.decision.comment ? { comment: pause.decision.comment } : {}),
            channel: pause.decision.channel,
          },
        }
      : {}),
  };
}

/** Bytes of a string in UTF-8, as Temporal counts a memo. */
function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) bytes += code >= 0x800 && (code < 0xd800 || code > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

/** A message as it is, or its first characters and an ellipsis. */
function clipped(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function earliest(times: (string | undefined)[]): string | undefined {
  return times.filter((t): t is string => t !== undefined).sort()[0];
}

/** Markdown for the Web UI's "current details": what the run does or waits for, for whom, and how to decide. */
function describe(run: RunState, runningStep?: { name: string; handler?: string }): string {
  const status = run.status;
  if (status === 'completed') return `**Completed** ${run.workflow} run.`;
  if (status === 'cancelled') {
    const cancel = run.data.cancel_requested;
    return [`**Cancelled**${cancel?.by ? ` by ${cancel.by}` : ''}.`, ...(cancel?.reason ? ['', `> ${cancel.reason}`] : [])].join('\n');
  }
  if (status === 'failed') return `**Failed**: ${run.data.error?.message ?? 'unknown error'}`;

  const pending = run.pending();
  if (pending.length === 0) {
    if (!runningStep) return `**Running** ${run.workflow}.`;
    return `**Running** step \`${runningStep.name}\`${runningStep.handler ? ` (handler \`${runningStep.handler}\`)` : ''}.`;
  }
  return pending.map((p) => describePause(run, p)).join('\n\n---\n\n');
}

/** A pause as an operator reads it: a short list, then a decide command that works as written. */
function describePause(run: RunState, pause: Pause): string {
  const users = pause.assignees.filter((a) => a.startsWith('user:')).map((a) => a.slice(5));
  const groups = pause.assignees.filter((a) => a.startsWith('group:')).map((a) => a.slice(6));
  const items: string[] = [];
  if (pause.options) items.push(`**Options:** ${pause.options.map((o) => `\`${o}\``).join(' · ')}`);
  if (pause.type === 'input') items.push("**Expects:** a value matching the step's input schema");
  if (pause.questions) items.push(`**Questions:** ${pause.questions.map((q) => `"${q.question}" (${q.options.map((o) => o.label).join(' / ')}${q.allow_free_text ? ', or free text' : ''})`).join('; ')}`);
  if (pause.tool) items.push(`**Tool call:** \`${pause.tool.name}\` with \`${JSON.stringify(pause.tool.args).slice(0, 300)}\``);
  const who = pause.assignees.length === 0 || pause.assignees.includes('*') ? 'anyone with the approver role' : pause.assignees.join(', ');
  items.push(`**Who may decide:** ${who}${groups.length > 0 ? ` (send \`"groups": ${JSON.stringify(groups)}\`)` : ''}`);
  if (pause.rules.approvals_required > 1) {
    const approvals = roundCount(run, pause, APPROVE_OPTION);
    items.push(`**Approvals:** ${approvals} of ${pause.rules.approvals_required} so far, from distinct people`);
  }
  if (pause.review?.edited_by) items.push(`**Edited by ${pause.review.edited_by}:** approve what it shows now; votes before the edit no longer count`);
  if (pause.timeout_at) {
    const hours = (Date.parse(pause.timeout_at) - Date.parse(pause.created_at)) / 3_600_000;
    items.push(`**Times out:** ${pause.timeout_at} (${formatHours(hours)} after it opened), then: \`${pause.on_timeout}\``);
  } else {
    items.push('**Times out:** never');
  }
  const e = pause.escalation;
  if (e?.remind_at && !e.reminded_at) items.push(`**Reminder:** ${e.remind_at}`);
  if (e?.reassign_at && !e.reassigned_at) items.push(`**Reassigned to ${(e.reassign_to ?? []).join(', ')}:** ${e.reassign_at}`);
  if (pause.rules.reject_requires_comment) items.push('**Rule:** a rejection must say why (`comment`)');
  if (!pause.rules.allow_self_approval && pause.started_by) items.push(`**Rule:** ${pause.started_by} started the run and may not approve it`);
  if (pause.rules.allow_skip) items.push('**May be skipped:** `{"action": "skip"}` instead of a value');
  items.push(`**Request id:** \`${pause.request_id}\``);

  const decision = {
    request_id: pause.request_id,
    value: exampleValue(pause),
    by: users[0] ?? '<your name>',
    ...(groups.length > 0 ? { groups } : {}),
  };
  // One field per line: the Web UI's panel is narrow, and a clipped command cannot be copied.
  const fields = Object.entries(decision).map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  const input = `{\n${fields.join(',\n')}\n}`.replace(/'/g, "'\\''");
  return [
    `**Waiting for a decision** at step \`${pause.step}\` (${pause.type})`,
    '',
    `> ${pause.message.replace(/\n/g, '\n> ')}`,
    '',
    ...items.map((i) => `- ${i}`),
    '',
    'Decide with an update (it answers with the run, or says why it refused), or send the same input as a signal (`temporal workflow signal --name decide …`; a refused signal shows in the history as a `decide signal refused` marker):',
    '',
    '```',
    'temporal workflow update execute -o json \\',
    `  --workflow-id ${run.runId} \\`,
    `  --name decide --input '${input}'`,
    '```',
    // The Web UI sizes its frame a line short; a last empty line keeps the command whole.
    '',
    '---',
  ].join('\n');
}

function exampleValue(pause: Pause): unknown {
  if (pause.options?.[0] !== undefined) return pause.options[0];
  const question = pause.questions?.[0];
  if (question) return Object.fromEntries((pause.questions ?? []).map((q) => [q.question, q.options[0]?.label ?? '<answer>']));
  return pause.type === 'input' ? {} : '<value>';
}

function formatHours(hours: number): string {
  if (hours >= 48) return `${Number((hours / 24).toFixed(1))}d`;
  if (hours >= 1) return `${Number(hours.toFixed(1))}h`;
  return `${Math.max(1, Math.round(hours * 60))}m`;
}
