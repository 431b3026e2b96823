import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import { APPROVAL_STATUS_OF } from '../contracts/approval-states';
import type { PauseSummary, RunMemo } from '../contracts/memo';
import type { Pause } from '../contracts/run';
import { RUN_MEMO_KEY, SearchAttributes } from '../contracts/temporal';
import { assigneeKeys } from '../lib/assignees';
import { canonicalJson } from '../lib/digest';
import type { RunState } from './run-state';

const TASK_SUMMARY_LENGTH = 200;
/**
 * Large values in the memo are cut above these sizes (bytes of JSON): the memo rides on every
 * visibility row, and Temporal warns above 2 KiB.
 */
const CONTEXT_LIMIT = 1_000;
const STATE_LIMIT = 400;
/** Settled pauses kept (compact) in the memo besides the pending ones, for the inbox's decided/expired views. */
const SETTLED_IN_MEMO = 3;

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
    this.stepAttribute = (run.input.settings.behavior ?? 1) >= 2;
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

    const { input } = run;
    const memo: Omit<RunMemo, 'updated_at'> = {
      workflow: run.workflow,
      task: input.task.slice(0, TASK_SUMMARY_LENGTH),
      state: capped(input.state, STATE_LIMIT),
      definition_hash: input.definition_hash,
      status,
      pauses: shown.map(summarise),
      error: run.data.error,
      ...(input.started_by ? { started_by: input.started_by } : {}),
      ...(input.customer ? { customer: input.customer } : {}),
      ...(input.session_id ? { session_id: input.session_id } : {}),
      ...(input.user_id ? { user_id: input.user_id } : {}),
      started_at: input.started_at,
    };
    const memoKey = JSON.stringify(memo);
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

function memoPauses(pauses: Pause[]): Pause[] {
  const pending = pauses.filter((p) => p.status === 'pending');
  const settled = pauses.filter((p) => p.status !== 'pending').slice(-SETTLED_IN_MEMO);
  return [...pending, ...settled];
}

/** A pending pause with all an approver needs; a settled one with what happened to it. */
function summarise(pause: Pause): PauseSummary {
  const pending = pause.status === 'pending';
  return {
    request_id: pause.request_id,
    step: pause.step,
    type: pause.type,
    ...(pause.title ? { title: pause.title } : {}),
    message: pause.message,
    ...(pause.tool ? { tool: { ...pause.tool, args: capped(pause.tool.args, CONTEXT_LIMIT) as Record<string, unknown> } } : {}),
    ...(pending
      ? {
          ...(pause.options ? { options: pause.options } : {}),
          ...(pause.input_schema ? { input_schema: capped(pause.input_schema, CONTEXT_LIMIT) } : {}),
          ...(pause.questions ? { questions: capped(pause.questions, CONTEXT_LIMIT) } : {}),
          ...(pause.review ? { review: { step: pause.review.step, output: capped(pause.review.output, CONTEXT_LIMIT) } } : {}),
          ...(pause.context !== undefined ? { context: capped(pause.context, CONTEXT_LIMIT) } : {}),
          votes: pause.votes.map((v) => ({ ...(v.by ? { by: v.by } : {}), value: v.value, at: v.at })),
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
            value: capped(pause.decision.value, CONTEXT_LIMIT),
            ...(pause.decision.by ? { by: pause.decision.by } : {}),
            at: pause.decision.at,
            ...(pause.decision.comment ? { comment: pause.decision.comment } : {}),
            channel: pause.decision.channel,
          },
        }
      : {}),
  };
}

/** A value as it is, or a marker saying how big it was when it is too big for a memo. */
function capped(value: unknown, limit: number): unknown {
  if (value === undefined) return undefined;
  const bytes = canonicalJson(value).length;
  return bytes > limit ? { _truncated: true, _bytes: bytes } : value;
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
    const approvals = pause.votes.filter((v) => v.value === 'approve').length;
    items.push(`**Approvals:** ${approvals} of ${pause.rules.approvals_required} so far, from distinct people`);
  }
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
