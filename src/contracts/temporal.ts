import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The task queue run workflows and task handlers are polled from. @default "holdpoint" */
export const DEFAULT_TASK_QUEUE = 'holdpoint';

/** The behavior revision new runs start with (see RunSettings.behavior). */
export const RUN_BEHAVIOR = 5;

/** The workflow type of every run. */
export const RUN_WORKFLOW_TYPE = 'holdpointRun';

/** The workflow type of a run's refusal log, and the suffix of its workflow id (`<run_id>.refusals`). */
export const REFUSALS_WORKFLOW_TYPE = 'holdpointRefusals';
export const REFUSALS_ID_SUFFIX = '.refusals';

/** Prefix of generated run ids (the Temporal workflow id), as seed 002 shows them. */
export const RUN_ID_PREFIX = 'wfr_';

/** Memo key holding the run's listing summary (one visibility call serves a page of runs). */
export const RUN_MEMO_KEY = 'holdpoint';

/** Memo key set once at start: the hash of the start request, to tell a retried start from a reused key. */
export const START_REQUEST_MEMO_KEY = 'holdpoint_start';

/**
 * Custom search attributes, registered idempotently at start-up. The SQLite visibility store has
 * 10 Keyword, 3 KeywordList, 3 Bool and 3 Datetime slots per namespace, so spend them sparingly.
 */
export const SearchAttributes = {
  /** running | paused | completed | failed | cancelled */
  status: defineSearchAttributeKey('HoldpointStatus', SearchAttributeType.KEYWORD),
  /** The definition's name. */
  workflow: defineSearchAttributeKey('HoldpointWorkflow', SearchAttributeType.KEYWORD),
  /** The step the run is at: the one it waits on, or the one running (the last one once it ends). */
  step: defineSearchAttributeKey('HoldpointStep', SearchAttributeType.KEYWORD),
  /** True while at least one pause waits for a decision. */
  pending: defineSearchAttributeKey('HoldpointPending', SearchAttributeType.BOOL),
  /** The customer or tenant label given at start. */
  customer: defineSearchAttributeKey('HoldpointCustomer', SearchAttributeType.KEYWORD),
  /** The principal that started the run. */
  startedBy: defineSearchAttributeKey('HoldpointStartedBy', SearchAttributeType.KEYWORD),
  /** The caller's conversation or session the run belongs to (AgentOS sessions). */
  session: defineSearchAttributeKey('HoldpointSession', SearchAttributeType.KEYWORD),
  /** The end user the run acts for (m8tes' and AgentOS' `user_id`), not the principal that started it. */
  endUser: defineSearchAttributeKey('HoldpointEndUser', SearchAttributeType.KEYWORD),
  /** A stable integer alias of the run id (APIs with numeric ids: m8tes); see lib/numeric-id.ts. */
  number: defineSearchAttributeKey('HoldpointRunNumber', SearchAttributeType.INT),
  /** Who the run's pauses are assigned to: `user:<id>`, `group:<id>`, or `*` for anyone. */
  assignees: defineSearchAttributeKey('HoldpointAssignees', SearchAttributeType.KEYWORD_LIST),
  /** The states of the run's pauses: pending, decided, expired, skipped, cancelled. */
  approvalStates: defineSearchAttributeKey('HoldpointApprovalStates', SearchAttributeType.KEYWORD_LIST),
  /** When the oldest pending pause was opened (unset when none is pending). */
  pendingSince: defineSearchAttributeKey('HoldpointPendingSince', SearchAttributeType.DATETIME),
  /** The earliest timeout among pending pauses (unset when none is pending or none times out). */
  nextTimeout: defineSearchAttributeKey('HoldpointNextTimeout', SearchAttributeType.DATETIME),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SearchAttributes);
