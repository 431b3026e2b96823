import jsonata from 'jsonata';
import { compileSync, type SyncProgram } from './jsonata-sync';
import { isFunctionLike } from './jsonata-values';

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
 * up (undefined) wherever JSONata's meaning could differ: an array along the way (JSONata maps over it),
 * an object carrying JSONata's function flags, or a reserved word. Like JSONata it reads own properties
 * only (`state.constructor` is nothing).
 */
function simplePath(source: string, context: unknown): { value: unknown } | undefined {
  if (!SIMPLE_PATH.test(source)) return undefined;
  let value: unknown = context;
  for (const field of source.split('.')) {
    if (RESERVED.has(field) || Array.isArray(value) || isFunctionLike(value)) return undefined;
    const own = value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, field);
    value = own ? (value as Record<string, unknown>)[field] : undefined;
  }
  return Array.isArray(value) ? undefined : { value };
}

/** Compiles once per distinct source; JSONata programs are immutable once parsed. */
export class ExpressionEngine {
  private readonly compiled = new Map<string, jsonata.Expression>();
  /** Each source's synchronous form (see jsonata-sync), or null where it uses more than that subset. */
  private readonly synchronous = new Map<string, SyncProgram | null>();

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

  /**
   * The value {@link evaluate} would give, computed without a promise, when the expression and the
   * values it meets lie in the subset evaluated synchronously; otherwise `undefined` (then await
   * {@link evaluate}). Never throws an evaluation error (those come from JSONata); throws
   * {@link ExpressionError} only when the source does not parse.
   */
  tryEvaluateSync(source: string, context: unknown): { value: unknown } | undefined {
    const path = simplePath(source, context);
    if (path) return { value: plain(path.value) };
    let program = this.synchronous.get(source);
    if (program === undefined) {
      program = compileSync(this.compile(source).ast()) ?? null;
      this.synchronous.set(source, program);
    }
    const result = program?.(context);
    return result && { value: plain(result.value) };
  }

  async evaluate(source: string, context: unknown): Promise<unknown> {
    const direct = this.tryEvaluateSync(source, context);
    return direct ? direct.value : this.evaluateWithJsonata(source, context);
  }

  /** {@link evaluateMapping} without a promise when every expression is handled synchronously. */
  tryEvaluateMappingSync(mapping: string | Record<string, string>, context: unknown): { value: unknown } | undefined {
    if (typeof mapping === 'string') return this.tryEvaluateSync(mapping, context);
    const result: Record<string, unknown> = {};
    for (const [key, source] of Object.entries(mapping)) {
      const direct = this.tryEvaluateSync(source, context);
      if (!direct) return undefined;
      result[key] = direct.value;
    }
    return { value: result };
  }

  /** Evaluates a string expression, or each value of an object of expressions. */
  async evaluateMapping(mapping: string | Record<string, string>, context: unknown): Promise<unknown> {
    if (typeof mapping === 'string') return this.evaluate(mapping, context);
    const result: Record<string, unknown> = {};
    for (const [key, source] of Object.entries(mapping)) {
      const direct = this.tryEvaluateSync(source, context);
      result[key] = direct ? direct.value : await this.evaluateWithJsonata(source, context);
    }
    return result;
  }

  /** {@link render} without a promise when every placeholder is handled synchronously. */
  tryRenderSync(template: string, context: unknown): string | undefined {
    const parts: string[] = [];
    let last = 0;
    for (const match of template.matchAll(TEMPLATE_PLACEHOLDER)) {
      const direct = this.tryEvaluateSync(match[1]!.trim(), context);
      if (!direct) return undefined;
      parts.push(template.slice(last, match.index), display(direct.value));
      last = match.index! + match[0].length;
    }
    parts.push(template.slice(last));
    return parts.join('');
  }

  async render(template: string, context: unknown): Promise<string> {
    const parts: string[] = [];
    let last = 0;
    for (const match of template.matchAll(TEMPLATE_PLACEHOLDER)) {
      const source = match[1]!.trim();
      const direct = this.tryEvaluateSync(source, context);
      parts.push(template.slice(last, match.index), display(direct ? direct.value : await this.evaluateWithJsonata(source, context)));
      last = match.index! + match[0].length;
    }
    parts.push(template.slice(last));
    return parts.join('');
  }

  private async evaluateWithJsonata(source: string, context: unknown): Promise<unknown> {
    const expression = this.compile(source);
    try {
      return plain(await expression.evaluate(context));
    } catch (err) {
      throw new ExpressionError(source, describeJsonataError(err));
    }
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
