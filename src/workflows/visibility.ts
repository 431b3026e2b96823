import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { PendingSummary, RunMemo } from '../contracts/memo';
import type { Pause } from '../contracts/run';
import { RUN_MEMO_KEY, SearchAttributes } from '../contracts/temporal';
import type { RunState } from './run-state';

const TASK_SUMMARY_LENGTH = 200;

/**
 * Keeps what Temporal shows about a run current: search attributes (for listing), the memo (a page of
 * runs in one visibility call) and the Web UI's current details. Each write lands in history, so only
 * changes are written.
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

    const attributes = JSON.stringify([status, pending.length > 0]);
    if (attributes !== this.lastAttributes) {
      upsertSearchAttributes([
        { key: SearchAttributes.status, value: status },
        { key: SearchAttributes.pending, value: pending.length > 0 },
      ]);
      this.lastAttributes = attributes;
    }

    const memo: Omit<RunMemo, 'updated_at'> = {
      workflow: run.workflow,
      task: run.input.task.slice(0, TASK_SUMMARY_LENGTH),
      definition_hash: run.input.definition_hash,
      status,
      pending: pending.map(summarise),
      error: run.data.error,
      started_at: run.input.started_at,
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

function summarise(pause: Pause): PendingSummary {
  return {
    request_id: pause.request_id,
    step: pause.step,
    type: pause.type,
    message: pause.message,
    ...(pause.options ? { options: pause.options } : {}),
    ...(pause.assignee ? { assignee: pause.assignee } : {}),
    created_at: pause.created_at,
    ...(pause.timeout_at ? { timeout_at: pause.timeout_at } : {}),
  };
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
  if (pause.type === 'input') lines.push('Expects a value matching the step\'s input schema.');
  lines.push(`Assignee: ${pause.assignee ?? 'anyone allowed to decide'}`);
  lines.push(pause.timeout_at ? `Times out: ${pause.timeout_at} (then: ${pause.on_timeout})` : 'No timeout.');
  lines.push('', `Request id: \`${pause.request_id}\``);
  const example = pause.options?.[0] !== undefined ? JSON.stringify(pause.options[0]) : '<value>';
  lines.push(`Decide: signal or update \`decide\` with \`{"request_id": "${pause.request_id}", "value": ${example}}\``);
  return lines.join('\n');
}
