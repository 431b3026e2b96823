import Ajv2020 from 'ajv/dist/2020';
import { APPROVE_OPTION, Definition, DEFAULT_OPTIONS, REJECT_OPTION, type AgentStep, type AgentTool, type PauseStep, type Step } from '../contracts/definition';
import { durationToMs } from '../contracts/duration';
import { ErrorType, HoldpointError } from '../contracts/errors';
import { ASK_USER_TOOL } from '../contracts/interaction';
import { assigneeKeys } from '../lib/assignees';
import { ExpressionEngine, ExpressionError } from '../lib/expressions';

/** One thing wrong with a definition, located by step and field. */
export interface DefinitionProblem {
  /** JSON path in the definition, e.g. `steps[1].options`. */
  path: string;
  /** The step's name when the problem is inside a step. */
  step?: string;
  field: string;
  message: string;
}

export interface ValidateOptions {
  /** Handler names the worker has registered; when given, task steps must use one of them. */
  knownHandlers?: ReadonlySet<string>;
}

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

/**
 * Parses and checks a definition: its shape (zod), then what a schema cannot say (unique step names,
 * expressions that parse, timeout outcomes that exist, JSON Schemas that are schemas). Throws
 * {@link HoldpointError} `invalid_definition` listing every problem, each naming its step and field.
 */
export function validateDefinition(raw: unknown, options: ValidateOptions = {}): Definition {
  const parsed = Definition.safeParse(raw);
  if (!parsed.success) {
    throw invalid(
      raw,
      parsed.error.issues.map((issue) => locate(raw, issue.path, issue.message)),
    );
  }
  const problems = checkSemantics(parsed.data, options);
  if (problems.length > 0) throw invalid(raw, problems);
  return parsed.data;
}

function invalid(raw: unknown, problems: DefinitionProblem[]): HoldpointError {
  const name = raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : undefined;
  const lines = problems.map((p) => `${p.step ? `step "${p.step}" ` : ''}${p.field}: ${p.message}`);
  return new HoldpointError(
    ErrorType.InvalidDefinition,
    `definition${name ? ` "${name}"` : ''} is invalid: ${lines.join('; ')}`,
    { problems },
  );
}

