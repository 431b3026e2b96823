import type { WebClient } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/activity';
import { SLACK_POST_ACTIVITY, SLACK_REPLY_ACTIVITY, SLACK_UPDATE_ACTIVITY, type SlackActivities } from '../contracts/slack';
import { editText, escalationText, reminderText, requestMessage, settledMessage } from '../slack/blocks';

export interface SlackDeps {
  /** A bot token's client (SLACK_BOT_TOKEN, SLACK_API_URL); undefined when Slack is not configured. */
  slack: WebClient | undefined;
}

/** Slack's Web API calls of the Slack thread workflow, through Slack's own client. */
export function createSlackActivities(deps: SlackDeps): SlackActivities {
  const client = (): WebClient => {
    if (!deps.slack) throw ApplicationFailure.nonRetryable('Slack is not configured on this worker (SLACK_BOT_TOKEN is unset)', 'SlackNotConfigured');
    return deps.slack;
  };
  return {
    [SLACK_POST_ACTIVITY]: async ({ channel, notice }) => {
      const message = requestMessage(notice);
      const posted = await client().chat.postMessage({ channel, text: message.text, blocks: message.blocks as never });
      return { channel: posted.channel ?? channel, ts: posted.ts ?? '' };
    },
    [SLACK_UPDATE_ACTIVITY]: async ({ message, notice }) => {
      const content = notice.kind === 'settled' ? settledMessage(notice) : requestMessage(notice);
      await client().chat.update({ channel: message.channel, ts: message.ts, text: content.text, blocks: content.blocks as never });
    },
    [SLACK_REPLY_ACTIVITY]: async ({ message, notice }) => {
      const text = notice.kind === 'escalated' ? escalationText(notice) : notice.kind === 'edited' ? editText(notice) : reminderText(notice);
      await client().chat.postMessage({ channel: message.channel, thread_ts: message.ts, text });
    },
  };
}
