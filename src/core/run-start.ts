import type { WorkflowStartOptions } from '@temporalio/client';
import type { Definition } from '../contracts/definition';
import { durationToMs } from '../contracts/duration';
import { ErrorType, HoldpointError } from '../contracts/errors';
import type { RunMemo } from '../contracts/memo';
import type { Principal } from '../contracts/principal';
import type { RunInput, RunView, RunWorkflow } from '../contracts/run';
import { RUN_BEHAVIOR, RUN_MEMO_KEY, SearchAttributes, START_REQUEST_MEMO_KEY } from '../contracts/temporal';
import { digestOf as contentHash } from '../lib/digest';
import { DEFAULT_INTERACTION, interactionProblem } from '../contracts/interaction';
import { checkAgainstSchema, describeViolations } from '../lib/json-schema';
import { numericId } from '../contracts/numeric-id';
import type { StartRunParams } from './runs';

export interface StartPlan {
  definition: Definition;
  hash: string;
  params: StartRunParams;
  actor: Principal;
  runId: string;
  startedAt: string;
  taskQueue: string;
  maxRunLifetimeMs: number;
  continueAsNewAfterEvents?: number | undefined;
  /** The registered version the run starts from (definitions registered at runtime). */
  revision?: number | undefined;
}

/**
 * Everything a start sends to Temporal: the workflow's input (the pinned definition and the caller's
 * input, checked against the definition's input schema), search attributes and memo for listing, and
 * the summary and details the Web UI shows.
 */
export function prepareStart(plan: StartPlan): {
  input: RunInput;
  startOptions: WorkflowStartOptions<RunWorkflow> & { workflowIdConflictPolicy: 'USE_EXISTING' };
  requestHash: string;
} {
  const { definition, hash, params, actor, runId, startedAt } = plan;
  const state = params.state ?? {};
  if (definition.input_schema) {
    const violations = checkAgainstSchema(definition.input_schema, state, 'input.state');
    if (violations.length > 0) {
      throw new HoldpointError(ErrorType.InvalidRequest, `input.state does not match the "${definition.name}" input schema: ${describeViolations(violations)}`, {
        field: violations[0]!.path,
        violations,
      });
    }
  }
  const interaction = params.interaction ?? DEFAULT_INTERACTION;
  const problem = interactionProblem(interaction);
  if (problem) throw new HoldpointError(ErrorType.InvalidRequest, problem, { field: 'permission_mode', rule: 'human_in_the_loop' });
  const input: RunInput = {
    run_id: runId,
    definition,
    definition_hash: hash,
    ...(plan.revision !== undefined ? { definition_revision: plan.revision } : {}),
    task: params.task,
    state,
    started_by: actor.id,
    ...(params.customer ? { customer: params.customer } : {}),
    ...(params.sessionId ? { session_id: params.sessionId } : {}),
    ...(params.userId ? { user_id: params.userId } : {}),
    started_at: startedAt,
    ...(params.interaction ? { interaction: params.interaction } : {}),
    settings: {
      max_lifetime_ms: definition.max_lifetime ? durationToMs(definition.max_lifetime) : plan.maxRunLifetimeMs,
      ...(plan.continueAsNewAfterEvents ? { continue_as_new_after_events: plan.continueAsNewAfterEvents } : {}),
      behavior: RUN_BEHAVIOR,
    },
  };
  const requestHash = contentHash({
    workflow: definition.name,
    task: params.task,
    state,
    customer: params.customer ?? null,
    version: plan.revision ?? null,
    session: params.sessionId ?? null,
    user: params.userId ?? null,
    ...(params.interaction ? { interaction: params.interaction } : {}),
  });
  const initialMemo: RunMemo = {
    workflow: definition.name,
    task: params.task.slice(0, 200),
    state: {},
    definition_hash: hash,
    status: 'running',
    pauses: [],
    error: null,
    started_by: actor.id,
    ...(params.customer ? { customer: params.customer } : {}),
    ...(params.sessionId ? { session_id: params.sessionId } : {}),
    ...(params.userId ? { user_id: params.userId } : {}),
    started_at: startedAt,
    updated_at: startedAt,
  };
  const startOptions = {
    workflowId: runId,
    taskQueue: plan.taskQueue,
    args: [input] as [RunInput],
    // A retried start joins the running run; a finished one is never started again under the same id.
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' as const,
    typedSearchAttributes: [
      { key: SearchAttributes.status, value: 'running' },
      { key: SearchAttributes.workflow, value: definition.name },
      { key: SearchAttributes.pending, value: false },
      ...(params.customer ? [{ key: SearchAttributes.customer, value: params.customer }] : []),
      ...(params.sessionId ? [{ key: SearchAttributes.session, value: params.sessionId }] : []),
      ...(params.userId ? [{ key: SearchAttributes.endUser, value: params.userId }] : []),
      { key: SearchAttributes.startedBy, value: actor.id },
      { key: SearchAttributes.number, value: numericId(runId) },
    ],
    memo: { [RUN_MEMO_KEY]: initialMemo, [START_REQUEST_MEMO_KEY]: { request_hash: requestHash } },
    staticSummary: oneLine(`${definition.name}: ${params.task}`, 200),
    staticDetails: startDetails(input),
  };
  return { input, startOptions, requestHash };
}

/** A run the moment it starts, before its worker has taken its first step. */
export function initialView(input: RunInput): RunView {
  return {
    run_id: input.run_id,
    workflow: input.definition.name,
    definition_hash: input.definition_hash,
    ...(input.definition.version ? { definition_version: input.definition.version } : {}),
    ...(input.definition_revision !== undefined ? { definition_revision: input.definition_revision } : {}),
    status: 'running',
    task: input.task,
    state: input.state,
    steps: [],
    pending: [],
    pauses: [],
    result: null,
    error: null,
    ...(input.started_by ? { started_by: input.started_by } : {}),
    ...(input.customer ? { customer: input.customer } : {}),
    ...(input.session_id ? { session_id: input.session_id } : {}),
    ...(input.user_id ? { user_id: input.user_id } : {}),
    interaction: input.interaction ?? DEFAULT_INTERACTION,
    started_at: input.started_at,
    updated_at: input.started_at,
    last_event_seq: 0,
  };
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function startDetails(input: RunInput): string {
  const { definition } = input;
  const lines = [
    `**${definition.title ?? definition.name}** (\`${definition.name}\`${definition.version ? ` version ${definition.version}` : ''}, ${input.definition_hash.slice(0, 19)}…)`,
    '',
    `Task: ${input.task}`,
    '',
    `Steps: ${definition.steps.map((s) => `\`${s.name}\``).join(' → ')}`,
  ];
  if (input.started_by) lines.push('', `Started by: ${input.started_by}`);
  if (input.customer) lines.push('', `Customer: ${input.customer}`);
  lines.push('', 'State:', '```json', JSON.stringify(input.state, null, 2).slice(0, 2_000), '```');
  return lines.join('\n');
}
