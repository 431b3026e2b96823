import fc from 'fast-check';
import jsonata from 'jsonata';
import type { Definition } from '../../src/contracts/definition';
import { shippedDefinitions } from '../../src/definitions';
import { leadRouter } from '../../src/definitions/lead-router';
import { ExpressionEngine, ExpressionError } from '../../src/lib/expressions';
import { compileSync } from '../../src/lib/jsonata-sync';

/**
 * The synchronous JSONata subset (src/lib/jsonata-sync.ts) is held to jsonata itself: whenever it
 * answers, its value is jsonata's (after the engine's JSON round trip) and jsonata does not throw;
 * wherever jsonata throws or means something subtle, it answers "not handled". Examples first, then a
 * differential property over random expressions (inside the subset and beyond it) and random contexts,
 * then every expression of the shipped definitions.
 */

type Outcome = { value: unknown } | { error: string };

/** The engine's `plain()`: jsonata's sequences and prototype-less objects as plain JSON. */
function plain(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return undefined;
  return JSON.parse(JSON.stringify(value)) as unknown;
}

async function viaJsonata(source: string, context: unknown): Promise<Outcome> {
  try {
    return { value: plain(await jsonata(source).evaluate(context)) };
  } catch (err) {
    return { error: (err as { code?: string; message?: string }).code ?? String((err as Error).message) };
  }
}

function viaSync(source: string, context: unknown): { value: unknown } | undefined {
  const result = compileSync(jsonata(source).ast())?.(context);
  return result && { value: plain(result.value) };
}

/** Checks one case both ways (the bare evaluator and the engine, which adds its plain-path shortcut). */
async function differential(source: string, context: unknown): Promise<{ handled: boolean; outcome: Outcome }> {
  const outcome = await viaJsonata(source, context);
  const direct = viaSync(source, context);
  const engine = new ExpressionEngine().tryEvaluateSync(source, context);
  for (const sync of [direct, engine]) {
    if (!sync) continue;
    if ('error' in outcome) throw new Error(`jsonata throws ${outcome.error} for ${source} but the sync path answered ${JSON.stringify(sync.value)}`);
    expect({ source, value: sync.value }).toEqual({ source, value: outcome.value });
  }
  return { handled: direct !== undefined, outcome };
}

const CONTEXT = {
  state: { leadId: 'L-1', company: 'Acme', employees: 250, flag: true, none: null, ratio: 0.1, big: 1e21 },
  steps: {
    classify: { status: 'completed', output: { category: 'enterprise' } },
    approval: { status: 'completed', output: 'approve' },
    assign: { status: 'completed', output: { team: 'enterprise-sales' } },
  },
  s: 'x',
  n: 5,
  f: 0.30000000000000004,
  z: 0,
  o: { a: 1, b: [1, 2] },
  eo: {},
  items: [1, 2],
  one: [7],
  empty: [],
  nested: [[1, 2], [3]],
  people: [{ name: 'ann' }, { name: 'bob' }],
  'a b': 'spaced',
  and: 'reserved',
  fn: { _jsonata_function: true, a: 1 },
};

