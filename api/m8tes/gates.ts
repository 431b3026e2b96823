import type { z } from 'zod';
import type { M8tesGateStatus, M8tesPermissionRequest } from '../../src/contracts/http/m8tes';
import { ASK_USER_TOOL, PLAN_APPROVAL_HEADER } from '../../src/contracts/interaction';
import { APPROVE_OPTION, REJECT_OPTION } from '../../src/contracts/options';
import type { Pause, RunView } from '../../src/contracts/run';
import { isObject } from './present';

/**
 * Every holdpoint pause as one of m8tes' two gate kinds:
 *
 * - a **tool gate** (`tool_name` = the tool, decided with `/approve` allow/deny): a tool's confirmation,
 *   a permission-mode gate, and a pause that offers just approve and reject (a confirmation step, an
 *   output review) — then `tool_name` is the step's name;
 * - an **`AskUserQuestion` gate** (answered with `/answer {question: answer}`): the agent's clarifying
 *   questions and plan approvals, a question step, a step with other options (its labels), an input step and a
 *   tool's user input or external result (free text, JSON where the schema wants more than a string).
 */

export interface QuestionView {
  question: string;
  header: string;
  options: { label: string; description?: string }[];
  multiSelect: boolean;
}

export type Gate =
  | { kind: 'tool'; toolName: string; toolInput: Record<string, unknown>; toolUseId: string | null; canRemember: boolean }
  | { kind: 'question'; questions: QuestionView[]; toolUseId: string | null; toValue: (answers: Record<string, string>) => unknown };

export function gateOf(pause: Pause): Gate {
  const tool = pause.tool;
  const toolUseId = tool?.call_id ?? null;
  if (tool?.hitl === 'confirmation') return { kind: 'tool', toolName: tool.name, toolInput: tool.args, toolUseId, canRemember: tool.gate === 'permission_mode' };
  if (pause.type === 'question') {
    const questions = (pause.questions ?? []).map((q) => ({ question: q.question, header: q.header ?? '', options: q.options.map(option), multiSelect: false }));
    return { kind: 'question', questions, toolUseId, toValue: (answers) => byQuestion(questions, answers) };
  }
  if (tool?.hitl === 'user_input') {
    const fields = tool.user_input_fields ?? [];
    const questions = fields.map((f) => ({ question: f, header: f.slice(0, 12), options: [], multiSelect: false }));
    return { kind: 'question', questions, toolUseId, toValue: (answers) => fieldValues(pause, byQuestion(questions, answers)) };
  }
  const options = pause.options ?? [];
  if (pause.type === 'output_review' || (options.length === 2 && options.includes(APPROVE_OPTION) && options.includes(REJECT_OPTION))) {
    const context = isObject(pause.context) ? pause.context : pause.context === undefined ? {} : { context: pause.context };
    // A reviewer approves what the review shows now (an edit, from behavior 5): it is among the fields.
    const reviewed = pause.type === 'output_review' && pause.review ? { output_to_review: pause.review.output } : {};
    return { kind: 'tool', toolName: tool?.name ?? pause.step, toolInput: { ...context, ...reviewed }, toolUseId, canRemember: false };
  }
  const question: QuestionView = { question: pause.message, header: (pause.title ?? pause.step).slice(0, 12), options: options.map((label) => ({ label })), multiSelect: false };
  return {
    kind: 'question',
    questions: [question],
    toolUseId,
    toValue: (answers) => {
      const answer = byQuestion([question], answers)[question.question];
      return pause.type === 'input' ? typedInput(pause.input_schema, answer) : answer;
    },
  };
}

/**
 * m8tes' PermissionRequest for a pause. Status: `pending`, then `allowed`/`denied` (tool gates),
 * `answered` (questions), `skipped`, `cancelled`, or `timeout` (timed out with nothing decided).
 */
