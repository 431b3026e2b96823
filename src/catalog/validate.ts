import Ajv2020 from 'ajv/dist/2020';
import { APPROVE_OPTION, Definition, DEFAULT_OPTIONS, REJECT_OPTION, type PauseStep, type Step } from '../contracts/definition';
import { durationToMs } from '../contracts/duration';
import { ErrorType, HoldpointError } from '../contracts/errors';
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
  // Task steps met so far in document order: an output_review may only review one of them.
  const taskSteps = new Set<string>();

  const expression = (source: string, path: string, field: string, step?: string) => {
    try {
      engine.compile(source);
    } catch (err) {
      const message = err instanceof ExpressionError ? err.message : String(err);
      problems.push({ path, field, message: `is not a valid JSONata expression: ${message}`, ...(step ? { step } : {}) });
    }
  };
  const schema = (value: Record<string, unknown>, path: string, field: string, step?: string) => {
    if (!ajv.validateSchema(value)) {
      const why = (ajv.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim()).join('; ');
      problems.push({ path, field, message: `is not a valid JSON Schema: ${why}`, ...(step ? { step } : {}) });
    }
  };

  if (definition.input_schema) schema(definition.input_schema, 'input_schema', 'input_schema');
  if (definition.result) expression(definition.result, 'result', 'result');

  const visit = (steps: Step[], base: string) => {
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
          for (const [key, branch] of Object.entries(step.branches)) visit(branch, `${path}.branches.${key}`);
          if (step.otherwise) visit(step.otherwise, `${path}.otherwise`);
          break;
        default: {
          for (const placeholder of ExpressionEngine.placeholders(step.message)) expression(placeholder, `${path}.message`, 'message', step.name);
          if (step.context) expression(step.context, `${path}.context`, 'context', step.name);
          checkEscalation(step, at, problems);
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
            if (!taskSteps.has(step.review)) {
              problems.push({ ...at('review'), message: `"${step.review}" is not a task step that comes before this one` });
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
      if (step.type === 'task') taskSteps.add(step.name);
    });
  };
  visit(definition.steps, 'steps');
  return problems;
}

/** The escalation ladder must climb in order: remind, then reassign, then time out. */
function checkEscalation(step: PauseStep, at: (field: string) => Omit<DefinitionProblem, 'message'>, problems: DefinitionProblem[]): void {
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