describe('synchronous JSONata subset: examples', () => {
  const handled: [string, unknown][] = [
    ['state.leadId', 'L-1'],
    ['`a b`', 'spaced'],
    ['`and`', 'reserved'],
    ["'nurture'", 'nurture'],
    ['5', 5],
    ['-2.5', -2.5],
    ['true', true],
    ['null', null],
    ["steps.classify.output.category & '-sales'", 'enterprise-sales'],
    ["state.missing & '-sales'", '-sales'],
    ["state.big & ''", '1e+21'],
    ["f & ''", '0.3'],
    ["o & ''", '{"a":1,"b":[1,2]}'],
    ['state.flag & state.none', 'truenull'],
    ['$string(state.ratio + 0.2)', '0.3'],
    ['state.ratio + 0.2', 0.30000000000000004],
    ['n * 2 - 1', 9],
    ['-n', -5],
    ["state.company = 'Acme'", true],
    ['state.missing = state.missing', false],
    ['state.missing != 1', false],
    ['o = {"b": [1, 2], "a": 1}', true],
    ['items = [1, 2]', true],
    ['state.employees >= 250', true],
    ["'b' < 'a'", false],
    ['state.missing < 5', undefined],
    ['state.flag and s', true],
    ['z or eo', false],
    ['empty or one', true],
    ['state.missing and $boolean(1/1)', false],
    ["state.flag ? 'yes' : 'no'", 'yes'],
    ["state.none ? 'yes'", undefined],
    ["eo ? 'yes' : 'no'", 'no'],
    ['{ "leadId": state.leadId, "gone": state.missing, "n": n }', { leadId: 'L-1', n: 5 }],
    ['{ "__proto__": 1 }', { ['__proto__']: 1 }],
    ['[steps.escalate.output, steps.assign.output, steps.nurture.output][0]', { team: 'enterprise-sales' }],
    ['[state.missing]', []],
    ['[items, 3]', [1, 2, 3]],
    ['[[1, 2], 3]', [[1, 2], 3]],
    ['[nested][0]', [1, 2]],
    ['[1, 2, 3][-1]', 3],
    ['[1, 2, 3][1.7]', 2],
    ['[1, 2][-3]', undefined],
    ['items[0]', 1],
    ['nested[0]', [1, 2]],
    ['nested[0][1]', 2],
    ['people[1].name', 'bob'],
    ['people[0]', { name: 'ann' }],
    ['s[0]', 'x'],
    ['s[1]', undefined],
    ['one', [7]],
    ['(n; s)', 'x'],
    ['(items)[1]', 2],
    ['$exists(state.none)', true],
    ['$exists(state.missing)', false],
    ['$string(o)', '{"a":1,"b":[1,2]}'],
    ['$string(state.missing)', undefined],
    ['$count(items)', 2],
    ['$count(s)', 1],
    ['$count(state.missing)', 0],
    ['$not(eo)', true],
    ['$boolean([0, ""])', false],
    ['state.constructor', undefined],
    ['state.constructor.name', undefined],
    ['state.__proto__', undefined],
  ];

  it.each(handled)('handles %s exactly as jsonata', async (source, expected) => {
    const { handled: done, outcome } = await differential(source, CONTEXT);
    expect(done).toBe(true);
    expect(outcome).toEqual({ value: expected });
  });

  /** Left to jsonata: errors there, and meanings the subset does not model. */
  const deferred: [string, string][] = [
    ['items.x', 'a path step over an array maps and flattens'],
    ['people.name', 'a path step over an array maps and flattens'],
    ['nested[0].x', 'an array picked mid-path'],
    ['$', 'the context reference'],
    ['$$.s', 'the root reference'],
    ['$x', 'variables'],
    ['s < n', 'T2009: string compared with number'],
    ['o < 1', 'T2010: object compared'],
    ['-s', 'D1002: negating a string'],
    ["s + 1", 'T2001: arithmetic on a string'],
    ['1 / z', 'a non-finite result'],
    ['{ "a": 1, "a": 2 }', 'D1009: duplicate keys'],
    ['{ s: 1 }', 'a computed key'],
    ['people[name = "bob"]', 'a filter predicate'],
    ['items[]', 'keep-array flag'],
    ['$string()', 'a function reading the context'],
    ['$uppercase(s)', 'a function outside the subset'],
    ['fn.a', 'an object flagged as a JSONata function'],
    ['$exists(fn)', 'a function-like argument'],
    ['"x" in items', 'the in operator'],
    ['o.*', 'wildcards'],
    ['items^(n)', 'sorting'],
    ['o{ "k": a }', 'grouping'],
    ['o.(a)', 'a block as a path step'],
  ];

  it.each(deferred)('leaves %s to jsonata (%s)', async (source) => {
    const { handled: done } = await differential(source, CONTEXT);
    expect(done).toBe(false);
  });

  it('leaves an array input to jsonata, which wraps it in an outer sequence', async () => {
    expect(viaSync('a', [{ a: 1 }])).toBeUndefined();
    expect(await viaJsonata('a', [{ a: 1 }])).toEqual({ value: 1 });
  });

  it('leaves an input flagged as a JSONata function to jsonata, which finds no fields in it', async () => {
    const flagged = { _jsonata_function: true, a: 1 };
    expect(viaSync('a', flagged)).toBeUndefined();
    expect(new ExpressionEngine().tryEvaluateSync('a', flagged)).toBeUndefined();
    expect(await viaJsonata('a', flagged)).toEqual({ value: undefined });
  });

  it('compiles once and caches an unsupported source as such', () => {
    const engine = new ExpressionEngine();
    expect(engine.tryEvaluateSync('items.x', CONTEXT)).toBeUndefined();
    expect(engine.tryEvaluateSync('items.x', CONTEXT)).toBeUndefined();
    expect(engine.tryEvaluateSync('n + 1', CONTEXT)).toEqual({ value: 6 });
    expect(() => engine.tryEvaluateSync('n +', CONTEXT)).toThrow(ExpressionError);
  });

  it('maps and renders without jsonata when every part is handled, and with it otherwise', async () => {
    const engine = new ExpressionEngine();
    expect(engine.tryEvaluateMappingSync({ id: 'state.leadId', team: "steps.classify.output.category & '-sales'" }, CONTEXT)).toEqual({
      value: { id: 'L-1', team: 'enterprise-sales' },
    });
    expect(engine.tryEvaluateMappingSync({ id: 'state.leadId', names: 'people.name' }, CONTEXT)).toBeUndefined();
    expect(await engine.evaluateMapping({ id: 'state.leadId', names: 'people.name' }, CONTEXT)).toEqual({ id: 'L-1', names: ['ann', 'bob'] });
    expect(engine.tryRenderSync('Route {{ state.leadId }} to {{ steps.classify.output.category }}?', CONTEXT)).toBe('Route L-1 to enterprise?');
    expect(engine.tryRenderSync('Names: {{ people.name }}', CONTEXT)).toBeUndefined();
    expect(await engine.render('Names: {{ people.name }}, {{ o }}', CONTEXT)).toBe('Names: ["ann","bob"], {"a":1,"b":[1,2]}');
  });
});

