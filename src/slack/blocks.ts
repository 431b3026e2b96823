import type { PauseNotice } from '../contracts/notify';
import { SLACK_ACTION_PREFIX, type SlackButtonValue, type SlackNotice } from '../contracts/slack';

/** What a Slack message is made of: Block Kit blocks and the text shown in notifications. */
export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const CONTEXT_LIMIT = 2_500;

/** Pause types a button can decide (the others are decided in the inbox or over the API). */
function buttonOptions(pause: PauseNotice): string[] {
  if (pause.type === 'confirmation' || pause.type === 'decision') return pause.options ?? [];
  if (pause.type === 'output_review') return ['approve', 'reject'];
  return [];
}

/**
 * The request as posted: what is asked, the context (and an output review's latest edit), who may
 * decide, until when, one button per option (each with the digest of what the message shows).
 */
export function requestMessage(notice: SlackNotice, settledLine?: string): SlackMessage {
  const { pause, run } = notice;
  const title = pause.title ?? `Approval needed: ${run.workflow}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: pause.message.slice(0, 2_900) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Workflow*\n${run.workflow}` },
        { type: 'mrkdwn', text: `*Step*\n${pause.step}` },
        { type: 'mrkdwn', text: `*Who may decide*\n${pause.assignees.length > 0 ? pause.assignees.join(', ') : 'any approver'}` },
        { type: 'mrkdwn', text: `*Times out*\n${pause.timeout_at ? `${pause.timeout_at} (then ${pause.on_timeout})` : 'never'}` },
      ],
    },
  ];
  if (pause.context !== undefined) blocks.push(codeSection(pause.context));
  if (notice.edit) {
    const who = notice.edit.by ?? 'an unnamed sender';
    const ask = settledLine ? '' : '. Approve the output as it reads now; votes before the edit no longer count';
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:pencil2: *Edited by ${who}* at ${notice.edit.at}${ask}:` } });
    blocks.push(codeSection(notice.edit.output));
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Run \`${run.run_id}\` · request \`${pause.request_id}\`` }] });
  if (settledLine) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: settledLine } });
  } else {
    const options = buttonOptions(pause);
    if (options.length > 0) {
      blocks.push({
        type: 'actions',
        block_id: `holdpoint:${pause.request_id}`.slice(0, 255),
        elements: options.map((option) => ({
          type: 'button',
          text: { type: 'plain_text', text: label(option), emoji: true },
          action_id: `${SLACK_ACTION_PREFIX}:${option}`,
          value: JSON.stringify({ request_id: pause.request_id, option, digest: pause.digest } satisfies SlackButtonValue),
          ...(option === 'approve' ? { style: 'primary' } : option === 'reject' ? { style: 'danger' } : {}),
        })),
      });
    } else {
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Decide it in the holdpoint inbox or over the API (\`${pause.type}\` step).` }] });
    }
  }
  return { text: `${title}: ${pause.message}`.slice(0, 3_000), blocks };
}

/** The request rewritten once it is settled: no buttons, and how it ended. */
export function settledMessage(notice: SlackNotice): SlackMessage {
  return requestMessage(notice, settledLine(notice.pause));
}

export function settledLine(pause: PauseNotice): string {
  const d = pause.decision;
  if (pause.status === 'cancelled') return ':no_entry_sign: *Cancelled*: the run ended before anyone decided.';
  if (pause.status === 'timed_out' && !d) return `:hourglass: *Timed out* (${pause.on_timeout}).`;
  if (!d) return `*${pause.status}*`;
  const value = typeof d.value === 'string' ? d.value : JSON.stringify(d.value);
  const icon = value === 'reject' ? ':x:' : value === 'skipped' || value === 'timeout_skip' ? ':fast_forward:' : ':white_check_mark:';
  const who = d.channel === 'timeout' ? 'the timeout' : (d.by ?? 'an unnamed sender');
  const how = d.via ?? d.channel;
  return `${icon} *${label(value)}* by ${who}${how && d.channel !== 'timeout' ? ` via ${how}` : ''} at ${d.at}${d.comment ? `: “${d.comment}”` : ''}`;
}

export function reminderText(notice: SlackNotice): string {
  const { pause } = notice;
  const who = pause.assignees.length > 0 ? pause.assignees.join(', ') : 'any approver';
  return `:alarm_clock: Reminder: this still waits for a decision by ${who}${pause.timeout_at ? `; it times out at ${pause.timeout_at} (then ${pause.on_timeout})` : ''}.`;
}

export function editText(notice: SlackNotice): string {
  const edit = notice.edit;
  const who = edit?.by ?? 'an unnamed sender';
  const tally = edit ? ` It has ${edit.count} of ${edit.needed} approvals of the edited output (the edit is ${who}'s).` : '';
  return `:pencil2: ${who} edited the output under review: votes on the earlier output no longer count, and the buttons above now decide on the edit.${tally}`;
}

export function escalationText(notice: SlackNotice): string {
  const data = notice.event.data ?? {};
  const from = Array.isArray(data.from) ? (data.from as string[]).join(', ') : 'the previous assignees';
  const to = Array.isArray(data.to) ? (data.to as string[]).join(', ') : notice.pause.assignees.join(', ');
  return `:arrow_double_up: Escalated from ${from || 'any approver'} to ${to}.`;
}

/** A value as a code block, cut to what a section holds. */
function codeSection(value: unknown): Record<string, unknown> {
  const json = JSON.stringify(value, null, 2) ?? 'null';
  return { type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${json.length > CONTEXT_LIMIT ? `${json.slice(0, CONTEXT_LIMIT)}…` : json}\`\`\`` } };
}

function label(option: string): string {
  return option.charAt(0).toUpperCase() + option.slice(1);
}
