import { z } from 'zod';
import { RunError, RunStatus } from './run';

/** A pending pause as the memo carries it: enough for a listing, not the full context. */
export const PendingSummary = z.object({
  request_id: z.string(),
  step: z.string(),
  type: z.string(),
  message: z.string(),
  options: z.array(z.string()).optional(),
  assignee: z.string().optional(),
  created_at: z.string(),
  timeout_at: z.string().optional(),
});
export type PendingSummary = z.infer<typeof PendingSummary>;

/** The run's memo (under `RUN_MEMO_KEY`), kept current by the workflow. */
export const RunMemo = z.object({
  workflow: z.string(),
  task: z.string(),
  definition_hash: z.string(),
  status: RunStatus,
  pending: z.array(PendingSummary),
  error: RunError.nullable().optional(),
  started_at: z.string(),
  updated_at: z.string(),
});
export type RunMemo = z.infer<typeof RunMemo>;
