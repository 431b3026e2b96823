import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  getSlackMessagesQuery,
  SLACK_POST_ACTIVITY,
  SLACK_REPLY_ACTIVITY,
  SLACK_UPDATE_ACTIVITY,
  slackNoticeSignal,
  type SlackActivities,
  type SlackEdit,
  type SlackMessageRef,
  type SlackNotice,
  type SlackThreadInput,
} from '../contracts/slack';

/** A pause may wait a month; past that the thread stops listening (a late notice starts it again). */
const IDLE = '40d';
const HISTORY_LIMIT = 2_000;

const slack = proxyActivities<SlackActivities>({
  summary: 'Slack',
  startToCloseTimeout: '30s',
  // Slack's client already waits out rate limits; these retries cover Slack or the network being away.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 20 },
});

/**
 * One pause's life in Slack: the request with its buttons in each channel, reminders, escalations and
 * edits threaded under it, the message rewritten with each escalation and edit, and once the pause is
 * settled (by a click, the REST API, a signal or a timeout alike).
 */
export async function holdpointSlackThread(input: SlackThreadInput): Promise<SlackMessageRef[]> {
  const messages: SlackMessageRef[] = input.carried?.messages ?? [];
  const handled = new Set<number>(input.carried?.handled ?? []);
  /** An output review's latest edit: every later rewrite of the message shows it. */
  let edit: SlackEdit | undefined = input.carried?.edit;
  const queue: SlackNotice[] = [];
  let settled = false;

  setHandler(
    slackNoticeSignal,
    (notices) => {
      for (const notice of notices) {
        if (handled.has(notice.event.seq) || queue.some((q) => q.event.seq === notice.event.seq)) continue;
        queue.push(notice);
      }
      queue.sort((a, b) => a.event.seq - b.event.seq);
    },
    { description: 'What happened to the pause: requested, reminded, escalated, edited or settled.' },
  );
  setHandler(getSlackMessagesQuery, () => messages, { description: 'Where the request was posted (channel and ts).' });

  while (!settled) {
    const busy = await condition(() => queue.length > 0 || tooLong(), IDLE, { summary: 'idle: closes when the pause has no news for a while' });
    if (!busy) break;
    if (queue.length === 0) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof holdpointSlackThread>({ ...input, carried: { messages, handled: [...handled], ...(edit ? { edit } : {}) } });
    }
    const next = queue.shift()!;
    handled.add(next.event.seq);
    if (next.edit) edit = next.edit;
    const notice = edit && !next.edit ? { ...next, edit } : next;
    try {
      await handle(notice);
    } catch (err) {
      // Retries are spent (a channel that does not exist, a revoked token): say so and carry on.
      log.warn('Slack notice could not be delivered', { requestId: input.request_id, kind: notice.kind, error: String(err) });
    }
    if (notice.kind === 'settled') settled = true;
  }
  await condition(allHandlersFinished);
  return messages;

  async function handle(notice: SlackNotice): Promise<void> {
    switch (notice.kind) {
      case 'requested':
        for (const channel of input.channels) {
          if (messages.some((m) => m.channel === channel)) continue;
          messages.push(await slack[SLACK_POST_ACTIVITY]({ channel, notice }));
        }
        return;
      case 'reminded':
        await Promise.all(messages.map((message) => slack[SLACK_REPLY_ACTIVITY]({ message, notice })));
        return;
      case 'escalated':
      case 'edited':
        // An edit also rewrites the buttons: they carry the digest of what the message shows now.
        await Promise.all(messages.map((message) => slack[SLACK_REPLY_ACTIVITY]({ message, notice })));
        await Promise.all(messages.map((message) => slack[SLACK_UPDATE_ACTIVITY]({ message, notice })));
        return;
      case 'settled':
        await Promise.all(messages.map((message) => slack[SLACK_UPDATE_ACTIVITY]({ message, notice })));
        return;
    }
  }
}

function tooLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_LIMIT;
}
