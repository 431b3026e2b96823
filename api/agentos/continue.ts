import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Pause, RunView } from '../../src/contracts/run';
import type { DecisionInput } from '../../src/core';
import { AgentOsError } from './http';
import { SINGLE_FIELD } from './input-fields';
import { isRouteSelection } from './requirements';

/**
 * A continue's `step_requirements`, read back into holdpoint decisions. The client returns the
 * requirements it was given with the active one resolved; each pending pause is found by its request
 * id (`step_id`, or an executor requirement's `id`, or its tool call id) and decided from what the
 * client set. As in AgentOS, a tool call the client left unresolved (or left out) is rejected.
 */

type Decision = Pick<DecisionInput, 'request_id' | 'value' | 'comment' | 'action'>;
type Json = Record<string, unknown>;

/** AgentOS' note on a tool call whose requirement came back unresolved. */
export const UNRESOLVED_TOOL_NOTE = 'Tool call was rejected';

/** Parses the form field as AgentOS does (a JSON list of objects, each with `step_id`). */
export function parseStepRequirements(raw: string): Json[] {
  if (raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AgentOsError(400, 'Invalid JSON in step_requirements field');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const item of list) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new AgentOsError(400, 'Invalid structure or content for step_requirements: each requirement must be an object');
    if (!('step_id' in item)) throw new AgentOsError(400, "Invalid structure or content for step_requirements: 'step_id'");
  }
  return list as Json[];
}

/** Refuses a continue of a run that does not wait, in AgentOS' words. */
export function assertPaused(run: RunView): void {
  if (run.status === 'paused' && run.pending.length > 0) return;
  const detail: Record<RunView['status'], string> = {
    running: 'run is already running',
    paused: 'run is not paused (status=PAUSED)',
    completed: 'run is already completed',
    failed: 'run has errored',
    cancelled: 'run is already cancelled',
  };
  throw new HoldpointError(ErrorType.NotPaused, detail[run.status], { status: run.status });
}

/** One decision per pending pause; throws 400 for a step pause the client left unresolved. */
export function decisionsFor(run: RunView, requirements: Json[]): Decision[] {
  const unresolved: string[] = [];
  const decisions: Decision[] = [];
  for (const pause of run.pending) {
    const decision = pause.tool ? toolDecision(pause, requirements) : stepDecision(pause, requirements.find((r) => r.step_id === pause.request_id));
    if (decision) decisions.push({ request_id: pause.request_id, ...decision });
    else unresolved.push(pause.step);
  }
  if (unresolved.length > 0) {
    throw new AgentOsError(400, `Cannot continue run - unresolved step requirements: [${unresolved.map((s) => `'${s}'`).join(', ')}]`);
  }
  return decisions;
}

function toolDecision(pause: Pause, requirements: Json[]): Omit<Decision, 'request_id'> | undefined {
  const tool = pause.tool!;
  const entry = requirements
    .flatMap((r) => (Array.isArray(r.executor_requirements) ? (r.executor_requirements as Json[]) : []))
    .find((e) => e && (e.id === pause.request_id || (e.tool_execution as Json | undefined)?.tool_call_id === tool.call_id));
  const execution = (entry?.tool_execution ?? {}) as Json;
  const confirmation = (entry?.confirmation ?? execution.confirmed) as boolean | null | undefined;
  const note = (entry?.confirmation_note ?? execution.confirmation_note) as string | null | undefined;
  // A rejection carries the client's note (the approver rules may demand one); an unresolved call, AgentOS' own.
  if (confirmation === false) return { value: 'reject', ...(note?.trim() ? { comment: note } : {}) };
  const reject = { value: 'reject', comment: UNRESOLVED_TOOL_NOTE };
  if (tool.hitl === 'confirmation') return confirmation === true ? { value: 'approve' } : reject;
  if (tool.hitl === 'external_execution') {
    const result = entry?.external_execution_result ?? execution.result;
    return result !== undefined && result !== null ? { value: result } : reject;
  }
  const fields = (entry?.user_input_schema ?? execution.user_input_schema) as { name: string; value: unknown }[] | undefined;
  const asked = tool.user_input_fields ?? [];
  const values = Object.fromEntries((fields ?? []).filter((f) => asked.includes(f.name) && f.value !== null && f.value !== undefined).map((f) => [f.name, f.value]));
  // holdpoint cannot reject an unanswered user-input tool (its pause takes values only): say what is missing.
  if (Object.keys(values).length < asked.length) return undefined;
  return { value: values };
}

function stepDecision(pause: Pause, req: Json | undefined): Omit<Decision, 'request_id'> | undefined {
  if (!req) return undefined;
  const feedback = typeof req.rejection_feedback === 'string' && req.rejection_feedback.trim() ? { comment: req.rejection_feedback } : {};
  if (pause.type === 'output_review') {
    if (req.edited_output !== undefined && req.edited_output !== null) return { value: { edit: req.edited_output } };
    if (req.confirmed === true) return { value: 'approve' };
    if (req.confirmed === false) return { value: 'reject', ...feedback };
    return undefined;
  }
  if (pause.type === 'input' || pause.type === 'question') {
    const input = userInput(req);
    // An input has no rejection; a step that may be skipped is skipped instead.
    if (!input) return req.confirmed === false && pause.rules.allow_skip ? { action: 'skip', ...feedback } : undefined;
    const schema = (pause.input_schema ?? {}) as Json;
    const single = pause.type === 'input' && schema.type !== 'object' && !schema.properties;
    return { value: single ? input[SINGLE_FIELD] : input };
  }
  const options = pause.options ?? [];
  const chosen = Array.isArray(req.selected_choices) ? (req.selected_choices as unknown[])[0] : undefined;
  if (typeof chosen === 'string') return { value: chosen };
  if (req.confirmed === true && options.includes('approve')) return { value: 'approve' };
  if (req.confirmed === false && options.includes('reject')) return { value: 'reject', ...feedback };
  if (isRouteSelection(pause) && req.confirmed === true && options.length === 1) return { value: options[0] };
  return undefined;
}

/** `user_input`, or the values filled into `user_input_schema` (the cookbook sets both). */
function userInput(req: Json): Json | undefined {
  if (req.user_input && typeof req.user_input === 'object' && !Array.isArray(req.user_input) && Object.keys(req.user_input).length > 0) return req.user_input as Json;
  const fields = Array.isArray(req.user_input_schema) ? (req.user_input_schema as { name: string; value: unknown }[]) : [];
  const filled = fields.filter((f) => f.value !== null && f.value !== undefined);
  return filled.length > 0 ? Object.fromEntries(filled.map((f) => [f.name, f.value])) : undefined;
}