function checkSemantics(definition: Definition, options: ValidateOptions): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const engine = new ExpressionEngine();
  const seen = new Map<string, string>();
  // Every task step's name: a review of one that may not have run is told why.
  const allTasks = new Set<string>();
  const collect = (steps: Step[]): void =>
    steps.forEach((s) => {
      if (s.type === 'task') allTasks.add(s.name);
      if (s.type === 'condition') [...Object.values(s.branches), s.otherwise ?? []].forEach(collect);
    });
  collect(definition.steps);

  const expression = (source: string, path: string, field: string, step?: string) => {
    try {
      engine.compile(source);
    } catch (err) {
      const message = err instanceof ExpressionError ? err.message : String(err);
      problems.push({ path, field, message: `is not a valid JSONata expression: ${message}`, ...(step ? { step } : {}) });
    }
  };
  const schema = (value: Record<string, unknown>, path: string, field: string, step?: string) => {
    let valid: boolean;
    try {
      valid = ajv.validateSchema(value) as boolean;
    } catch (err) {
      // ajv throws for a $schema it has no meta-schema for (or one that is not a string).
      const message = `is not a JSON Schema this validator reads: ${err instanceof Error ? err.message : String(err)} (leave "$schema" out, or use "https://json-schema.org/draft/2020-12/schema")`;
      problems.push({ path, field, message, ...(step ? { step } : {}) });
      return;
    }
    if (!valid) {
      const why = (ajv.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()).join('; ');
      problems.push({ path, field, message: `is not a valid JSON Schema: ${why}`, ...(step ? { step } : {}) });
    }
  };

  if (definition.input_schema) schema(definition.input_schema, 'input_schema', 'input_schema');
  if (definition.result) expression(definition.result, 'result', 'result');

  // `ran`: the task steps every run reaching this point has completed (a branch's tasks count only
  // inside that branch: another branch, or the steps after the condition, cannot count on them).
  const visit = (steps: Step[], base: string, ran: Set<string>) => {
    steps.forEach((step, index) => {
      const path = `${base}[${index}]`;
      const at = (field: string) => ({ path: `${path}.${field}`, field, step: step.name });
      const earlier = seen.get(step.name);
      if (earlier) problems.push({ ...at('name'), message: `is already used by ${earlier}; step names must be unique` });
      else seen.set(step.name, path);

      switch (step.type) {
        case 'task':
          if (options.knownHandlers && !options.knownHandlers.has(step.handler)) {
            problems.push({ ...at('handler'), message: `"${step.handler}" is not a registered task handler` });
          }
          if (typeof step.input === 'string') expression(step.input, `${path}.input`, 'input', step.name);
          else for (const [key, source] of Object.entries(step.input ?? {})) expression(source, `${path}.input.${key}`, `input.${key}`, step.name);
          break;
        case 'condition':
          expression(step.expression, `${path}.expression`, 'expression', step.name);
          for (const [key, branch] of Object.entries(step.branches)) visit(branch, `${path}.branches.${key}`, new Set(ran));
          if (step.otherwise) visit(step.otherwise, `${path}.otherwise`, new Set(ran));
          break;
        case 'agent':
          checkAgent(step, path, at, { expression, schema, problems, knownHandlers: options.knownHandlers });
          break;
        default: {
          for (const placeholder of ExpressionEngine.placeholders(step.message)) expression(placeholder, `${path}.message`, 'message', step.name);
          if (step.context) expression(step.context, `${path}.context`, 'context', step.name);
          checkEscalation(step, at, problems);
          checkQuorum(step as Quorum, at, problems);
          const onTimeout = step.on_timeout ?? 'fail';
          const always = ['fail', 'skip', 'timeout_skip'];
          if (step.type === 'input' || step.type === 'question') {
            if (step.type === 'input') schema(step.input_schema, `${path}.input_schema`, 'input_schema', step.name);
            if (!always.includes(onTimeout)) {
              problems.push({ ...at('on_timeout'), message: `must be "fail", "skip" or "timeout_skip" for a ${step.type} step, not "${onTimeout}"` });
            }
            break;
          }
          if (step.type === 'output_review') {
            if (!ran.has(step.review)) {
              const why = allTasks.has(step.review) ? ': it runs only in a branch of a condition, so a run reaching this review may not have run it' : '';
              problems.push({ ...at('review'), message: `"${step.review}" is not a task step that comes before this one${why}` });
            }
            if (step.output_schema) schema(step.output_schema, `${path}.output_schema`, 'output_schema', step.name);
          }
          const offered: readonly string[] = step.type === 'output_review' ? ['approve', 'reject'] : (step.options ?? DEFAULT_OPTIONS);
          if (onTimeout === 'reject' && !offered.includes(REJECT_OPTION)) {
            problems.push({ ...at('on_timeout'), message: 'is "reject" but the step offers no "reject" option' });
          } else if (![...always, 'reject'].includes(onTimeout) && !offered.includes(onTimeout)) {
            problems.push({
              ...at('on_timeout'),
              message: `must be "fail", "reject", "skip", "timeout_skip" or one of the options (${offered.map((o) => `"${o}"`).join(', ')}), not "${onTimeout}"`,
            });
          }
          if (step.on_reject && !offered.includes(REJECT_OPTION)) {
            problems.push({ ...at('on_reject'), message: 'has no effect: the step offers no "reject" option' });
          }
          if ((step.approvals_required ?? 1) > 1 && !offered.includes(APPROVE_OPTION)) {
            problems.push({ ...at('approvals_required'), message: 'counts "approve" decisions, but the step offers no "approve" option' });
          }
          if ((step.rejections_required ?? 1) > 1 && !offered.includes(REJECT_OPTION)) {
            problems.push({ ...at('rejections_required'), message: 'counts "reject" decisions, but the step offers no "reject" option' });
          }
        }
      }
      if (step.type === 'task') ran.add(step.name);
    });
  };
  visit(definition.steps, 'steps', new Set());
  return problems;
}

