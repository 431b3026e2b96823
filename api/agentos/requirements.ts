import type { z } from 'zod';
import type { AgentOsRunRequirement, AgentOsStepOutput, AgentOsStepRequirement, AgentOsToolExecution } from '../../src/contracts/http/agentos';
import type { Pause } from '../../src/contracts/run';
import { editOf } from '../../src/lib/review-rounds';
import { canonicalJson } from '../../src/lib/digest';
import { epoch } from './http';
import { acceptedByAgno, inputFields, SINGLE_FIELD, toolInputFields } from './input-fields';
import { agentRunId, type StepLayout } from './layout';

/**
 * holdpoint's pauses as AgentOS `StepRequirement`s. Every requirement's `step_id` is the pause's
 * request id, so a continue finds the pause again. A tool pause is an executor requirement whose one
 * `executor_requirements[]` entry (Agno's `RunRequirement`) also carries the request id; a step pause
 * is a step requirement: confirmation, route selection (more than approve/reject), user input
 * (input and question steps) or output review.
 */

export interface RequirementScope {
  runId: string;
  sessionId: string;
  layout: StepLayout;
}

export type StepRequirement = z.input<typeof AgentOsStepRequirement>;

/** Whether a pause shows as decided; `false` shows it as it was while it waited (replays). */
export type Settled = (pause: Pause) => boolean;

const isSettled: Settled = (pause) => pause.status !== 'pending' && pause.decision !== undefined;

/** Does a pause offer more than a plain approve/reject? Then AgentOS sees a route selection. */
export function isRouteSelection(pause: Pause): boolean {
  if (pause.type !== 'confirmation' && pause.type !== 'decision') return false;
  const options = pause.options ?? [];
  return !(options.length <= 2 && options.includes('approve') && options.every((o) => o === 'approve' || o === 'reject'));
}

/** The run's requirements: settled pauses first, then the pending ones (the last is the active one). */
export function requirementsOf(pauses: Pause[], scope: RequirementScope, settled: Settled = isSettled): StepRequirement[] {
  const done = pauses.filter((p) => settled(p));
  const open = pauses.filter((p) => !settled(p) && (p.status === 'pending' || p.decision !== undefined));
  return [...done, ...open].map((p) => stepRequirement(p, scope, settled(p)));
}

export function stepRequirement(pause: Pause, scope: RequirementScope, settled = isSettled(pause)): StepRequirement {
  const decision = settled ? pause.decision : undefined;
  const value = decision?.value;
  const rejected = value === 'reject';
  const base = {
    step_id: pause.request_id,
    step_name: pause.step,
    step_index: scope.layout.top(pause.step),
    step_type: 'Step',
    requires_confirmation: false,
    confirmation_message: null as string | null,
    confirmed: null as boolean | null,
    on_reject: onReject(pause, scope.layout),
    requires_user_input: false,
    user_input_message: null as string | null,
    user_input: null as Record<string, unknown> | null,
    requires_route_selection: false,
    available_choices: null as string[] | null,
    allow_multiple_selections: false,
    selected_choices: null as string[] | null,
    requires_output_review: false,
    output_review_message: null as string | null,
    is_post_execution: false,
    rejection_feedback: rejected ? (decision?.comment ?? null) : null,
    retry_count: 0,
    max_retries: null,
    timeout_at: pause.timeout_at ?? null,
    on_timeout: onTimeout(pause.on_timeout),
  } satisfies StepRequirement;
  if (pause.tool) {
    const tool = pause.tool;
    return {
      ...base,
      requires_executor_input: true,
      executor_requirements: [executorRequirement(pause, settled)],
      executor_id: tool.agent_step,
      executor_name: scope.layout.stepTitle(tool.agent_step),
      executor_run_id: agentRunId(scope.runId, tool.agent_step),
      executor_type: 'agent',
      executor_session_id: scope.sessionId,
    };
  }
  if (pause.type === 'output_review') {
    const edit = shippedEdit(pause);
    return {
      ...base,
      requires_output_review: true,
      output_review_message: pause.message,
      is_post_execution: true,
      confirmed: decision ? !rejected : null,
      ...(pause.review ? { step_output: reviewedOutput(pause, scope) } : {}),
      ...(edit !== undefined ? { edited_output: edit } : {}),
    };
  }
  if (pause.type === 'input' || pause.type === 'question') {
    const schema = inputFields(pause, decision ? value : undefined);
    const answers = decision ? answersOf(pause, value) : null;
    return {
      ...base,
      requires_user_input: true,
      user_input_message: pause.message,
      user_input_schema: schema,
      // The client validates `user_input` against the schema as it parses; send it only when it passes.
      user_input: answers && acceptedByAgno(schema, answers) ? answers : null,
    };
  }
  if (isRouteSelection(pause)) {
    return {
      ...base,
      requires_route_selection: true,
      user_input_message: pause.message,
      available_choices: pause.options ?? [],
      selected_choices: decision && typeof value === 'string' ? [value] : null,
    };
  }
  return { ...base, requires_confirmation: true, confirmation_message: pause.message, confirmed: decision ? !rejected : null };
}