export function presentRequest(pause: Pause, run: RunView, extra: { resumed?: boolean; remembered?: boolean } = {}): z.input<typeof M8tesPermissionRequest> {
  const gate = gateOf(pause);
  const decision = pause.decision;
  const auto = decision?.channel === 'timeout';
  const toolInput =
    gate.kind === 'tool'
      ? gate.toolInput
      : { questions: gate.questions, ...(decision && isObject(decision.value) ? { answers: autoMarked(decision.value, auto) } : {}) };
  const seconds = pause.timeout_at ? Math.max(0, Math.round((Date.parse(pause.timeout_at) - Date.parse(pause.created_at)) / 1000)) : undefined;
  return {
    request_id: pause.request_id,
    tool_name: gate.kind === 'tool' ? gate.toolName : ASK_USER_TOOL,
    tool_input: toolInput,
    status: statusOf(pause, gate),
    created_at: pause.created_at,
    resolved_at: decision?.at ?? null,
    tool_use_id: gate.toolUseId,
    display_name: gate.kind === 'tool' ? gate.toolName : isPlan(pause) ? 'Plan approval' : 'Question',
    mate_name: run.workflow,
    task_name: run.task.slice(0, 200),
    consequence: '',
    ask_reason: pause.message,
    ...(pause.status === 'pending' ? { prose: pause.message } : {}),
    fields: Object.entries(gate.kind === 'tool' ? gate.toolInput : {}).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
    can_remember: gate.kind === 'tool' && gate.canRemember,
    remember_default: false,
    ...(seconds !== undefined ? { timeout_seconds: seconds } : {}),
    auto_resolved: auto,
    remembered: decision ? decision.remember === true : null,
    ...extra,
    holdpoint: {
      step: pause.step,
      type: pause.type,
      status: pause.status,
      assignees: pause.assignees,
      digest: pause.digest,
      ...(decision ? { decided_by: decision.by ?? null, channel: decision.channel, value: decision.value } : {}),
      ...(pause.plan ? { plan_revision: pause.plan.revision } : {}),
    },
  };
}

export function statusOf(pause: Pause, gate: Gate = gateOf(pause)): M8tesGateStatus {
  if (pause.status === 'pending') return 'pending';
  if (pause.status === 'cancelled') return 'cancelled';
  if (pause.status === 'skipped' || pause.decision?.value === 'skipped') return 'skipped';
  const decision = pause.decision;
  if (!decision) return 'timeout';
  if (gate.kind === 'question') return 'answered';
  return decision.value === REJECT_OPTION ? 'denied' : 'allowed';
}

export function isPlan(pause: Pause): boolean {
  return Boolean(pause.plan) || (pause.questions ?? []).some((q) => q.header === PLAN_APPROVAL_HEADER);
}

/**
 * Answers keyed by a question's text, or by its header when the header names one question (m8tes'
 * own docs answer a plan with `{"Plan Approval": "Approve"}`). Other keys go through unchanged, so the
 * run refuses them by name.
 */
function byQuestion(questions: QuestionView[], answers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, answer] of Object.entries(answers)) {
    const exact = questions.find((q) => q.question === key);
    const byHeader = questions.filter((q) => q.header && q.header === key);
    const target = exact ?? (byHeader.length === 1 ? byHeader[0] : undefined);
    out[target ? target.question : key] = answer;
  }
  return out;
}

/** A tool's user input: each field's answer, as JSON where its schema wants more than a string. */
function fieldValues(pause: Pause, answers: Record<string, string>): Record<string, unknown> {
  const properties = isObject(pause.input_schema?.properties) ? pause.input_schema.properties : {};
  return Object.fromEntries(Object.entries(answers).map(([field, answer]) => [field, typedInput(properties[field], answer)]));
}

/** Free text for a string schema; otherwise the text read as JSON when it is JSON. */
function typedInput(schema: unknown, answer: string | undefined): unknown {
  if (answer === undefined) return undefined;
  if (isObject(schema) && schema.type === 'string') return answer;
  try {
    return JSON.parse(answer) as unknown;
  } catch {
    return answer;
  }
}

function option(o: { label: string; description?: string | undefined }): { label: string; description?: string } {
  return o.description === undefined ? { label: o.label } : { label: o.label, description: o.description };
}

/** Answers the run chose itself after `question_timeout` carry m8tes' "[auto-selected …]" marker. */
function autoMarked(answers: Record<string, unknown>, auto: boolean): Record<string, unknown> {
  if (!auto) return answers;
  return Object.fromEntries(Object.entries(answers).map(([q, a]) => [q, `${String(a)} [auto-selected after no answer]`]));
}
