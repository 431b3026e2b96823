import type { RunEvent } from './events';
import type { PauseStatus, RunStatus } from './run';

/**
 * What a run hands to its notify activity: a batch of notable events with what subscribers need to
 * act on them (the run, and the pause an event concerns). Types only: workflow code builds it.
 */

/** The run an event belongs to, as notifications describe it. */
export interface RunNotice {
  run_id: string;
  workflow: string;
  status: RunStatus;
  /** Cut to 200 characters. */
  task: string;
  customer?: string;
  /** The end user the run acts for (m8tes' and AgentOS' `user_id`). */
  user_id?: string;
  started_by?: string;
  started_at: string;
}

/** The pause an event concerns, as webhooks and Slack show it (large values cut as in the memo). */
export interface PauseNotice {
  request_id: string;
  step: string;
  type: string;
  title?: string;
  message: string;
  options?: string[];
  assignees: string[];
  status: PauseStatus;
  created_at: string;
  timeout_at?: string;
  on_timeout: string;
  digest: string;
  context?: unknown;
  decision?: { value: unknown; by?: string; at: string; comment?: string; channel: string; via?: string };
  /** Slack channels the definition names for this pause. */
  slack_channels?: string[];
}

export interface NotifiedEvent {
  event: RunEvent;
  /** The pause the event concerns. */
  pause?: PauseNotice;
  /** On the run's last event: the pauses that were still open and closed with it. */
  closed_pauses?: PauseNotice[];
}

export interface NotifyInput {
  run: RunNotice;
  events: NotifiedEvent[];
}

/** How many hand-offs the activity made (for the run's history and the logs). */
export interface NotifyResult {
  bus: number;
  webhooks: number;
  slack: number;
}

/** The notify activity as workflow code sees it. Its name is reserved: no task handler may take it. */
export const NOTIFY_ACTIVITY = '__holdpoint_notify';
export type NotifyActivities = { [NOTIFY_ACTIVITY]: (input: NotifyInput) => Promise<NotifyResult> };

/** Activity names holdpoint keeps for itself; task handlers may not start with it. */
export const RESERVED_ACTIVITY_PREFIX = '__holdpoint';
