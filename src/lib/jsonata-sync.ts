import { DEFER, castToBoolean, deepEqual, isFiniteNumber, isFunctionLike, toJsonataString } from './jsonata-values';

/**
 * A synchronous evaluator for the common subset of JSONata, compiled from JSONata's own parsed AST
 * (`jsonata(source).ast()`) into plain closures.
 *
 * Why: JSONata evaluates asynchronously node by node, and inside a Temporal workflow every promise
 * costs a captured stack trace (the SDK's promise hook). Definitions mostly use paths, literals, `&`,
 * comparisons, conditionals and constructors, which need no promise at all.
 *
 * Exactness rule: a compiled program either returns exactly the value `jsonata(source).evaluate(input)`
 * returns, or answers `undefined` ("not handled") so the caller runs JSONata itself. It never throws: it
 * defers wherever JSONata would throw (comparing a string with a number, negating a string, duplicate
 * object keys, non-finite numbers) and wherever JSONata's meaning is subtle (a path over an array maps
 * and flattens, `$` and `$$`, variables, lambdas, filters other than a literal index). Every node is
 * checked against a whitelist of its keys, so any AST flag this file does not know (`keepArray`,
 * `group`, `tuple`, `focus`, ...) makes the whole expression unsupported rather than wrong.
 *
 * Pure and deterministic: no clock, no randomness, no I/O, no packages.
 */

/** Runs a compiled expression over an input; `undefined` means "not handled here, ask JSONata". */
export type SyncProgram = (input: unknown) => { value: unknown } | undefined;

/** Compiles a JSONata AST, or answers `undefined` when it uses anything outside the subset. */
export function compileSync(ast: unknown): SyncProgram | undefined {
  const run = compileNode(ast);
  if (!run) return undefined;
  return (input) => {
    // JSONata wraps a top-level array input in an outer sequence and maps paths over it.
    if (Array.isArray(input)) return undefined;
    try {
      return { value: run(input) };
    } catch {
      // DEFER, or anything unforeseen: JSONata decides (and gives its own value or error).
      return undefined;
    }
  };
}

type Evaluate = (input: unknown) => unknown;
type Node = Readonly<Record<string, unknown>>;

const COMMON_KEYS = ['type', 'position', 'predicate'];
const KEYS: Readonly<Record<string, readonly string[]>> = {
  string: ['value'],
  number: ['value'],
  value: ['value'],
  path: ['steps'],
  binary: ['value', 'lhs', 'rhs'],
  condition: ['condition', 'then', 'else'],
  unary: ['value', 'expression', 'expressions', 'lhs'],
  // `consarray` on a block only matters when the block is a path step, which is unsupported.
  block: ['expressions', 'consarray'],
  // `name` is copied from the parse tree for lambdas; a call leaves it undefined and unread.
  function: ['value', 'name', 'arguments', 'procedure'],
};

function isNode(node: unknown): node is Node {
  return node !== null && typeof node === 'object' && !Array.isArray(node) && typeof (node as Node).type === 'string';
}

function hasOnlyKeys(node: Node, allowed: readonly string[]): boolean {
  return Object.keys(node).every((key) => allowed.includes(key));
}

function compileNode(node: unknown): Evaluate | undefined {
  if (!isNode(node)) return undefined;
  const own = KEYS[node.type as string];
  if (!own || !hasOnlyKeys(node, [...COMMON_KEYS, ...own])) return undefined;
  const base = compileBase(node);
  if (!base || node.predicate === undefined) return base;
  const indexes = literalIndexes(node.predicate);
  if (!indexes) return undefined;
  return (input) => indexes.reduce(pick, base(input));
}

function compileBase(node: Node): Evaluate | undefined {
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value':
      return compileLiteral(node.value);
    case 'path':
      return compilePath(node.steps);
    case 'binary':
      return compileBinary(node);
    case 'condition':
      return compileCondition(node);
    case 'unary':
      return node.value === '-' ? compileNegation(node) : node.value === '[' ? compileArray(node) : node.value === '{' ? compileObject(node) : undefined;
    case 'block':
      return compileBlock(node.expressions);
    case 'function':
      return compileFunction(node);
    default:
      return undefined;
  }
}

function compileLiteral(value: unknown): Evaluate | undefined {
  const ok = typeof value === 'string' || typeof value === 'boolean' || value === null || (typeof value === 'number' && Number.isFinite(value));
  return ok ? () => value : undefined;
}

