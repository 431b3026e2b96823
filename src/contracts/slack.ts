import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RunEvent } from './events';
import type { PauseNotice, RunNotice } from './notify';

/**
 * Slack approvals: one small workflow per pause that names Slack channels
 * (`<task queue>.slack.<request id>`). It posts the request with one button per option, threads
 * reminders and escalations under it, and rewrites it once the pause is settled, however it was
 * settled. Button clicks come back through the gateway's interactions endpoint as ordinary decisions.
 */
export const SLACK_THREAD_WORKFLOW_TYPE = 'holdpointSlackThread';

export function slackThreadWorkflowId(taskQueue: string, requestId: string): string {
  return `${taskQueue}.slack.${requestId}`;
}

/** `edited`: a reviewer's edit of an output review that needs several approvers (behavior 5) started a new round. */
export type SlackNoticeKind = 'requested' | 'reminded' | 'escalated' | 'edited' | 'settled';

export interface SlackNotice {
  kind: SlackNoticeKind;
  event: RunEvent;
  pause: PauseNotice;
  run: RunNotice;
  /** The output review's latest edit: what its message shows from then on (the thread keeps it for later rewrites). */
  edit?: SlackEdit;
}

/** An edit of the reviewed output, as the message shows it (a large output cut as in notifications). */
export interface SlackEdit {
  by?: string;
  at: string;
  output: unknown;
  /** Approvals of the edited output so far, and how many it needs. */
  count: number;
  needed: number;
}

/** A posted message: where it is, so later notices can thread under it and rewrite it. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

export interface SlackThreadInput {
  request_id: string;
  channels: string[];
  /** Set by continue-as-new. */
  carried?: { messages: SlackMessageRef[]; handled: number[]; edit?: SlackEdit };
}

/** What a button carries back: the request, the option, and the digest of what the message showed. */
export interface SlackButtonValue {
  request_id: string;
  option: string;
  digest: string;
}

export const SLACK_ACTION_PREFIX = 'holdpoint_decide';

export const slackNoticeSignal = defineSignal<[SlackNotice[]]>('slackNotice');
export const getSlackMessagesQuery = defineQuery<SlackMessageRef[]>('getSlackMessages');

export const SLACK_POST_ACTIVITY = '__holdpoint_slackPost';
export const SLACK_UPDATE_ACTIVITY = '__holdpoint_slackUpdate';
export const SLACK_REPLY_ACTIVITY = '__holdpoint_slackReply';

export type SlackActivities = {
  /** Posts the request in a channel; answers where it went. */
  [SLACK_POST_ACTIVITY]: (input: { channel: string; notice: SlackNotice }) => Promise<SlackMessageRef>;
  /** Rewrites a posted request (settled: no more buttons; escalated: new assignees; edited: the edit, buttons on its digest). */
  [SLACK_UPDATE_ACTIVITY]: (input: { message: SlackMessageRef; notice: SlackNotice }) => Promise<void>;
  /** Threads a reminder, an escalation or an edit under the posted request. */
  [SLACK_REPLY_ACTIVITY]: (input: { message: SlackMessageRef; notice: SlackNotice }) => Promise<void>;
};