// ── the differential property ──────────────────────────────────────────────────

/** A generated expression: its source, whether it needs no parentheses, and whether only the subset's constructs appear in it. */
interface Expr {
  src: string;
  atom: boolean;
  core: boolean;
}

const FIELDS = ['a', 'b', 'n', 's', 'o', 'items', 'a b', 'and'] as const;

const scalarArb = fc.oneof(
  fc.constantFrom('', 'x', 'abc', '1', 'true', '-sales', 'a b'),
  fc.string({ maxLength: 4 }),
  fc.constantFrom(0, 1, -1, 2, 5, 0.5, -2.5, 0.1, 0.30000000000000004, Math.PI, 1e21, 1e-7, 123456789.125, Number.MAX_SAFE_INTEGER, -0),
  fc.integer({ min: -100, max: 100 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

const { value: valueArb } = fc.letrec<{ value: unknown; object: Record<string, unknown>; array: unknown[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 3 }, scalarArb, scalarArb, tie('object'), tie('array')),
  object: fc.oneof(
    { weight: 20, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), tie('value'), { maxKeys: 4 }) },
    { weight: 1, arbitrary: fc.constant({ _jsonata_function: true, a: 1 }) },
  ),
  array: fc.array(tie('value'), { maxLength: 3 }),
}));

const contextArb = fc.dictionary(fc.constantFrom(...FIELDS), valueArb, { maxKeys: 7 });

const atom = (src: string, core = true): Expr => ({ src, atom: true, core });
const wrap = (e: Expr) => (e.atom ? e.src : `(${e.src})`);
const maybe = (arb: fc.Arbitrary<string>, weight: number) => fc.oneof({ weight, arbitrary: fc.constant('') }, { weight: 1, arbitrary: arb });

const nameArb = fc.constantFrom('a', 'b', 'n', 's', 'o', 'items', '`a b`', '`and`', 'missing', 'constructor', '__proto__', 'name', 'length');
const indexArb = fc.constantFrom(0, 0, -1, 1, 2, -2, 0.5, -1.5).map((i) => `[${i}]`);
const stepArb = fc.tuple(nameArb, maybe(indexArb, 6)).map(([name, index]) => name + index);
const pathArb = fc.oneof(
  { weight: 3, arbitrary: stepArb },
  { weight: 3, arbitrary: fc.tuple(stepArb, stepArb).map((steps) => steps.join('.')) },
  { weight: 1, arbitrary: fc.tuple(stepArb, stepArb, stepArb).map((steps) => steps.join('.')) },
).map((src) => atom(src));
const literalArb = fc
  .constantFrom("'x'", "''", '"-sales"', "'a b'", '"1"', '0', '1', '-1', '2.5', '1e21', '0.1', '0.30000000000000004', '123456789.123456789', 'true', 'false', 'null')
  .map((src) => atom(src));