/** `[0]`, `[-1]`: the only filters handled (JSONata floors the number and counts negatives from the end). */
function literalIndexes(filters: unknown): number[] | undefined {
  if (!Array.isArray(filters) || filters.length === 0) return undefined;
  const indexes: number[] = [];
  for (const filter of filters as unknown[]) {
    if (!isNode(filter) || filter.type !== 'filter' || !hasOnlyKeys(filter, ['type', 'expr', 'position'])) return undefined;
    const expr = filter.expr;
    if (!isNode(expr) || expr.type !== 'number' || !hasOnlyKeys(expr, ['type', 'value', 'position'])) return undefined;
    if (typeof expr.value !== 'number' || !Number.isFinite(expr.value)) return undefined;
    indexes.push(Math.floor(expr.value));
  }
  return indexes;
}

/**
 * JSONata's index filter on one value: a non-array is a sequence of one; a picked array comes back
 * whole. (A sequence of one item and that item are the same value once JSONata unwraps singletons.)
 */
function pick(value: unknown, index: number): unknown {
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const item = items[index < 0 ? items.length + index : index];
  return guardFunctionLike(item);
}

// ── paths ──────────────────────────────────────────────────────────────────────

interface Step {
  field: string;
  indexes: number[];
}

function compilePath(steps: unknown): Evaluate | undefined {
  if (!Array.isArray(steps) || steps.length === 0) return undefined;
  const compiled: Step[] = [];
  for (const step of steps as unknown[]) {
    if (!isNode(step) || step.type !== 'name' || typeof step.value !== 'string') return undefined;
    if (!hasOnlyKeys(step, ['type', 'value', 'position', 'stages'])) return undefined;
    const indexes = step.stages === undefined ? [] : literalIndexes(step.stages);
    if (!indexes) return undefined;
    compiled.push({ field: step.value, indexes });
  }
  return (input) => {
    let value = input;
    for (const { field, indexes } of compiled) {
      value = lookup(value, field);
      for (const index of indexes) value = pick(value, index);
      if (value === undefined) return undefined;
    }
    return value;
  };
}

/** JSONata's field lookup on one non-array value: own properties of an object, nothing else. */
function lookup(value: unknown, field: string): unknown {
  // Over an array JSONata maps the rest of the path and flattens the results.
  if (Array.isArray(value)) throw DEFER;
  if (value === null || typeof value !== 'object') return undefined;
  // JSONata treats an object flagged as one of its functions as a function: defer.
  if (isFunctionLike(value)) throw DEFER;
  return guardFunctionLike(Object.prototype.hasOwnProperty.call(value, field) ? (value as Record<string, unknown>)[field] : undefined);
}

/** Function-like values change how JSONata passes arguments and casts; leave them to it. */
function guardFunctionLike(value: unknown): unknown {
  if (value !== null && (typeof value === 'object' || typeof value === 'function') && isFunctionLike(value)) throw DEFER;
  return value;
}

// ── operators ──────────────────────────────────────────────────────────────────

function compileBinary(node: Node): Evaluate | undefined {
  const lhs = compileNode(node.lhs);
  const rhs = compileNode(node.rhs);
  if (!lhs || !rhs) return undefined;
  switch (node.value) {
    case 'and':
      // JSONata evaluates the right side only when the left does not decide.
      return (input) => castToBoolean(lhs(input)) === true && castToBoolean(rhs(input)) === true;
    case 'or':
      return (input) => castToBoolean(lhs(input)) === true || castToBoolean(rhs(input)) === true;
    case '&':
      return (input) => {
        const left = lhs(input);
        const right = rhs(input);
        return (left === undefined ? '' : toJsonataString(left)) + (right === undefined ? '' : toJsonataString(right));
      };
    case '=':
    case '!=': {
      const equal = node.value === '=';
      return (input) => {
        const left = lhs(input);
        const right = rhs(input);
        if (left === undefined || right === undefined) return false;
        return deepEqual(left, right) === equal;
      };
    }
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(node.value, lhs, rhs);
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return compileArithmetic(node.value, lhs, rhs);
    default:
      return undefined;
  }
}

function compileComparison(op: '<' | '<=' | '>' | '>=', lhs: Evaluate, rhs: Evaluate): Evaluate {
  return (input) => {
    const left = lhs(input);
    const right = rhs(input);
    const comparable = (v: unknown) => v === undefined || typeof v === 'string' || typeof v === 'number';
    if (!comparable(left) || !comparable(right)) throw DEFER; // JSONata: T2010
    if (left === undefined || right === undefined) return undefined;
    if (typeof left !== typeof right) throw DEFER; // JSONata: T2009
    const [a, b] = [left as string | number, right as string | number];
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  };
}

function compileArithmetic(op: '+' | '-' | '*' | '/' | '%', lhs: Evaluate, rhs: Evaluate): Evaluate {
  return (input) => {
    const left = lhs(input);
    const right = rhs(input);
    // A non-number (T2001/T2002) or a non-finite one (D1001) is an error in JSONata.
    if (left !== undefined && !isFiniteNumber(left)) throw DEFER;
    if (right !== undefined && !isFiniteNumber(right)) throw DEFER;
    if (left === undefined || right === undefined) return undefined;
    const [a, b] = [left as number, right as number];
    const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
    // JSONata returns Infinity and NaN as they are; what they turn into next is its business.
    if (!Number.isFinite(result)) throw DEFER;
    return result;
  };
}

