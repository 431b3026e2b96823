import type { z } from 'zod';
import type { AgentOutput } from '../../src/contracts/agent';
import type { M8tesRun, M8tesRunListItem, M8tesRunStatus, M8tesRunUsage } from '../../src/contracts/http/m8tes';
import { numericId } from '../../src/contracts/numeric-id';
import type { RunStatus, RunSummary, RunView } from '../../src/contracts/run';

/**
 * Runs in m8tes' words. The id is the run's integer alias (`numericId` of the `wfr_…` id, kept as the
 * search attribute `HoldpointRunNumber`), `teammate_id` its workflow's, and the status vocabulary is
 * m8tes': `awaiting_approval` while a pause waits. `started_by` is never sent (m8tes' is an object naming
 * the agent run that started this one; holdpoint's is a principal). `holdpoint` carries the run's own
 * ids for cross-reference (the SDK ignores keys it does not know).
 */

export function m8tesStatus(status: RunStatus): M8tesRunStatus {
  return status === 'paused' ? 'awaiting_approval' : status;
}

/** m8tes' status filter in holdpoint's words (`closed` has none: holdpoint never closes a run that way). */
export function holdpointStatus(status: string): RunStatus | undefined {
  if (status === 'awaiting_approval') return 'paused';
  if (status === 'running' || status === 'completed' || status === 'failed' || status === 'cancelled') return status;
  return undefined;
}

export function presentRun(run: RunView): z.input<typeof M8tesRun> {
  const usage = usageOf(run);
  return {
    // First key: a replayed create is read by a regex that wants `{"id": <digits>` at the start.
    id: numericId(run.run_id),
    teammate_id: numericId(run.workflow),
    status: m8tesStatus(run.status),
    output: run.status === 'completed' ? outputText(run.result) : null,
    output_data: run.status === 'completed' ? outputData(run.result) : null,
    error: run.error?.message ?? null,
    error_code: run.error?.type ?? null,
    failure_kind: run.status === 'failed' ? ('error' as const) : null,
    user_id: run.user_id ?? null,
    metadata: metadataOf(run.state),
    created_at: run.started_at,
    updated_at: run.updated_at,
    started_at: run.started_at,
    turn_started_at: run.started_at,
    last_activity_at: run.updated_at,
    completed_at: run.ended_at ?? null,
    permission_mode: run.interaction.permission_mode,
    human_in_the_loop: run.interaction.human_in_the_loop,
    task_name: run.task.slice(0, 200),
    needs_reply: false,
    channel: 'api' as const,
    retryable: false,
    can_continue: run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled',
    ...(usage ? { usage } : {}),
    holdpoint: {
      run_id: run.run_id,
      workflow: run.workflow,
      ...(run.session_id ? { session_id: run.session_id } : {}),
      pending: run.pending.map((p) => p.request_id),
    },
  };
}

/** A run as a listing has it (visibility and memo: no output, no interaction settings). */
export function presentSummary(run: RunSummary): z.input<typeof M8tesRunListItem> {
  return {
    id: numericId(run.run_id),
    teammate_id: numericId(run.workflow),
    status: m8tesStatus(run.status),
    output: null,
    error: run.error?.message ?? null,
    error_code: run.error?.type ?? null,
    failure_kind: run.status === 'failed' ? ('error' as const) : null,
    user_id: run.user_id ?? null,
    metadata: null,
    created_at: run.started_at,
    updated_at: run.updated_at ?? run.started_at,
    started_at: run.started_at,
    completed_at: run.ended_at ?? null,
    task_name: run.task.slice(0, 200),
    needs_reply: false,
    channel: 'api' as const,
    holdpoint: {
      run_id: run.run_id,
      workflow: run.workflow,
      ...(run.session_id ? { session_id: run.session_id } : {}),
      pending: run.pending.map((p) => p.request_id),
    },
  };
}

/** The run's answer as text: a string as it is, an agent's answer by its text, anything else as JSON. */
export function outputText(result: unknown): string | null {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string') return result;
  if (isAgentOutput(result)) return result.text;
  return JSON.stringify(result);
}

/** A structured answer: an agent's `object`, or a non-agent run's object result. */
function outputData(result: unknown): Record<string, unknown> | null {
  if (isAgentOutput(result)) return isObject(result.object) ? result.object : null;
  return isObject(result) ? result : null;
}

function usageOf(run: RunView): z.input<typeof M8tesRunUsage> | undefined {
  let input = 0;
  let output = 0;
  let seen = false;
  for (const step of run.steps) {
    const usage = isAgentOutput(step.output) ? step.output.usage : undefined;
    if (!usage) continue;
    seen = true;
    input += usage.input_tokens;
    output += usage.output_tokens;
  }
  return seen ? { input_tokens: input, output_tokens: output, total_tokens: input + output, cost_usd: '0' } : undefined;
}

/** What the caller sent as `metadata` (kept in the run's state under that key). */
function metadataOf(state: Record<string, unknown>): Record<string, unknown> | null {
  return isObject(state.metadata) ? state.metadata : null;
}

/** Whether the run has ended (holdpoint ends a run completed, failed or cancelled). */
export function isEnded(run: Pick<RunView, 'status'>): boolean {
  return run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
}

export function isAgentOutput(value: unknown): value is AgentOutput {
  return isObject(value) && typeof value.text === 'string' && Array.isArray(value.tool_calls);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
