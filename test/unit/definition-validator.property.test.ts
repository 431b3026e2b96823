import fc from 'fast-check';
import { validateDefinition, type DefinitionProblem } from '../../src/catalog/validate';
import { Definition, type Step } from '../../src/contracts/definition';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { digestOf } from '../../src/lib/digest';
import { ExpressionEngine } from '../../src/lib/expressions';
import {
  BAD_DURATIONS,
  BAD_EXPRESSIONS,
  BAD_SCHEMAS,
  HANDLERS,
  OPTION_POOL,
  handlersOf,
  stepListsOf,
  stepsOf,
  validDefinitionArb,
} from './arbitraries';

/**
 * Properties of the definition validator (src/catalog/validate.ts): it is total over JSON, it accepts
 * every well-formed definition unchanged, and each rule it has refuses a definition that breaks it,
 * naming the exact path. Failures print fast-check's seed and the shrunk counterexample; replay one
 * with `fc.assert(..., { seed, path })`.
 */

const RUNS = 200;
/** The seed of the fixed sample that reaches every step kind and timeout outcome. */
const COVERAGE_SEED = 1;
/** Runs per mutation rule: each rule is its own test, over fresh random definitions and sites. */
const RULE_RUNS = 20;
const REGISTERED = new Set<string>(HANDLERS);
const DEFINITION_KEYS = Object.keys(Definition.shape);

type Outcome = { accepted: Definition } | { refused: DefinitionProblem[]; message: string };

/** Validates; a refusal must be the typed `invalid_definition` error, anything else thrown fails the property. */
function outcomeOf(raw: unknown, knownHandlers?: ReadonlySet<string>): Outcome {
  try {
    return { accepted: validateDefinition(raw, knownHandlers ? { knownHandlers } : {}) };
  } catch (err) {
    if (!(err instanceof HoldpointError)) throw new Error(`validateDefinition threw ${String(err)} instead of a structured refusal`, { cause: err });
    expect(err.type).toBe(ErrorType.InvalidDefinition);
    return { refused: err.details.problems as DefinitionProblem[], message: err.message };
  }
}

function refusalOf(raw: unknown, knownHandlers?: ReadonlySet<string>): { refused: DefinitionProblem[]; message: string } {
  const outcome = outcomeOf(raw, knownHandlers);
  if ('accepted' in outcome) throw new Error(`expected a refusal, but the validator accepted ${JSON.stringify(raw).slice(0, 500)}`);
  return outcome;
}

/** Every problem names a path inside the definition, a field and a message, and the summary lists each one. */
function expectWellFormed(refusal: { refused: DefinitionProblem[]; message: string }): void {
  expect(Array.isArray(refusal.refused)).toBe(true);
  expect(refusal.refused.length).toBeGreaterThan(0);
  for (const p of refusal.refused) {
    expect(typeof p.path).toBe('string');
    expect(typeof p.field).toBe('string');
    expect(typeof p.message).toBe('string');
    for (const text of [p.path, p.field, p.message]) expect(text).not.toBe('');
    const head = /^[^.[]+/.exec(p.path)![0];
    expect(p.path === '(root)' || DEFINITION_KEYS.includes(head)).toBe(true);
    // A problem that names a step is inside one (a step named "" cannot be named, so not the converse).
    if (p.step !== undefined) {
      expect(typeof p.step).toBe('string');
      expect(p.path).toMatch(/^steps\[\d+\]/);
    }
    expect(refusal.message).toContain(`${p.step !== undefined ? `step "${p.step}" ` : ''}${p.field}: ${p.message}`);
  }
}

// ── almost definitions: valid ones with random fields removed, replaced, retyped or added ──

type JsonValue = fc.JsonValue;
type Container = Record<string, unknown> | unknown[];

interface JsonMutation {
  pick: number;
  op: 'delete' | 'replace' | 'retype' | 'add' | 'null';
  key: string;
  value: JsonValue;
}

const FIELD_NAMES = ['name', 'type', 'message', 'options', 'timeout', 'on_timeout', 'approvals_required', 'review', 'branches', 'handler', 'steps', 'tools', 'script', 'questions', 'input_schema', 'x'];

const jsonMutationArb: fc.Arbitrary<JsonMutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('delete', 'replace', 'retype', 'add', 'null'),
  key: fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 8 })),
  value: fc.jsonValue({ maxDepth: 2 }),
});

/** Every position holding a value below the root: its container and key. */
function positions(root: unknown): { parent: Container; key: string | number }[] {
  const out: { parent: Container; key: string | number }[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => {
        out.push({ parent: node, key: i });
        walk(v);
      });
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        out.push({ parent: node as Record<string, unknown>, key: k });
        walk(v);
      }
    }
  };
  walk(root);
  return out;
}

function retype(value: unknown): unknown {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null) return {};
  if (Array.isArray(value)) return { ...value };
  return Object.values(value as object);
}

