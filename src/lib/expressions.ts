import jsonata from 'jsonata';

/**
 * JSONata expressions and `{{ expression }}` templates over a run's context. JSONata is pure and its
 * clock and random functions read the workflow's deterministic `Date` and `Math.random`, so the same
 * history always gives the same values.
 */

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(message);
  }
}

const TEMPLATE_PLACEHOLDER = /\{\{([\s\S]+?)\}\}/g;

/** `state.leadId`, `steps.classify.output.category`: a plain field path. */
const SIMPLE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Words JSONata reads as operators or literals, never as field names. */
const RESERVED = new Set(['and', 'or', 'in', 'true', 'false', 'null']);

/**
 * Resolves a plain field path without JSONata. JSONata evaluates asynchronously node by node, and in a
 * workflow every promise costs a captured stack trace, so the common case is worth doing directly. Gives
 * up (undefined) wherever JSONata's meaning could differ: an array along the way (JSONata maps over it)
 * or a reserved word.
 */
function simplePath(source: string, context: unknown): { value: unknown } | undefined {
  if (!SIMPLE_PATH.test(source)) return undefined;
  let value: unknown = context;
  for (const field of source.split('.')) {
    if (RESERVED.has(field) || Array.isArray(value)) return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  }
  return Array.isArray(value) ? undefined : { value };
}

/** Compiles once per distinct source; JSONata programs are immutable once parsed. */
export class ExpressionEngine {
  private readonly compiled = new Map<string, jsonata.Expression>();

  /** Throws {@link ExpressionError} when the source does not parse. */
  compile(source: string): jsonata.Expression {
    let expression = this.compiled.get(source);
    if (!expression) {
      try {
        expression = jsonata(source);
      } catch (err) {
        throw new ExpressionError(source, describeJsonataError(err));
      }
      this.compiled.set(source, expression);
    }
    return expression;
  }

  async evaluate(source: string, context: unknown): Promise<unknown> {
    const direct = simplePath(source, context);
    if (direct) return plain(direct.value);
    const expression = this.compile(source);
    try {
      return plain(await expression.evaluate(context));
    } catch (err) {
      throw new ExpressionError(source, describeJsonataError(err));
    }
  }

  /** Evaluates a string expression, or each value of an object of expressions. */
  async evaluateMapping(mapping: string | Record<string, string>, context: unknown): Promise<unknown> {
    if (typeof mapping === 'string') return this.evaluate(mapping, context);
    const result: Record<string, unknown> = {};
    for (const [key, source] of Object.entries(mapping)) result[key] = await this.evaluate(source, context);
    return result;
  }

  async render(template: string, context: unknown): Promise<string> {
    const parts: string[] = [];
    let last = 0;
    for (const match of template.matchAll(TEMPLATE_PLACEHOLDER)) {
      parts.push(template.slice(last, match.index));
      parts.push(display(await this.evaluate(match[1]!.trim(), context)));
      last = match.index! + match[0].length;
    }
    parts.push(template.slice(last));
    return parts.join('');
  }

  /** The expressions inside a template, for validating a definition before any run uses it. */
  static placeholders(template: string): string[] {
    return [...template.matchAll(TEMPLATE_PLACEHOLDER)].map((m) => m[1]!.trim());
  }
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** JSONata returns sequences (arrays with extra flags) and may return functions; keep plain JSON. */
function plain(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return undefined;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function describeJsonataError(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) {
    const e = err as { message: string; position?: number; token?: string };
    return e.position !== undefined ? `${e.message} (at position ${e.position})` : e.message;
  }
  return String(err);
}
