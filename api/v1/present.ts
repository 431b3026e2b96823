import type { z } from 'zod';
import type { PendingAction, RunListItem, RunOutput, RunResponse, StepView, V1Run, WorkflowDetail, WorkflowListItem } from '../../src/contracts/http/v1';
import type { Pause, RunSummary, RunView, StepRecord } from '../../src/contracts/run';
import type { ListedDefinition, ResolvedDefinition } from '../../src/core';

type Shape<S extends z.ZodType> = z.input<S>;

/**
 * Seed 002's (Reminix) response shapes. Documented names stay as documented (`run_id`,
 * `pendingAction`, `agentName`, `createdAt`); holdpoint's additions are snake_case.
 */

export function presentPendingAction(pause: Pause): Shape<typeof PendingAction> {
  return {
    step: pause.step,
    type: pause.type,
    message: pause.message,
    ...(pause.options ? { options: pause.options } : {}),
    ...(pause.input_schema ? { inputSchema: pause.input_schema } : {}),
    ...(pause.questions ? { questions: pause.questions } : {}),
    ...(pause.review ? { review: pause.review } : {}),
    ...(pause.assignees.length > 0 ? { assignee: pause.assignees.join(', '), assignees: pause.assignees } : {}),
    request_id: pause.request_id,
    digest: pause.digest,
    ...(pause.title ? { title: pause.title } : {}),
    ...(pause.context !== undefined ? { context: pause.context } : {}),
    ...(pause.tool ? { tool: pause.tool } : {}),
    ...(pause.plan ? { plan: pause.plan } : {}),
    rules: pause.rules,
    ...(pause.votes.length > 0 ? { votes: pause.votes } : {}),
    ...(pause.round_from ? { round_from: pause.round_from } : {}),
    ...(pause.escalation ? { escalation: pause.escalation } : {}),
    created_at: pause.created_at,
    ...(pause.timeout_at ? { timeout_at: pause.timeout_at } : {}),
    on_timeout: pause.on_timeout,
  };
}

export function presentStep(step: StepRecord): Shape<typeof StepView> {
  return {
    name: step.name,
    status: step.status,
    ...(step.output !== undefined ? { output: step.output } : {}),
    ...(step.error ? { error: step.error.message, error_type: step.error.type } : {}),
    type: step.type,
    ...(step.title ? { title: step.title } : {}),
    ...(step.attempts !== undefined ? { attempts: step.attempts } : {}),
    ...(step.branch !== undefined ? { branch: step.branch } : {}),
    ...(step.request_id ? { request_id: step.request_id } : {}),
    ...(step.decision ? { decision: step.decision } : {}),
    ...(step.edited_by ? { original_output: step.original_output, edited_by: step.edited_by } : {}),
    started_at: step.started_at,
    ...(step.ended_at ? { ended_at: step.ended_at } : {}),
  };
}

/** `output` as seed 002 documents it: status, steps, result, pendingAction (+ error when failed). */
export function presentOutput(run: RunView): Shape<typeof RunOutput> {
  return {
    status: run.status,
    steps: run.steps.map(presentStep),
    result: run.status === 'completed' ? run.result : null,
    pendingAction: run.pending[0] ? presentPendingAction(run.pending[0]) : null,
    ...(run.pending.length > 1 ? { pendingActions: run.pending.map(presentPendingAction) } : {}),
    ...(run.error ? { error: run.error.message, error_type: run.error.type } : {}),
  };
}

/** The start and resume answer: `{ output, run_id }`, plus `status` as the API reference has it. */
export function presentRunResponse(run: RunView): Shape<typeof RunResponse> {
  return { output: presentOutput(run), run_id: run.run_id, status: run.status };
}

/** `GET /v1/workflow-runs/{runId}`: the API reference's run object, with `output` as the SDK reads it. */
export function presentRun(run: RunView): Shape<typeof V1Run> {
  const output = presentOutput(run);
  return {
    id: run.run_id,
    run_id: run.run_id,
    agentName: run.workflow,
    status: run.status,
    input: { task: run.task, state: run.state },
    output,
    state: { steps: output.steps, result: output.result },
    pendingAction: output.pendingAction,
    error: run.error,
    definition: {
      hash: run.definition_hash,
      ...(run.definition_version ? { version: run.definition_version } : {}),
      ...(run.definition_revision !== undefined ? { revision: run.definition_revision } : {}),
    },
    ...(run.started_by ? { started_by: run.started_by } : {}),
    ...(run.customer ? { customer: run.customer } : {}),
    ...(run.user_id ? { user_id: run.user_id } : {}),
    human_in_the_loop: run.interaction.human_in_the_loop,
    permission_mode: run.interaction.permission_mode,
    ...(run.cancel_requested ? { cancel_requested: run.cancel_requested } : {}),
    createdAt: run.started_at,
    updatedAt: run.updated_at,
    ...(run.ended_at ? { endedAt: run.ended_at } : {}),
    last_event_seq: run.last_event_seq,
  };
}

export function presentSummary(run: RunSummary): Shape<typeof RunListItem> {
  return {
    id: run.run_id,
    run_id: run.run_id,
    agentName: run.workflow,
    status: run.status,
    task: run.task,
    pendingAction: run.pending[0] ?? null,
    error: run.error,
    createdAt: run.started_at,
    ...(run.updated_at ? { updatedAt: run.updated_at } : {}),
    ...(run.ended_at ? { endedAt: run.ended_at } : {}),
  };
}

/** One entry of `GET /v1/workflows`. */
export function presentListed(entry: ListedDefinition): Shape<typeof WorkflowListItem> {
  const { definition } = entry;
  return {
    name: entry.name,
    type: 'workflow' as const,
    title: entry.title ?? entry.name,
    ...(entry.description ? { description: entry.description } : {}),
    ...(definition?.version ? { version: definition.version } : {}),
    hash: entry.hash,
    source: entry.source,
    ...(entry.version !== undefined ? { revision: entry.version, revisions: entry.versions } : {}),
    ...(entry.retired ? { retired: true } : {}),
    ...(definition ? { input_schema: definition.input_schema ?? { type: 'object' }, steps: definition.steps.map((s) => ({ name: s.name, type: s.type, ...(s.title ? { title: s.title } : {}) })) } : {}),
  };
}

/** `GET /v1/workflows/{name}`: the definition in full, and for a registered one its version history. */
export function presentDefinition(found: ResolvedDefinition & { history?: Record<string, unknown>[] }): Shape<typeof WorkflowDetail> {
  const { definition } = found;
  return {
    name: definition.name,
    type: 'workflow' as const,
    title: definition.title ?? definition.name,
    ...(definition.description ? { description: definition.description } : {}),
    ...(definition.version ? { version: definition.version } : {}),
    hash: found.hash,
    source: found.source,
    ...(found.version !== undefined ? { revision: found.version } : {}),
    ...(found.retired ? { retired: true } : {}),
    input_schema: definition.input_schema ?? { type: 'object' },
    steps: definition.steps.map((s) => ({ name: s.name, type: s.type, ...(s.title ? { title: s.title } : {}) })),
    definition,
    ...(found.history ? { revisions: found.history } : {}),
  };
}