function compileNegation(node: Node): Evaluate | undefined {
  const operand = compileNode(node.expression);
  if (!operand) return undefined;
  return (input) => {
    const value = operand(input);
    if (value === undefined) return undefined;
    if (!isFiniteNumber(value)) throw DEFER; // JSONata: D1002
    return -(value as number);
  };
}

function compileCondition(node: Node): Evaluate | undefined {
  const condition = compileNode(node.condition);
  const then = compileNode(node.then);
  const otherwise = node.else === undefined ? () => undefined : compileNode(node.else);
  if (!condition || !then || !otherwise) return undefined;
  return (input) => (castToBoolean(condition(input)) === true ? then(input) : otherwise(input));
}

function compileBlock(expressions: unknown): Evaluate | undefined {
  if (!Array.isArray(expressions)) return undefined;
  const parts = (expressions as unknown[]).map(compileNode);
  if (parts.some((part) => !part)) return undefined;
  const compiled = parts as Evaluate[];
  return (input) => {
    let value: unknown;
    for (const part of compiled) value = part(input);
    return value;
  };
}

// ── constructors ───────────────────────────────────────────────────────────────

function compileArray(node: Node): Evaluate | undefined {
  if (!Array.isArray(node.expressions)) return undefined;
  const items: { run: Evaluate; nested: boolean }[] = [];
  for (const item of node.expressions as unknown[]) {
    const run = compileNode(item);
    if (!run) return undefined;
    // JSONata's own test: an item whose node value is '[' is pushed whole, anything else is appended.
    items.push({ run, nested: (item as Node).value === '[' });
  }
  return (input) => {
    const values = items.map((item) => item.run(input));
    let result: unknown[] = [];
    values.forEach((value, i) => {
      if (value === undefined) return;
      // Appending an array splices its items in (one level), as JSONata's $append does.
      if (items[i]!.nested || !Array.isArray(value)) result.push(value);
      else result = result.concat(value as unknown[]);
    });
    return result;
  };
}

function compileObject(node: Node): Evaluate | undefined {
  if (!Array.isArray(node.lhs)) return undefined;
  const pairs: { key: string; run: Evaluate }[] = [];
  for (const pair of node.lhs as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [keyNode, valueNode] = pair as [unknown, unknown];
    if (!isNode(keyNode) || keyNode.type !== 'string' || !hasOnlyKeys(keyNode, ['type', 'value', 'position'])) return undefined;
    const key = keyNode.value;
    // Duplicate keys (D1009) and JSONata's internal flags (D1013) are errors there.
    if (typeof key !== 'string' || key === '_jsonata_lambda' || key === '_jsonata_function') return undefined;
    if (pairs.some((p) => p.key === key)) return undefined;
    const run = compileNode(valueNode);
    if (!run) return undefined;
    pairs.push({ key, run });
  }
  return (input) => {
    const values = pairs.map((pair) => pair.run(input));
    // JSONata builds objects without a prototype, so a "__proto__" key is an ordinary key.
    const result = Object.create(null) as Record<string, unknown>;
    values.forEach((value, i) => {
      if (value !== undefined) result[pairs[i]!.key] = value;
    });
    return result;
  };
}

// ── functions ──────────────────────────────────────────────────────────────────

const FUNCTIONS: Readonly<Record<string, (arg: unknown) => unknown>> = {
  exists: (arg) => arg !== undefined,
  string: (arg) => (arg === undefined ? undefined : toJsonataString(arg)),
  boolean: (arg) => (arg === undefined ? undefined : castToBoolean(arg)),
  not: (arg) => (arg === undefined ? undefined : !castToBoolean(arg)),
  // The signature `<a:n>` wraps a non-array argument in an array; a missing one counts 0.
  count: (arg) => (arg === undefined ? 0 : Array.isArray(arg) ? arg.length : 1),
};

/** `$exists(x)`, `$string(x)`, `$boolean(x)`, `$not(x)`, `$count(x)` with exactly one argument. */
function compileFunction(node: Node): Evaluate | undefined {
  const procedure = node.procedure;
  if (!isNode(procedure) || procedure.type !== 'variable' || !hasOnlyKeys(procedure, ['type', 'value', 'position'])) return undefined;
  const name = procedure.value;
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) return undefined;
  // With no argument several of them read the context instead; not handled.
  if (!Array.isArray(node.arguments) || node.arguments.length !== 1) return undefined;
  const argument = compileNode(node.arguments[0]);
  if (!argument) return undefined;
  const fn = FUNCTIONS[name]!;
  return (input) => fn(argument(input));
}