const BEYOND = ['$', '$$.a', 'o.*', 'items[n > 1]', 'o.(a)', '($x := 1; $x)', 'items[]', '**.a', 'items^(n)', 'o{"k": a}', '[1..3]', '$string()', '$sum(items)', 'a ~> $string()'];
const beyondArb = fc.constantFrom(...BEYOND).map((src) => ({ src, atom: false, core: false }));
const CORE_OPS = ['&', '&', '=', '!=', '<', '<=', '>', '>=', 'and', 'or', '+', '-', '*', '/', '%'];
const CORE_FUNCTIONS = ['exists', 'string', 'count', 'not', 'boolean'];

const { expr: exprArb } = fc.letrec<{ expr: Expr; compound: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { weight: 4, arbitrary: pathArb },
    { weight: 2, arbitrary: literalArb },
    { weight: 5, arbitrary: tie('compound') },
  ),
  compound: fc.oneof(
    { weight: 6, arbitrary: fc.tuple(tie('expr'), fc.constantFrom(...CORE_OPS, 'in'), tie('expr')).map(([l, op, r]) => ({ src: `${wrap(l)} ${op} ${wrap(r)}`, atom: false, core: l.core && r.core && op !== 'in' })) },
    { weight: 3, arbitrary: fc.tuple(tie('expr'), tie('expr'), fc.option(tie('expr'), { nil: undefined })).map(([c, t, e]) => ({ src: `${wrap(c)} ? ${wrap(t)}${e ? ` : ${wrap(e)}` : ''}`, atom: false, core: c.core && t.core && (e?.core ?? true) })) },
    { weight: 1, arbitrary: tie('expr').map((e) => ({ src: `-${wrap(e)}`, atom: false, core: e.core })) },
    { weight: 3, arbitrary: fc.tuple(fc.array(tie('expr'), { maxLength: 3 }), maybe(indexArb, 1)).map(([items, index]) => atom(`[${items.map((i) => i.src).join(', ')}]${index}`, items.every((i) => i.core))) },
    { weight: 2, arbitrary: fc.array(fc.tuple(fc.constantFrom('k', 'x', 'leadId', '1', '0', '__proto__', '_jsonata_lambda'), tie('expr')), { maxLength: 3 }).map((pairs) => atom(`{ ${pairs.map(([k, v]) => `"${k}": ${v.src}`).join(', ')} }`, pairs.every(([k, v]) => v.core && k !== '_jsonata_lambda'))) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CORE_FUNCTIONS, 'uppercase', 'length', 'keys'), tie('expr')).map(([f, a]) => atom(`$${f}(${a.src})`, a.core && CORE_FUNCTIONS.includes(f))) },
    { weight: 1, arbitrary: fc.tuple(tie('expr'), tie('expr'), maybe(indexArb, 2)).map(([a, b, index]) => atom(`(${a.src}; ${b.src})${index}`, a.core && b.core)) },
    { weight: 1, arbitrary: beyondArb },
  ),
}));

describe('synchronous JSONata subset: differential property against jsonata', () => {
  it('answers only with jsonata’s own value, never where jsonata throws, and answers most of the subset', async () => {
    const tally = { cases: 0, core: 0, coreHandled: 0, coreSucceeded: 0, coreSucceededHandled: 0, beyond: 0, beyondHandled: 0, jsonataErrors: 0 };
    await fc.assert(
      fc.asyncProperty(exprArb, contextArb, async (expr, context) => {
        const { handled, outcome } = await differential(expr.src, context);
        tally.cases++;
        if ('error' in outcome) tally.jsonataErrors++;
        if (expr.core) {
          tally.core++;
          if (handled) tally.coreHandled++;
          if (!('error' in outcome)) {
            tally.coreSucceeded++;
            if (handled) tally.coreSucceededHandled++;
          }
        } else {
          tally.beyond++;
          if (handled) tally.beyondHandled++;
        }
      }),
      { numRuns: 8000 },
    );
    expect(tally.beyond).toBeGreaterThan(100);
    expect(tally.jsonataErrors).toBeGreaterThan(100);
    expect(tally.coreHandled / tally.core).toBeGreaterThan(0.5);
    expect(tally.coreSucceededHandled / tally.coreSucceeded).toBeGreaterThan(0.8);
  });
});

// ── the shipped definitions ────────────────────────────────────────────────────

const EXPRESSION_FIELDS = new Set(['expression', 'context', 'result']);
const SCHEMA_FIELDS = new Set(['input_schema', 'output_schema', 'schema', 'parameters']);

