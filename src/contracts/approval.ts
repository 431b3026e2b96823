import { z } from 'zod';
import { APPROVAL_STATUSES } from './approval-states';
import { Pause, PauseRules, RunStatus } from './run';

/** The inbox's states of a pause (`expired` = timed out). */
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** One item of the approvals inbox: a pause with everything an approver needs to decide it. */
export const ApprovalItem = z.object({
  request_id: z.string(),
  run_id: z.string(),
  workflow: z.string(),
  step: z.string(),
  type: z.string(),
  title: z.string().optional(),
  message: z.string(),
  options: z.array(z.string()).optional(),
  input_schema: z.unknown().optional(),
  questions: z.unknown().optional(),
  review: z.unknown().optional(),
  /** What the step refers to (its `context` expression); `{"_truncated": true}` in listings when large. */
  context: z.unknown().optional(),
  /** For a pause an agent's tool call raised: the call (tool, arguments, what the person is asked to do). */
  tool: Pause.shape.tool,
  status: ApprovalStatus,
  created_at: z.string(),
  timeout_at: z.string().optional(),
  on_timeout: z.string(),
  /** Send it back with the decision to prove what you decided on (pending requests). */
  digest: z.string().optional(),
  /** Who may decide, and by which rules. */
  who_may_decide: PauseRules.extend({
    /** Empty: anyone with the approver role. */
    assignees: z.array(z.string()),
    started_by: z.string().optional(),
  }),
  votes: z.array(z.object({ by: z.string().optional(), value: z.unknown(), at: z.string() })),
  /**
   * Where the votes that count begin: an edit of an output review's output starts a new round, and
   * the votes before it were on other content (their authors may decide again). @default 0
   */
  round_from: z.number().int().optional(),
  escalation: z.unknown().optional(),
  decision: z.unknown().optional(),
  /** Whether the caller may decide it now (role, assignees, not yet voted in this round), and may approve it (separation of duties). */
  you_may_decide: z.boolean(),
  you_may_approve: z.boolean(),
  run: z.object({
    status: RunStatus,
    task: z.string(),
    state: z.unknown(),
    started_by: z.string().optional(),
    customer: z.string().optional(),
    started_at: z.string(),
  }),
});
export type ApprovalItem = z.infer<typeof ApprovalItem>;