function mutateJson(original: unknown, mutations: JsonMutation[]): unknown {
  const root = structuredClone(original);
  for (const m of mutations) {
    const all = positions(root);
    if (all.length === 0) break;
    const { parent, key } = all[m.pick % all.length]!;
    const slot = parent as Record<string | number, unknown>;
    switch (m.op) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete slot[key];
        break;
      case 'replace':
        slot[key] = m.value;
        break;
      case 'retype':
        slot[key] = retype(slot[key]);
        break;
      case 'null':
        slot[key] = null;
        break;
      case 'add': {
        const target = slot[key];
        if (Array.isArray(target)) target.push(m.value);
        else if (target && typeof target === 'object') (target as Record<string, unknown>)[m.key] = m.value;
        else slot[key] = { [m.key]: m.value };
      }
    }
  }
  return root;
}

/** Definition-shaped values: the right top-level keys, steps with plausible fields of any JSON type. */
const STEP_TYPES = ['task', 'confirmation', 'decision', 'input', 'question', 'output_review', 'agent', 'condition', 'tool_approval', 'parallel'];
const stepShapedArb = fc.record(
  {
    name: fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/), fc.jsonValue({ maxDepth: 1 })),
    type: fc.oneof(fc.constantFrom(...STEP_TYPES), fc.jsonValue({ maxDepth: 1 })),
    message: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
    handler: fc.oneof(fc.constantFrom(...HANDLERS), fc.jsonValue({ maxDepth: 1 })),
    options: fc.oneof(fc.array(fc.constantFrom(...OPTION_POOL)), fc.jsonValue({ maxDepth: 2 })),
    timeout: fc.oneof(fc.constantFrom('1h', ...BAD_DURATIONS), fc.jsonValue({ maxDepth: 1 })),
    on_timeout: fc.oneof(fc.constantFrom('fail', 'skip', 'reject', 'approve', 'ship'), fc.jsonValue({ maxDepth: 1 })),
    approvals_required: fc.oneof(fc.integer({ min: -2, max: 25 }), fc.jsonValue({ maxDepth: 1 })),
    review: fc.oneof(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })),
    expression: fc.oneof(fc.constantFrom('state.x', ...BAD_EXPRESSIONS), fc.jsonValue({ maxDepth: 1 })),
    branches: fc.jsonValue({ maxDepth: 3 }),
    questions: fc.jsonValue({ maxDepth: 3 }),
    input_schema: fc.oneof(fc.constantFrom(...BAD_SCHEMAS, { type: 'string' }), fc.jsonValue({ maxDepth: 2 })),
    model: fc.oneof(fc.constantFrom('scripted', 'gpt-4', 'openai:gpt-4o'), fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);
const definitionShapedArb = fc.record(
  {
    name: fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/), fc.jsonValue({ maxDepth: 1 })),
    steps: fc.oneof(fc.array(fc.oneof(stepShapedArb, fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
    result: fc.oneof(fc.constantFrom('steps.x.output', ...BAD_EXPRESSIONS), fc.jsonValue({ maxDepth: 1 })),
    max_lifetime: fc.oneof(fc.constantFrom('7d', ...BAD_DURATIONS), fc.jsonValue({ maxDepth: 1 })),
    input_schema: fc.oneof(fc.constantFrom(...BAD_SCHEMAS), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);

describe('the validator is total', () => {
  /** Whatever comes in: an accepted definition that validates to itself, or a well-formed refusal, the same each time. */
  function checkTotal(raw: unknown, knownHandlers?: ReadonlySet<string>): Outcome {
    const first = outcomeOf(raw, knownHandlers);
    expect(outcomeOf(raw, knownHandlers)).toEqual(first);
    if ('accepted' in first) expect(validateDefinition(first.accepted, knownHandlers ? { knownHandlers } : {})).toEqual(first.accepted);
    else expectWellFormed(first);
    return first;
  }

  it('over any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (raw) => void checkTotal(raw)), { numRuns: RUNS });
  });

  it('over definition-shaped values whose fields hold anything', () => {
    fc.assert(fc.property(definitionShapedArb, fc.boolean(), (raw, registered) => void checkTotal(raw, registered ? REGISTERED : undefined)), { numRuns: RUNS });
  });

  it('over almost-definitions: valid ones with fields removed, replaced, retyped, nulled or added', () => {
    let refused = 0;
    fc.assert(
      fc.property(validDefinitionArb, fc.array(jsonMutationArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (definition, mutations, registered) => {
        if ('refused' in checkTotal(mutateJson(definition, mutations), registered ? REGISTERED : undefined)) refused++;
      }),
      { numRuns: RUNS },
    );
    // The mutations are not all harmless: most of them break the definition.
    expect(refused).toBeGreaterThan(RUNS / 2);
  });
});

describe('well-formed definitions', () => {
  it('are accepted exactly as written, with every handler registered or with no handler list', () => {
    const kinds = new Set<string>();
    const onTimeouts = new Set<string>();
    const accepted = fc.property(validDefinitionArb, (definition) => {
      for (const { value } of stepsOf(definition)) {
        kinds.add(value.type);
        if ('on_timeout' in value && value.on_timeout) onTimeouts.add(value.on_timeout);
      }
      const answer = validateDefinition(definition, { knownHandlers: handlersOf(definition) });
      expect(answer).toEqual(definition);
      expect(validateDefinition(definition)).toEqual(answer);
    });
    fc.assert(accepted, { numRuns: RUNS });
    // Whether a random sample reaches the rarest kinds is chance: a fixed sample, the same every run,
    // makes sure each is generated (and accepted).
    fc.assert(accepted, { numRuns: RUNS, seed: COVERAGE_SEED });
    // The generator reaches every step kind and every kind of timeout outcome.
    expect([...kinds].sort()).toEqual(['agent', 'condition', 'confirmation', 'decision', 'input', 'output_review', 'question', 'task']);
    for (const outcome of ['fail', 'skip', 'timeout_skip', 'reject', 'approve', 'ship']) expect(onTimeouts).toContain(outcome);
  });

  it('validate idempotently: the accepted output, its JSON round trip and a key-reordered copy give the same definition and hash', () => {
    const reorder = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(reorder) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)])) : value;
    fc.assert(
      fc.property(validDefinitionArb, (definition) => {
        const once = validateDefinition(definition);
        const twice = validateDefinition(once);
        expect(twice).toEqual(once);
        const reordered = validateDefinition(reorder(JSON.parse(JSON.stringify(definition))));
        expect(reordered).toEqual(once);
        expect(digestOf(reordered)).toBe(digestOf(once));
        expect(digestOf(twice)).toBe(digestOf(once));
      }),
      { numRuns: RUNS },
    );
  });
});