/** Agno's `RunRequirement.to_dict()` for a tool pause: null keys dropped, `tool_execution` complete. */
export function executorRequirement(pause: Pause, settled = isSettled(pause)): z.input<typeof AgentOsRunRequirement> {
  const tool = pause.tool!;
  const decision = settled ? pause.decision : undefined;
  const value = decision?.value;
  const rejected = value === 'reject';
  const execution = toolExecution(pause, decision ? value : undefined, decision !== undefined);
  return {
    id: pause.request_id,
    created_at: isoOffset(pause.created_at),
    ...(decision && tool.hitl === 'confirmation' ? { confirmation: !rejected } : {}),
    ...(decision && rejected ? { confirmation: false, confirmation_note: decision.comment ?? null } : {}),
    ...(decision && !rejected && tool.hitl === 'external_execution' ? { external_execution_result: value } : {}),
    tool_execution: execution,
    ...(tool.hitl === 'user_input' ? { user_input_schema: execution.user_input_schema } : {}),
  };
}

/** Agno's `ToolExecution.to_dict()` for a tool call a pause holds. */
export function toolExecution(pause: Pause, value: unknown, decided: boolean): z.input<typeof AgentOsToolExecution> {
  const tool = pause.tool!;
  const rejected = decided && value === 'reject';
  const schema = tool.hitl === 'user_input' ? toolInputFields(pause, decided && !rejected ? value : undefined) : null;
  return {
    tool_call_id: tool.call_id,
    tool_name: tool.name,
    tool_args: tool.args,
    tool_call_error: rejected ? true : null,
    result: decided && !rejected && tool.hitl === 'external_execution' ? value : null,
    metrics: null,
    child_run_id: null,
    stop_after_tool_call: false,
    created_at: epoch(pause.created_at),
    requires_confirmation: tool.hitl === 'confirmation' ? true : null,
    confirmed: tool.hitl === 'confirmation' && decided ? !rejected : rejected ? false : null,
    confirmation_note: rejected ? (pause.decision?.comment ?? null) : null,
    requires_user_input: tool.hitl === 'user_input' ? true : null,
    user_input_schema: schema,
    user_feedback_schema: null,
    answered: tool.hitl === 'user_input' && decided && !rejected ? true : null,
    external_execution_required: tool.hitl === 'external_execution' ? true : null,
    external_execution_silent: null,
    approval_type: tool.approval ?? null,
    approval_id: tool.approval === 'required' ? pause.request_id : null,
    parent_tool_call_id: null,
  };
}

/** A decided input or question as AgentOS' `user_input`. */
function answersOf(pause: Pause, value: unknown): Record<string, unknown> | null {
  if (value === undefined || value === 'reject') return null;
  const schema = (pause.input_schema ?? {}) as Record<string, unknown>;
  if (pause.type === 'input' && schema.type !== 'object' && !schema.properties) return { [SINGLE_FIELD]: value };
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * The output an output review shipped in place of the task's: the deciding edit, or (behavior 5) the
 * edit a later approval (or an approving timeout) confirmed. Undefined when none shipped.
 */
function shippedEdit(pause: Pause): unknown {
  const value = pause.decision?.value;
  const edit = editOf(value);
  // An "edit" that changed nothing shipped nothing new.
  if (edit) return pause.review?.edited_by === undefined && canonicalJson(edit.edit) === canonicalJson(pause.review?.output) ? undefined : edit.edit;
  const shipped = value !== undefined && value !== 'reject' && value !== 'skipped' && value !== 'timeout_skip';
  return shipped && pause.review?.edited_by !== undefined ? pause.review.output : undefined;
}

function reviewedOutput(pause: Pause, scope: RequirementScope): z.input<typeof AgentOsStepOutput> {
  const review = pause.review!;
  return {
    content: review.output ?? null,
    step_name: review.step,
    step_id: `${scope.runId}.${review.step}`,
    step_type: 'Step',
    executor_type: 'function',
    executor_name: review.step,
    step_run_id: null,
    images: null,
    videos: null,
    audio: null,
    files: null,
    metrics: null,
    success: true,
    error: null,
    stop: false,
    is_paused: false,
  };
}

/** holdpoint's `on_reject` in AgentOS' words: a failing or ending rejection cancels, `continue` goes on. */
function onReject(pause: Pause, layout: StepLayout): 'cancel' | 'skip' {
  if (pause.tool) return 'cancel';
  const step = layout.place(pause.step)?.step as { on_reject?: string } | undefined;
  return step?.on_reject === 'continue' ? 'skip' : 'cancel';
}

/** AgentOS knows `cancel`, `skip` and `approve`; holdpoint's own outcomes keep their names. */
function onTimeout(value: string): string {
  if (value === 'fail') return 'cancel';
  if (value === 'timeout_skip') return 'skip';
  return value;
}

/** Python's `isoformat()` of an aware UTC datetime (`+00:00`), which every Python reads back. */
function isoOffset(iso: string): string {
  return iso.endsWith('Z') ? `${iso.slice(0, -1)}+00:00` : iso;
}