/** Every expression a definition holds: inputs, conditions, contexts, results and template placeholders. */
function expressionsOf(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) expressionsOf(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (SCHEMA_FIELDS.has(key)) continue;
      if (typeof value === 'string') {
        if (EXPRESSION_FIELDS.has(key) || key === 'input') found.add(value);
        else for (const placeholder of ExpressionEngine.placeholders(value)) found.add(placeholder);
      } else if (key === 'input' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const source of Object.values(value)) if (typeof source === 'string') found.add(source);
      } else expressionsOf(value, found);
    }
  }
  return found;
}

function stepNamesOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) stepNamesOf(item, found);
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record.name === 'string' && typeof record.type === 'string') found.push(record.name);
    for (const [key, value] of Object.entries(record)) if (!SCHEMA_FIELDS.has(key)) stepNamesOf(value, found);
  }
  return found;
}

/** Outputs a step of these examples may have produced. */
const OUTPUTS: unknown[] = [
  { category: 'enterprise' },
  { category: 'smb', score: 0.75 },
  'approve',
  'escalate',
  { team: 'enterprise-sales', assigned: true },
  { name: 'Acme', plan: 'pro' },
  [{ id: 'sub-pro', plan: 'pro' }, { id: 'sub-basic', plan: 'basic' }],
  { checks: { tests: 'passed', coverage: 87.5 }, risk: 'low', summary: 'Small change' },
  { text: 'Deployed', tool_calls: [{ name: 'deploy_to_production', decided_by: 'alice' }] },
  { cancelled: true },
];

function contextsFor(definition: Definition): unknown[] {
  const names = [...new Set(stepNamesOf(definition.steps))];
  const state = { leadId: 'L-1', company: 'Acme', employees: 250, customerId: 'cus-1', subscriptionId: 'sub-pro', app: 'web', version: '1.2.3', environment: 'production' };
  const run = { id: 'wfr_1', workflow: definition.name, started_at: '2026-01-01T00:00:00.000Z' };
  const extra = { tool: { name: 'deploy_to_production', args: { app: 'web', version: '1.2.3', environment: 'production', customerId: 'cus-1', subscriptionId: 'sub-pro' } }, tool_result: 'ok' };
  const contexts: unknown[] = [{ task: 'Do it', state, steps: {}, run }];
  const random = fc.sample(fc.tuple(...names.map(() => fc.option(fc.constantFrom(...OUTPUTS), { nil: undefined }))), { numRuns: 25, seed: 42 });
  for (const outputs of random) {
    const steps = Object.fromEntries(names.map((name, i) => [name, { status: 'completed', ...(outputs[i] !== undefined ? { output: outputs[i] } : {}) }]));
    contexts.push({ task: 'Do it', state, steps, run, ...extra });
  }
  return contexts;
}

describe('synchronous JSONata subset: the shipped definitions', () => {
  it.each(shippedDefinitions.map((d) => [d.name, d] as const))('%s: every expression agrees with jsonata', async (_name, definition) => {
    const expressions = [...expressionsOf(definition)];
    expect(expressions.length).toBeGreaterThan(0);
    for (const context of contextsFor(definition)) for (const source of expressions) await differential(source, context);
  });

  it('lead-router: every expression is handled synchronously in a realistic run', () => {
    const expressions = [...expressionsOf(leadRouter)];
    expect(expressions).toEqual(expect.arrayContaining(["steps.classify.output.category & '-sales'", leadRouter.result]));
    const engine = new ExpressionEngine();
    const state = { leadId: 'L-1', company: 'Acme', employees: 250 };
    for (const [decision, routed] of [['approve', 'assign'], ['escalate', 'escalate'], ['reject', 'nurture']] as const) {
      const steps = {
        classify: { status: 'completed', output: { category: 'enterprise' } },
        approval: { status: 'completed', output: decision },
        [routed]: { status: 'completed', output: { team: 'enterprise-sales', assigned: true } },
      };
      const context = { task: '', state, steps, run: { id: 'wfr_1', workflow: 'lead-router', started_at: '2026-01-01T00:00:00.000Z' } };
      for (const source of expressions) expect({ source, handled: engine.tryEvaluateSync(source, context) !== undefined }).toEqual({ source, handled: true });
      expect(engine.tryEvaluateSync(leadRouter.result!, context)).toEqual({
        value: { leadId: 'L-1', category: 'enterprise', decision, routing: { team: 'enterprise-sales', assigned: true } },
      });
    }
  });
});