// ── targeted mutations ───────────────────────────────────────────────────────

type Raw = Record<string, unknown>;
const MUTANT = 'mutant';

/** A rule broken inside one added step: the step, and where (relative to it) the refusal must point. */
interface StepBreak {
  step: Raw;
  /** `.timeout`, `.tools[0].handler`, or '' for the step itself. */
  at: string;
  message: RegExp;
  /** The step the problem names, when it is not the mutant (a broken name); null: none. */
  stepName?: string | null;
  /**
   * Where the step goes: anywhere (default), anywhere after the definition's first task (it reviews
   * it), or first of all with a task named `later_task` added at the end (it reviews that later task).
   */
  placement?: 'anywhere' | 'after-first-task' | 'front';
}

const confirmStep = (extra: Raw = {}): Raw => ({ name: MUTANT, type: 'confirmation', message: 'Go?', ...extra });
const decisionStep = (extra: Raw = {}): Raw => ({ name: MUTANT, type: 'decision', message: 'Pick one', options: ['ship', 'hold'], ...extra });
const inputStep = (extra: Raw = {}): Raw => ({ name: MUTANT, type: 'input', message: 'Value?', input_schema: { type: 'string' }, ...extra });
const questionStep = (extra: Raw = {}): Raw => ({ name: MUTANT, type: 'question', message: 'A question', questions: [{ question: 'Region?', options: [{ label: 'EU' }] }], ...extra });
const taskStep = (extra: Raw = {}): Raw => ({ name: MUTANT, type: 'task', handler: 'echo', ...extra });
const agentStep = (extra: Raw = {}): Raw => ({ name: MUTANT, type: 'agent', instructions: 'Help.', model: 'scripted', script: [{ text: 'ok' }], ...extra });
const conditionStep = (extra: Raw = {}): Raw => ({ name: MUTANT, type: 'condition', expression: 'state.x', branches: { a: [{ name: 'mutant_inner', type: 'task', handler: 'echo' }] }, ...extra });
const tool = (extra: Raw = {}): Raw => ({ name: 'lookup', handler: 'echo', ...extra });
const reviewStep = (review: string, extra: Raw = {}): Raw => ({ name: MUTANT, type: 'output_review', message: 'Check it', review, ...extra });

const badDuration = fc.oneof(fc.constantFrom<unknown>(...BAD_DURATIONS), fc.constantFrom<unknown>(90, null, true, ['1h']));
const DURATION_REFUSED = /must be a duration such as|must be longer than zero|expected string/;
const badExpression = fc.constantFrom(...BAD_EXPRESSIONS);
const badSchema = fc.constantFrom(...BAD_SCHEMAS).map((s) => structuredClone(s));
const rng = <T>(values: readonly T[]) => fc.constantFrom(...values);

/**
 * Every rule the validator has (the zod shape rules, then the semantic ones of checkSemantics and
 * checkAgent), each as ways to break it in one added step. `first` names the definition's first step,
 * a task, which a review step may review once it comes after it.
 */
