import { z } from 'zod';
import { Pause, RunError, RunStatus } from './run';

/**
 * A pause as the run's memo carries it, for the inbox. A pending one has everything an approver needs to
 * decide, with large values (context, schemas, reviewed output) replaced by `{"_truncated": true,
 * "_bytes": n}`; a settled one has what happened to it.
 */
export const PauseSummary = Pause.pick({
  request_id: true,
  step: true,
  type: true,
  title: true,
  message: true,
  options: true,
  assignees: true,
  rules: true,
  escalation: true,
  status: true,
  created_at: true,
  timeout_at: true,
  on_timeout: true,
  tool: true,
}).extend({
  input_schema: z.unknown().optional(),
  questions: z.unknown().optional(),
  review: z.object({ step: z.string(), output: z.unknown(), edited_by: z.string().optional() }).optional(),
  context: z.unknown().optional(),
  /** Pending pauses only (settled ones carry their decision instead); large values cut as above. */
  votes: z.array(z.object({ by: z.string().optional(), value: z.unknown(), at: z.string() })).optional(),
  /** Where the votes that count begin (see Pause.round_from); pending pauses only. */
  round_from: z.number().int().nonnegative().optional(),
  digest: z.string().optional(),
  decision: z
    .object({ value: z.unknown(), by: z.string().optional(), at: z.string(), comment: z.string().optional(), channel: z.string() })
    .optional(),
});
export type PauseSummary = z.infer<typeof PauseSummary>;

/** The run's memo (under `RUN_MEMO_KEY`), kept current by the workflow. */
export const RunMemo = z.object({
  workflow: z.string(),
  task: z.string(),
  /** The run's input state, truncated like the pauses' large values. */
  state: z.unknown(),
  definition_hash: z.string(),
  status: RunStatus,
  /** Pending pauses, then the most recent settled ones. */
  pauses: z.array(PauseSummary),
  /** Pending pauses left out (too many at once to fit a memo): read the run for all of them. */
  pauses_omitted: z.number().int().positive().optional(),
  error: RunError.nullable().optional(),
  started_by: z.string().optional(),
  customer: z.string().optional(),
  session_id: z.string().optional(),
  user_id: z.string().optional(),
  started_at: z.string(),
  updated_at: z.string(),
});
export type RunMemo = z.infer<typeof RunMemo>;