interface Checks {
  expression: (source: string, path: string, field: string, step?: string) => void;
  schema: (value: Record<string, unknown>, path: string, field: string, step?: string) => void;
  problems: DefinitionProblem[];
  knownHandlers?: ReadonlySet<string> | undefined;
}

const TOOL_TIMEOUT_OUTCOMES = ['fail', 'reject', 'skip', 'timeout_skip', 'approve'];

/** An agent step: its templates, model and script, and each tool's handler, schema and pause rules. */
function checkAgent(step: AgentStep, path: string, at: (field: string) => Omit<DefinitionProblem, 'message'>, checks: Checks): void {
  const { expression, schema, problems } = checks;
  for (const [field, template] of [['instructions', step.instructions], ['prompt', step.prompt]] as const) {
    if (template) for (const placeholder of ExpressionEngine.placeholders(template)) expression(placeholder, `${path}.${field}`, field, step.name);
  }
  const model = typeof step.model === 'string' ? step.model : step.model.provider;
  if (model === 'scripted' && !step.script) problems.push({ ...at('script'), message: 'is required for the scripted model: say what it answers, turn by turn' });
  if (step.output && step.output !== 'text') schema(step.output.schema, `${path}.output.schema`, 'output.schema', step.name);
  const tools = new Map<string, AgentTool>();
  (step.tools ?? []).forEach((tool, i) => {
    const field = (name: string) => ({ path: `${path}.tools[${i}].${name}`, field: `tools.${tool.name}.${name}`, step: step.name });
    if (tools.has(tool.name)) problems.push({ ...field('name'), message: `tool "${tool.name}" is listed twice` });
    tools.set(tool.name, tool);
    const flags = [tool.requires_confirmation, tool.requires_user_input, tool.external_execution].filter(Boolean).length;
    if (flags > 1) problems.push({ ...field('requires_confirmation'), message: 'a tool takes one of requires_confirmation, requires_user_input and external_execution' });
    if (tool.approval === 'audit' && flags === 0) {
      problems.push({ ...field('approval'), message: '"audit" records how a person resolved the call: it needs requires_confirmation, requires_user_input or external_execution' });
    }
    if (tool.external_execution) {
      if (tool.handler) problems.push({ ...field('handler'), message: 'has no use: an external_execution tool is run by the caller' });
    } else if (!tool.handler) {
      problems.push({ ...field('handler'), message: 'is required: name the registered task handler that runs the tool (or make it external_execution)' });
    } else if (checks.knownHandlers && !checks.knownHandlers.has(tool.handler)) {
      problems.push({ ...field('handler'), message: `"${tool.handler}" is not a registered task handler` });
    }
    if (tool.input_schema) schema(tool.input_schema, `${path}.tools[${i}].input_schema`, `tools.${tool.name}.input_schema`, step.name);
    if (tool.user_input_fields) {
      if (!tool.requires_user_input) problems.push({ ...field('user_input_fields'), message: 'needs requires_user_input' });
      const properties = Object.keys((tool.input_schema?.properties as Record<string, unknown> | undefined) ?? {});
      for (const name of tool.user_input_fields) {
        if (properties.length > 0 && !properties.includes(name)) problems.push({ ...field('user_input_fields'), message: `"${name}" is not an argument of the tool (input_schema.properties)` });
      }
    }
    if (tool.message) for (const placeholder of ExpressionEngine.placeholders(tool.message)) expression(placeholder, `${path}.tools[${i}].message`, `tools.${tool.name}.message`, step.name);
    const onTimeout = tool.on_timeout ?? 'fail';
    if (!TOOL_TIMEOUT_OUTCOMES.includes(onTimeout)) {
      problems.push({ ...field('on_timeout'), message: `must be one of ${TOOL_TIMEOUT_OUTCOMES.map((o) => `"${o}"`).join(', ')}, not "${onTimeout}"` });
    } else if (onTimeout === 'approve' && (tool.requires_user_input || tool.external_execution)) {
      problems.push({ ...field('on_timeout'), message: '"approve" needs a confirmation; a tool that waits for input or a result cannot be approved by a timeout' });
    }
    checkEscalation({ timeout: tool.timeout, escalation: tool.escalation }, field, problems);
    checkQuorum(tool, field, problems);
  });
  (step.script ?? []).forEach((turn, i) => {
    for (const call of turn.tool_calls ?? []) {
      // The question tool is built in (offered while a person is in the loop).
      if (!tools.has(call.name) && call.name !== ASK_USER_TOOL) {
        problems.push({ path: `${path}.script[${i}]`, field: `script[${i}].tool_calls`, step: step.name, message: `calls "${call.name}", which is not a tool of the step` });
      }
    }
  });
}