const stepBreaks: Record<string, (first: string) => fc.Arbitrary<StepBreak>> = {
  // ── shape ──
  'an unknown step type': () => rng(['approval', 'Task', 'tool_approval', 'parallel', '', 'wait']).map((type) => ({ step: confirmStep({ type }), at: '.type', message: /Invalid discriminator value/ })),
  'a step without a type': () => fc.constant({ step: { name: MUTANT, message: 'Go?' }, at: '.type', message: /Invalid discriminator value/ }),
  'a step name the rule refuses': () =>
    rng(['1st', 'has space', 'a'.repeat(65), 'é', '-x', 'a.b']).map((name) => ({ step: taskStep({ name }), at: '.name', message: /must be letters, digits/, stepName: name })),
  // An empty name cannot name its step: the problem carries the path only.
  'an empty step name': () => fc.constant({ step: taskStep({ name: '' }), at: '.name', message: /must be letters, digits/, stepName: null }),
  'a step name that is not a string': () => rng<unknown>([7, null, ['a']]).map((name) => ({ step: taskStep({ name }), at: '.name', message: /expected string/, stepName: '#' })),
  'a field the step kind does not have': () =>
    fc
      .tuple(rng(['on_timout', 'approval_required', 'colour', 'timeout_ms']), rng([confirmStep, taskStep, inputStep, agentStep, conditionStep]))
      .map(([key, make]) => ({ step: make({ [key]: 1 }), at: '', message: new RegExp(`Unrecognized key: "${key}"`) })),
  'an invalid duration, in every field that takes one': () =>
    fc
      .tuple(
        badDuration,
        rng<[(d: unknown) => Raw, string]>([
          [(d) => taskStep({ timeout: d }), '.timeout'],
          [(d) => taskStep({ total_timeout: d }), '.total_timeout'],
          [(d) => taskStep({ heartbeat_timeout: d }), '.heartbeat_timeout'],
          [(d) => taskStep({ retry: { initial_interval: d } }), '.retry.initial_interval'],
          [(d) => taskStep({ retry: { maximum_interval: d } }), '.retry.maximum_interval'],
          [(d) => confirmStep({ timeout: d }), '.timeout'],
          [(d) => inputStep({ timeout: d }), '.timeout'],
          [(d) => confirmStep({ escalation: { remind_after: d } }), '.escalation.remind_after'],
          [(d) => confirmStep({ escalation: { reassign_after: d, reassign_to: ['alice'] } }), '.escalation.reassign_after'],
          [(d) => agentStep({ model_timeout: d }), '.model_timeout'],
          [(d) => agentStep({ question_timeout: d }), '.question_timeout'],
          [(d) => agentStep({ tools: [tool({ timeout: d })] }), '.tools[0].timeout'],
          [(d) => agentStep({ tools: [tool({ handler_timeout: d })] }), '.tools[0].handler_timeout'],
        ]),
      )
      .map(([d, [make, at]]) => ({ step: make(d), at, message: DURATION_REFUSED })),
  'approvals_required or rejections_required below 1, above 20 or not an integer': (first) =>
    fc
      .tuple(rng(['approvals_required', 'rejections_required']), rng<unknown>([0, -1, 21, 1.5, '2', null]), fc.boolean())
      .map(([field, n, review]) => ({
        step: review ? reviewStep(first, { [field]: n }) : confirmStep({ [field]: n }),
        at: `.${field}`,
        message: /expected|Too small|Too big/,
        placement: review ? 'after-first-task' : 'anywhere',
      })),
  'options that are empty, repeated or malformed': () =>
    fc.oneof(
      fc.constant({ step: confirmStep({ options: [] }), at: '.options', message: /must offer at least one option/ }),
      rng(OPTION_POOL).map((o) => ({ step: decisionStep({ options: [o, 'other', o] }), at: '.options', message: /must not repeat an option/ })),
      fc.tuple(rng(['-x', '', 'a/b', 'x'.repeat(65), 'über']), fc.nat({ max: 2 })).map(([bad, i]) => {
        const options = ['ship', 'hold'];
        options.splice(i, 0, bad);
        return { step: decisionStep({ options }), at: `.options[${i}]`, message: /must be 1-64 letters/ };
      }),
    ),
  'a malformed assignee': () =>
    fc.tuple(rng(['a b', '', '@x', 'group: x', '#ops', '-x']), fc.nat({ max: 2 })).map(([bad, i]) => {
      const assignees = ['alice', 'group:ops'];
      assignees.splice(i, 0, bad);
      return { step: confirmStep({ assignees }), at: `.assignees[${i}]`, message: /must be a principal/ };
    }),
  'reassign_after without reassign_to, or the reverse': () =>
    rng([{ reassign_after: '1h' }, { reassign_to: ['alice'] }, { remind_after: '1m', reassign_after: '1h' }]).map((escalation) => ({
      step: confirmStep({ escalation }),
      at: '.escalation.reassign_to',
      message: /reassign_after and reassign_to go together/,
    })),
  'a blank message': () => rng(['', '   ', '\n\t']).map((message) => ({ step: confirmStep({ message }), at: '.message', message: /must not be empty/ })),
  'questions that are missing, repeated, unanswerable or with repeated labels': () =>
    fc.oneof(
      fc.constant({ step: questionStep({ questions: [] }), at: '.questions', message: /must ask at least one question/ }),
      fc.constant({ step: questionStep({ questions: [{ question: 'Q?', allow_free_text: true }, { question: 'Q?', options: [{ label: 'a' }] }] }), at: '.questions', message: /must not repeat a question/ }),
      fc.constant({ step: questionStep({ questions: [{ question: 'Q?', options: [] }] }), at: '.questions', message: /each question needs options or allow_free_text/ }),
      fc.constant({ step: questionStep({ questions: [{ question: 'Q?', options: [{ label: 'EU' }, { label: 'EU' }] }] }), at: '.questions[0].options', message: /must not repeat a label/ }),
    ),
  'a condition without branches, with an empty branch or an empty otherwise': () =>
    fc.oneof(
      fc.constant({ step: conditionStep({ branches: {} }), at: '.branches', message: /must have at least one branch/ }),
      rng(['a', 'b', 'true']).map((key) => ({ step: conditionStep({ branches: { [key]: [] } }), at: `.branches.${key}`, message: /a branch needs at least one step/ })),
      fc.constant({ step: conditionStep({ otherwise: [] }), at: '.otherwise', message: /must hold at least one step when given/ }),
    ),
  'a handler that is not an identifier': () => rng(['1abc', 'a-b', 'send email', '']).map((handler) => ({ step: taskStep({ handler }), at: '.handler', message: /must be a handler name/ })),
  'a retry policy out of range': () =>
    rng<[string, unknown]>([
      ['maximum_attempts', 0],
      ['maximum_attempts', 1_001],
      ['maximum_attempts', 2.5],
      ['backoff_coefficient', 0.5],
      ['backoff_coefficient', 101],
    ]).map(([field, value]) => ({ step: taskStep({ retry: { [field]: value } }), at: `.retry.${field}`, message: /Too small|Too big|expected int/ })),
  'a model the schema cannot place': () => rng(['gpt-4', 'openai', 'openai:', 'mistral:large', '']).map((model) => ({ step: agentStep({ model }), at: '.model', message: /must be "<provider>:<model>"/ })),
  'a scripted turn that is two things at once, or nothing': () =>
    rng<Raw>([{ text: 'a', plan: 'b' }, { text: 'a', object: 1 }, {}]).map((turn) => ({ step: agentStep({ script: [turn] }), at: '.script[0]', message: /a turn is tool_calls, text, object or plan/ })),

  // ── semantics ──
  'an invalid JSONata expression, wherever one is taken': () =>
    fc
      .tuple(
        badExpression,
        rng<[(e: string) => Raw, string]>([
          [(e) => confirmStep({ message: `Check {{ ${e} }} now` }), '.message'],
          [(e) => inputStep({ message: `{{ state.x }} and {{ ${e} }}` }), '.message'],
          [(e) => confirmStep({ context: e }), '.context'],
          [(e) => taskStep({ input: e }), '.input'],
          [(e) => taskStep({ input: { good: 'state.x', bad: e } }), '.input.bad'],
          [(e) => conditionStep({ expression: e }), '.expression'],
          [(e) => agentStep({ instructions: `Help {{ ${e} }}` }), '.instructions'],
          [(e) => agentStep({ prompt: `Do {{ ${e} }}` }), '.prompt'],
          [(e) => agentStep({ tools: [tool({ requires_confirmation: true, message: `Allow {{ ${e} }}?` })] }), '.tools[0].message'],
        ]),
      )
      .map(([e, [make, at]]) => ({ step: make(e), at, message: /is not a valid JSONata expression/ })),
  'an invalid JSON Schema, wherever one is taken': (first) =>
    fc
      .tuple(
        badSchema,
        rng<[(s: Raw) => Raw, string]>([
          [(s) => inputStep({ input_schema: s }), '.input_schema'],
          [(s) => reviewStep(first, { output_schema: s }), '.output_schema'],
          [(s) => agentStep({ output: { schema: s } }), '.output.schema'],
          [(s) => agentStep({ tools: [tool({ input_schema: s })] }), '.tools[0].input_schema'],
        ]),
      )
      .map(([s, [make, at]]) => ({ step: make(s), at, message: /is not a valid JSON Schema/, placement: at === '.output_schema' ? 'after-first-task' : 'anywhere' })),
  'a handler the worker has not registered': () =>
    rng<[Raw, string]>([
      [taskStep({ handler: 'notRegistered' }), '.handler'],
      [agentStep({ tools: [tool({ handler: 'notRegistered' })] }), '.tools[0].handler'],
    ]).map(([step, at]) => ({ step, at, message: /"notRegistered" is not a registered task handler/ })),
  'an input or question step timing out to anything but fail, skip or timeout_skip': () =>
    fc
      .tuple(rng(['reject', 'approve', 'ship', 'nonsense']), fc.boolean())
      .map(([onTimeout, input]) => ({ step: (input ? inputStep : questionStep)({ on_timeout: onTimeout }), at: '.on_timeout', message: /must be "fail", "skip" or "timeout_skip"/ })),
  'a choice or review timing out to an option it does not offer': (first) =>
    fc
      .tuple(fc.subarray([...OPTION_POOL], { minLength: 1 }), rng(OPTION_POOL), rng(['decision', 'confirmation', 'output_review']))
      .filter(([options, chosen, type]) => chosen !== 'reject' && (type === 'output_review' ? chosen !== 'approve' : !options.includes(chosen)))
      .map(([options, chosen, type]) => ({
        step: type === 'output_review' ? reviewStep(first, { on_timeout: chosen }) : { ...decisionStep({ options }), type, on_timeout: chosen },
        at: '.on_timeout',
        message: /must be "fail", "reject", "skip", "timeout_skip" or one of the options/,
        placement: type === 'output_review' ? 'after-first-task' : 'anywhere',
      })),
  'timing out to reject, rejecting, or counting rejections where no reject is offered': () =>
    fc
      .tuple(
        fc.subarray(OPTION_POOL.filter((o) => o !== 'reject'), { minLength: 1 }),
        rng<[Raw, string, RegExp]>([
          [{ on_timeout: 'reject' }, '.on_timeout', /is "reject" but the step offers no "reject" option/],
          [{ on_reject: 'continue' }, '.on_reject', /has no effect: the step offers no "reject" option/],
          [{ rejections_required: 2 }, '.rejections_required', /counts "reject" decisions, but the step offers no "reject" option/],
        ]),
      )
      .map(([options, [extra, at, message]]) => ({ step: decisionStep({ options, ...extra }), at, message })),
  'counting approvals where no approve is offered': () =>
    fc
      .tuple(fc.subarray(OPTION_POOL.filter((o) => o !== 'approve'), { minLength: 1 }), fc.integer({ min: 2, max: 20 }))
      .map(([options, n]) => ({ step: decisionStep({ options, approvals_required: n }), at: '.approvals_required', message: /counts "approve" decisions, but the step offers no "approve" option/ })),
  'a quorum of more distinct people than may decide a step that names only people': () =>
    fc
      .tuple(fc.uniqueArray(fc.constantFrom('alice', 'user:bob', 'carol'), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 5 }), rng(['approvals', 'rejections', 'tool']))
      .map(([assignees, more, kind]) => {
        const n = assignees.length + more;
        const message = new RegExp(`needs ${n} distinct people, but only ${assignees.length} may decide`);
        if (kind === 'tool') {
          return { step: agentStep({ tools: [tool({ requires_confirmation: true, assignees, approvals_required: n })] }), at: '.tools[0].approvals_required', message };
        }
        const field = `${kind}_required`;
        return { step: { name: MUTANT, type: 'confirmation', message: 'Ship?', assignees, [field]: n }, at: `.${field}`, message };
      }),
  'an output review of a step that does not exist, of itself, or of a later task': () =>
    fc.oneof(
      rng(['ghost', 'Fetch']).map((review) => ({ step: reviewStep(review), at: '.review', message: new RegExp(`"${review}" is not a task step that comes before this one`) })),
      fc.constant({ step: reviewStep(MUTANT), at: '.review', message: /"mutant" is not a task step that comes before this one/ }),
      fc.constant({ step: reviewStep('later_task'), at: '.review', message: /"later_task" is not a task step that comes before this one/, placement: 'front' as const }),
    ),
  'an escalation rung at or after the timeout, or a reminder at or after the reassignment': () =>
    fc
      .tuple(fc.integer({ min: 1, max: 600 }), fc.nat({ max: 600 }), fc.boolean(), rng(['remind', 'reassign', 'order']))
      .map(([minutes, more, inTool, kind]) => {
        // `late` is at least as long as `early`; equal ones are spelt in another unit (60s is 1m).
        const early = `${minutes}m`;
        const late = more === 0 ? `${minutes * 60}s` : `${minutes + more}m`;
        const to = { reassign_to: ['group:leads'] };
        const [rules, field, message] =
          kind === 'remind'
            ? [{ timeout: early, escalation: { remind_after: late } }, 'remind_after', /must be shorter than the step's timeout/]
            : kind === 'reassign'
              ? [{ timeout: early, escalation: { reassign_after: late, ...to } }, 'reassign_after', /must be shorter than the step's timeout/]
              : [{ escalation: { remind_after: late, reassign_after: early, ...to } }, 'remind_after', /must be shorter than reassign_after: remind first, then reassign/];
        return inTool
          ? { step: agentStep({ tools: [tool({ requires_confirmation: true, ...rules })] }), at: `.tools[0].escalation.${field}`, message }
          : { step: confirmStep(rules), at: `.escalation.${field}`, message };
      }),
  'a scripted agent without a script': () => fc.constant({ step: { name: MUTANT, type: 'agent', instructions: 'Help.', model: 'scripted' }, at: '.script', message: /is required for the scripted model/ }),
  'an agent tool that breaks a tool rule': () =>
    rng<[Raw[], string, RegExp]>([
      [[tool(), tool()], '.tools[1].name', /tool "lookup" is listed twice/],
      [[tool({ requires_confirmation: true, external_execution: true })], '.tools[0].requires_confirmation', /takes one of requires_confirmation, requires_user_input and external_execution/],
      [[tool({ requires_user_input: true, requires_confirmation: true })], '.tools[0].requires_confirmation', /takes one of/],
      [[tool({ approval: 'audit' })], '.tools[0].approval', /"audit" records how a person resolved the call/],
      [[{ name: 'lookup', handler: 'echo', external_execution: true }], '.tools[0].handler', /has no use: an external_execution tool is run by the caller/],
      [[{ name: 'lookup', requires_confirmation: true }], '.tools[0].handler', /is required: name the registered task handler/],
      [[tool({ user_input_fields: ['to'] })], '.tools[0].user_input_fields', /needs requires_user_input/],
      [[tool({ requires_user_input: true, user_input_fields: ['cc'], input_schema: { type: 'object', properties: { to: {} } } })], '.tools[0].user_input_fields', /"cc" is not an argument of the tool/],
      [[tool({ on_timeout: 'ship' })], '.tools[0].on_timeout', /must be one of "fail", "reject", "skip", "timeout_skip", "approve"/],
      [[tool({ requires_user_input: true, on_timeout: 'approve' })], '.tools[0].on_timeout', /cannot be approved by a timeout/],
      [[{ name: 'lookup', external_execution: true, on_timeout: 'approve' }], '.tools[0].on_timeout', /cannot be approved by a timeout/],
    ]).map(([tools, at, message]) => ({ step: agentStep({ tools }), at, message })),
  'a script calling a tool the agent does not have': () =>
    rng(['nope', 'Lookup', 'send_email']).map((name) => ({
      step: agentStep({ tools: [tool()], script: [{ text: 'hi' }, { tool_calls: [{ name, args: {} }] }] }),
      at: '.script[1]',
      message: new RegExp(`calls "${name}", which is not a tool of the step`),
    })),
};

/** Puts the broken step into the definition where its placement says; returns the definition and the step's path. */
function place(definition: Definition, b: StepBreak, listPick: number, indexPick: number): { raw: Definition; path: string } {
  const raw = structuredClone(definition);
  const step = b.step as unknown as Step;
  if (b.placement === 'front') {
    raw.steps.unshift(step);
    raw.steps.push({ name: 'later_task', type: 'task', handler: 'echo' });
    return { raw, path: 'steps[0]' };
  }
  const lists = stepListsOf(raw);
  const { path, value: list } = lists[listPick % lists.length]!;
  const lowest = b.placement === 'after-first-task' && path === 'steps' ? 1 : 0;
  const index = lowest + (indexPick % (list.length + 1 - lowest));
  list.splice(index, 0, step);
  return { raw, path: `${path}[${index}]` };
}

const under = (path: string, root: string) => path === root || path.startsWith(`${root}.`) || path.startsWith(`${root}[`);

describe('each rule refuses a definition that breaks it, naming the path', () => {
  it.each(Object.keys(stepBreaks))('%s', (label) => {
    const arb = validDefinitionArb.chain((definition) => fc.tuple(fc.constant(definition), stepBreaks[label]!(definition.steps[0]!.name), fc.nat(), fc.nat()));
    fc.assert(
      fc.property(arb, ([definition, b, listPick, indexPick]) => {
        const { raw, path } = place(definition, b, listPick, indexPick);
        const refusal = refusalOf(raw, REGISTERED);
        expectWellFormed(refusal);
        const expected = refusal.refused.find((p) => p.path === `${path}${b.at}` && b.message.test(p.message));
        if (!expected) throw new Error(`no problem at ${path}${b.at} matching ${String(b.message)}; got ${JSON.stringify(refusal.refused)}`);
        if (b.stepName === '#') expect(expected.step).toMatch(/^#\d+$/);
        else expect(expected.step).toBe(b.stepName === null ? undefined : (b.stepName ?? MUTANT));
        // Nothing else in the definition is blamed.
        for (const p of refusal.refused) expect(under(p.path, path)).toBe(true);
      }),
      { numRuns: RULE_RUNS },
    );
  });

  it('a step name used twice, anywhere in the tree: the later one is refused, naming the earlier', () => {
    fc.assert(
      fc.property(validDefinitionArb, fc.nat(), fc.nat(), fc.nat(), fc.boolean(), (definition, pick, listPick, indexPick, asTask) => {
        const steps = stepsOf(definition);
        const taken = steps[pick % steps.length]!.value.name;
        const { raw } = place(definition, { step: asTask ? taskStep({ name: taken }) : confirmStep({ name: taken }), at: '', message: /./ }, listPick, indexPick);
        const refusal = refusalOf(raw, REGISTERED);
        expectWellFormed(refusal);
        const both = stepsOf(raw).filter((s) => s.value.name === taken).map((s) => s.path);
        expect(both).toHaveLength(2);
        // The name clash is the only problem (the added step breaks nothing else).
        expect(refusal.refused).toEqual([{ path: `${both[1]}.name`, field: 'name', step: taken, message: `is already used by ${both[0]}; step names must be unique` }]);
      }),
      { numRuns: RUNS },
    );
  });

  const rootBreaks: [string, (d: Definition) => fc.Arbitrary<{ raw: unknown; path: string; message: RegExp }>][] = [
    ['a workflow name the rule refuses', (d) => rng<unknown>(['', '1abc', 'has space', 'a'.repeat(65), 'é', 7, null]).map((name) => ({ raw: { ...d, name }, path: 'name', message: /must be letters|expected string/ }))],
    ['no steps, or steps that are no list', (d) => rng<unknown>([[], {}, 'task', null]).map((steps) => ({ raw: { ...d, steps }, path: 'steps', message: /a definition needs at least one step|expected array/ }))],
    ['an invalid max_lifetime', (d) => badDuration.map((max_lifetime) => ({ raw: { ...d, max_lifetime }, path: 'max_lifetime', message: DURATION_REFUSED }))],
    ['an invalid result expression', (d) => badExpression.map((result) => ({ raw: { ...d, result }, path: 'result', message: /is not a valid JSONata expression/ }))],
    [
      'an input_schema that is no JSON Schema',
      (d) => fc.oneof(badSchema, rng<unknown>([[], 'object', 3])).map((input_schema) => ({ raw: { ...d, input_schema }, path: 'input_schema', message: /is not a valid JSON Schema|expected record/ })),
    ],
    ['a top-level field the definition does not have', (d) => rng(['stpes', 'Name', 'timeout', 'on_timeout']).map((key) => ({ raw: { ...d, [key]: 1 }, path: '(root)', message: new RegExp(`Unrecognized key: "${key}"`) }))],
  ];

  it.each(rootBreaks)('%s', (_label, breakOf) => {
    fc.assert(
      fc.property(
        validDefinitionArb.chain((d) => breakOf(d)),
        ({ raw, path, message }) => {
          const refusal = refusalOf(raw, REGISTERED);
          expectWellFormed(refusal);
          expect(refusal.refused.some((p) => p.path === path && message.test(p.message) && p.step === undefined)).toBe(true);
          for (const p of refusal.refused) expect(under(p.path, path)).toBe(true);
        },
      ),
      { numRuns: RULE_RUNS },
    );
  });

  it('breaks with fixtures that really are broken', () => {
    const engine = new ExpressionEngine();
    for (const e of BAD_EXPRESSIONS) expect(() => engine.compile(e)).toThrow();
    // No `$schema` among the bad schemas: that one is a bug of its own (below).
    expect(BAD_SCHEMAS.every((s) => !('$schema' in s))).toBe(true);
  });
});

describe('known validator bugs (it.failing: each passes once the bug is fixed, then drop `.failing`)', () => {
  /**
   * BUG: a JSON Schema whose `$schema` is not a meta-schema ajv knows (any other URI), or is not a
   * string, makes `ajv.validateSchema` throw ("no schema with key or ref ...", "$schema must be a
   * string"). validateDefinition lets that plain Error out instead of a refusal naming the field, so
   * `POST /v1/workflows` with such a definition is not a 4xx. Smallest input:
   * `{"name":"a","input_schema":{"$schema":"http://example.com/x"},"steps":[{"name":"t","type":"task","handler":"h"}]}`.
   */
  it('a $schema the validator does not know is refused with a problem at that schema, not thrown', () => {
    fc.assert(
      fc.property(validDefinitionArb, rng<unknown>(['http://example.com/x', 'https://json-schema.org/draft-04/schema', 5, null]), fc.nat(), fc.nat(), (definition, $schema, listPick, indexPick) => {
        const { raw, path } = place(definition, { step: inputStep({ input_schema: { $schema, type: 'string' } }), at: '.input_schema', message: /./ }, listPick, indexPick);
        const refusal = refusalOf(raw);
        expect(refusal.refused.some((p) => p.path === `${path}.input_schema`)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  /**
   * BUG: an output review may review "a task step that comes before this one", but the check walks the
   * definition in document order, so a review in one branch of a condition accepts a task that exists
   * only in a sibling branch. One run enters one branch, so such a review can never find its task: every
   * run that reaches it fails ("reviews step ..., which has not completed"). Smallest input:
   * `{"name":"a","steps":[{"name":"c","type":"condition","expression":"x","branches":{"a":[{"name":"w","type":"task","handler":"h"}],"b":[{"name":"r","type":"output_review","message":"m","review":"w"}]}}]}`.
   */
  it('an output review of a task that only a sibling branch runs is refused', () => {
    fc.assert(
      fc.property(validDefinitionArb, fc.nat(), (definition, indexPick) => {
        const raw = structuredClone(definition);
        const condition = conditionStep({ branches: { a: [taskStep({ name: 'only_in_a' })], b: [reviewStep('only_in_a', { name: 'review_in_b' })] } });
        raw.steps.splice(1 + (indexPick % raw.steps.length), 0, condition as unknown as Step);
        const refusal = refusalOf(raw);
        expect(refusal.refused.some((p) => p.step === 'review_in_b' && p.field === 'review')).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
});
