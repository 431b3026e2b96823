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

  constructor(private readonly run: RunState) {}

  sync(runningStep?: { name: string; handler?: string }): void {
    const { run } = this;
    const status = run.status;
    const pending = run.pending();
    const shown = memoPauses(run.data.pauses);

    const attributes = {
      status,
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

/** Markdown for the Web UI's "current details": what the run does or waits for, and for whom. */
function describe(run: RunState, runningStep?: { name: string; handler?: string }): string {
  const status = run.status;
  if (status === 'completed') return `**Completed** ${run.workflow} run.`;
  if (status === 'cancelled') {
    const by = run.data.cancel_requested?.by;
    return `**Cancelled**${by ? ` by ${by}` : ''}.`;
  }
  if (status === 'failed') return `**Failed**: ${run.data.error?.message ?? 'unknown error'}`;

  const pending = run.pending();
  if (pending.length === 0) {
    if (!runningStep) return `**Running** ${run.workflow}.`;
    return `**Running** step \`${runningStep.name}\`${runningStep.handler ? ` (handler \`${runningStep.handler}\`)` : ''}.`;
  }
  return pending.map(describePause).join('\n\n---\n\n');
}

function describePause(pause: Pause): string {
  const lines = [`**Waiting for a decision** at step \`${pause.step}\` (${pause.type})`, '', `> ${pause.message}`, ''];
  if (pause.options) lines.push(`Options: ${pause.options.map((o) => `\`${o}\``).join(' · ')}`);
  if (pause.type === 'input') lines.push("Expects a value matching the step's input schema.");
  if (pause.questions) lines.push(`Questions: ${pause.questions.map((q) => `"${q.question}"`).join(', ')}`);
  lines.push(`Who may decide: ${pause.assignees.length > 0 ? pause.assignees.join(', ') : 'anyone with the approver role'}`);
  if (pause.rules.approvals_required > 1) {
    const approvals = pause.votes.filter((v) => v.value === 'approve').length;
    lines.push(`Approvals: ${approvals} of ${pause.rules.approvals_required}`);
  }
  lines.push(pause.timeout_at ? `Times out: ${pause.timeout_at} (then: ${pause.on_timeout})` : 'No timeout.');
  lines.push('', `Request id: \`${pause.request_id}\``);
  const example = pause.options?.[0] !== undefined ? JSON.stringify(pause.options[0]) : '<value>';
  lines.push(`Decide: signal or update \`decide\` with \`{"request_id": "${pause.request_id}", "value": ${example}, "by": "<who>"}\``);
  return lines.join('\n');
}