/** The escalation ladder must climb in order: remind, then reassign, then time out. */
function checkEscalation(step: Pick<PauseStep, 'timeout' | 'escalation'>, at: (field: string) => Omit<DefinitionProblem, 'message'>, problems: DefinitionProblem[]): void {
  const e = step.escalation;
  if (!e) return;
  const timeout = step.timeout ? durationToMs(step.timeout) : Infinity;
  const remind = e.remind_after ? durationToMs(e.remind_after) : undefined;
  const reassign = e.reassign_after ? durationToMs(e.reassign_after) : undefined;
  if (remind !== undefined && remind >= timeout) problems.push({ ...at('escalation.remind_after'), message: `must be shorter than the step's timeout (${step.timeout})` });
  if (reassign !== undefined && reassign >= timeout) problems.push({ ...at('escalation.reassign_after'), message: `must be shorter than the step's timeout (${step.timeout})` });
  if (remind !== undefined && reassign !== undefined && remind >= reassign) {
    problems.push({ ...at('escalation.remind_after'), message: 'must be shorter than reassign_after: remind first, then reassign' });
  }
}

/** The quorum fields a pause or a gated tool may set, with who may decide it. */
interface Quorum {
  assignees?: readonly string[] | undefined;
  escalation?: { reassign_to?: readonly string[] | undefined } | undefined;
  approvals_required?: number | undefined;
  rejections_required?: number | undefined;
}

/**
 * A quorum of more distinct people than the step can ever have could never be reached: when it names
 * only people (no group), the most who may decide are those and whoever escalation reassigns it to.
 */
function checkQuorum(step: Quorum, at: (field: string) => Omit<DefinitionProblem, 'message'>, problems: DefinitionProblem[]): void {
  if (!step.assignees) return; // unassigned: anyone may decide
  const named = [...step.assignees, ...(step.escalation?.reassign_to ?? [])];
  if (named.some((a) => a.startsWith('group:'))) return;
  const people = new Set(assigneeKeys(named));
  for (const field of ['approvals_required', 'rejections_required'] as const) {
    const required = step[field];
    if (required === undefined || required <= people.size) continue;
    problems.push({
      ...at(field),
      message: `needs ${required} distinct people, but only ${people.size} may decide (${[...people].map((p) => p.replace(/^user:/, '')).join(', ')}) and no group: it could never be reached`,
    });
  }
}

/** Turns a zod issue path into a problem that names the step (looked up in the raw input) and field. */
function locate(raw: unknown, path: PropertyKey[], message: string): DefinitionProblem {
  let node: unknown = raw;
  let stepName: string | undefined;
  let fieldStart = 0;
  let text = '';
  path.forEach((key, i) => {
    text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const parent = path[i - 1];
    const inStepList = typeof key === 'number' && (parent === 'steps' || parent === 'otherwise' || path[i - 2] === 'branches');
    if (inStepList) {
      const name = node && typeof node === 'object' ? (node as { name?: unknown }).name : undefined;
      stepName = typeof name === 'string' ? name : `#${key + 1}`;
      fieldStart = i + 1;
    }
  });
  const field = path.slice(fieldStart).map(String).join('.') || (stepName ? 'step' : 'definition');
  return { path: text || '(root)', field, message, ...(stepName ? { step: stepName } : {}) };
}
