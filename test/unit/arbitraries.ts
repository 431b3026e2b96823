import fc from 'fast-check';
import type { AgentStep, AgentTool, Definition, Question, Step } from '../../src/contracts/definition';
import { ASK_USER_TOOL } from '../../src/contracts/interaction';

/**
 * fast-check arbitraries for workflow definitions that the validator must accept: every step kind,
 * every `on_timeout` a kind takes, escalation ladders in order, conditions with branches and
 * `otherwise`, output reviews of a task that surely ran before them. Values are written the way the
 * schema hands them back (no whitespace around expressions, question options spelled out), so an
 * accepted definition must come back equal to what was sent.
 */

// ── building blocks ──────────────────────────────────────────────────────────

const UNITS = ['ms', 's', 'm', 'h', 'd', 'w'] as const;

/** A duration the schema takes ("90s", "1.5h"); never rounds to zero. */
export const durationArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(...UNITS)).map(([n, u]) => `${n}${u}`),
  fc.tuple(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom('s', 'm', 'h', 'd')).map(([n, d, u]) => `${n}.${d}${u}`),
);

/** Strings the Duration schema refuses: other spellings, other units, zero, negative, rounding to zero. */
export const BAD_DURATIONS = ['10 minutes', '0s', '0ms', '0.0001ms', '-5m', '5', 'h', '1.h', '5 m', '1y', '', 'PT5M', '1h30m', ' 5m'] as const;

/** JSONata expressions that compile. */
export const EXPRESSIONS = ['state.amount', 'steps.fetch.output', '$count(state.items) > 2', 'state.a & "-" & state.b', 'run.id', '"literal"', 'state.flag = true', 'task', '$exists(state.x) ? "y" : "n"'] as const;
export const expressionArb = fc.constantFrom(...EXPRESSIONS);

/** Sources JSONata refuses to compile (each checked against the engine in the tests). */
export const BAD_EXPRESSIONS = ['steps.(', 'state.id +', '[1, 2', '$count(', 'a ==', '"unterminated', '((('] as const;

/** JSON Schemas that are schemas. */
export const SCHEMAS: Record<string, unknown>[] = [
  {},
  { type: 'string', minLength: 1 },
  { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
  { type: ['string', 'null'] },
  { enum: [1, 2, 3] },
  { type: 'array', items: { type: 'integer' } },
];
export const schemaArb = fc.constantFrom(...SCHEMAS).map((s) => structuredClone(s));

/** Objects that are not JSON Schemas (ajv's meta-schema refuses them). No `$schema` here: see the validator test. */
export const BAD_SCHEMAS: Record<string, unknown>[] = [{ type: 'nonsense' }, { required: 'x' }, { properties: 5 }, { minLength: -1 }, { enum: 3 }, { type: 'object', properties: { a: { type: 7 } } }];

const WORDS = ['Approve', 'the', 'refund', 'deploy', 'of', 'order', 'now', 'please', 'ok?'] as const;
const words = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 5 }).map((w) => w.join(' '));

/** Text with `{{ expression }}` placeholders; no leading or trailing blanks (the schema trims). */
export const templateArb: fc.Arbitrary<string> = fc
  .tuple(words, fc.option(expressionArb, { nil: undefined }), fc.option(words, { nil: undefined }))
  .map(([a, e, b]) => [a, e === undefined ? undefined : `{{ ${e} }}`, b].filter((p) => p !== undefined).join(' '));

const textArb = fc.string({ maxLength: 40 });
export const HANDLERS = ['echo', 'sendEmail', 'charge_card', '$lookup', '_internal'] as const;
const handlerArb = fc.constantFrom(...HANDLERS);
export const OPTION_POOL = ['approve', 'reject', 'ship', 'hold', 'escalate', 'Plan A', 'v1.2:x'] as const;
export const ASSIGNEE_POOL = ['alice', 'user:bob', 'carol@example.com', 'group:finance', 'group:ops'] as const;
const assigneesArb = fc.uniqueArray(fc.constantFrom(...ASSIGNEE_POOL), { minLength: 1, maxLength: 4 });

/** Shorthand for optional keys: `fc.record(model, { requiredKeys: [] })` leaves keys out rather than set to undefined. */
function optional<T extends Record<string, unknown>>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<Partial<T>> {
  return fc.record(model, { requiredKeys: [] }) as unknown as fc.Arbitrary<Partial<T>>;
}

/** `timeout` and an `escalation` whose rungs climb in order (remind < reassign < timeout). */
const ladderArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 3, maxLength: 3 }), fc.boolean(), fc.boolean(), fc.boolean(), assigneesArb)
  .map(([minutes, withTimeout, withRemind, withReassign, to]) => {
    const [remind, reassign, timeout] = [...minutes].sort((a, b) => a - b) as [number, number, number];
    const escalation = {
      ...(withRemind ? { remind_after: `${remind}m` } : {}),
      ...(withReassign ? { reassign_after: `${reassign}m`, reassign_to: to } : {}),
    };
    return {
      ...(withTimeout ? { timeout: `${timeout}m` } : {}),
      ...(withRemind || withReassign ? { escalation } : {}),
    };
  });

const pauseCommonArb = fc
  .tuple(
    optional({ title: textArb, description: textArb, context: expressionArb, assignees: assigneesArb, allow_skip: fc.boolean() }),
    fc.option(fc.record({ channels: fc.uniqueArray(fc.constantFrom('C0123ABCD', '#billing-ops', 'ops.alerts'), { minLength: 1, maxLength: 3 }) }), { nil: undefined }),
    ladderArb,
    templateArb,
  )
  .map(([fields, slack, ladder, message]) => ({ ...fields, ...(slack ? { slack } : {}), ...ladder, message }));

/**
 * The validator refuses a quorum of more distinct people than may decide a step that names only
 * people (its assignees and whoever escalation reassigns it to); this keeps generated ones within it.
 */
function withinQuorum<T extends Record<string, unknown>>(step: T): T {
  const assignees = step.assignees as string[] | undefined;
  if (!assignees) return step;
  const named = [...assignees, ...(((step.escalation as { reassign_to?: string[] } | undefined)?.reassign_to) ?? [])];
  if (named.some((a) => a.startsWith('group:'))) return step;
  const people = new Set(named.map((a) => (a.startsWith('user:') ? a : `user:${a}`))).size;
  const out: Record<string, unknown> = { ...step };
  for (const field of ['approvals_required', 'rejections_required']) {
    if (typeof out[field] === 'number' && (out[field] as number) > people) out[field] = people;
  }
  return out as T;
}

/** The approval rules a choice or review offers, consistent with what it offers. */
function approvalArb(offered: readonly string[]) {
  const canApprove = offered.includes('approve');
  const canReject = offered.includes('reject');
  return optional({
    approvals_required: canApprove ? fc.integer({ min: 1, max: 20 }) : fc.constant(1),
    rejections_required: canReject ? fc.integer({ min: 1, max: 20 }) : fc.constant(1),
    allow_self_approval: fc.boolean(),
    reject_requires_comment: fc.boolean(),
    ...(canReject ? { on_reject: fc.constantFrom('fail', 'complete', 'continue') } : {}),
  });
}

/** Every `on_timeout` a step offering these options takes. */
function onTimeoutArb(offered: readonly string[]) {
  const outcomes = ['fail', 'skip', 'timeout_skip', ...(offered.includes('reject') ? ['reject'] : []), ...offered];
  return fc.option(fc.constantFrom(...outcomes), { nil: undefined });
}

const PLACEHOLDER = '';

// ── steps (names and review targets are filled in by `finalize`) ─────────────

const taskArb: fc.Arbitrary<Step> = fc
  .tuple(
    handlerArb,
    optional({
      title: textArb,
      description: textArb,
      input: fc.oneof(expressionArb, fc.dictionary(fc.constantFrom('id', 'amount', 'to', 'x-y'), expressionArb, { minKeys: 1 })),
      timeout: durationArb,
      total_timeout: durationArb,
      heartbeat_timeout: durationArb,
      retry: optional({
        maximum_attempts: fc.integer({ min: 1, max: 1_000 }),
        initial_interval: durationArb,
        backoff_coefficient: fc.double({ min: 1, max: 100, noNaN: true }),
        maximum_interval: durationArb,
        non_retryable_errors: fc.array(fc.constantFrom('BadInput', 'NotFound'), { maxLength: 2 }),
      }),
    }),
  )
  .map(([handler, fields]) => ({ name: PLACEHOLDER, type: 'task', handler, ...fields }) as Step);

const choiceArb = (type: 'confirmation' | 'decision'): fc.Arbitrary<Step> =>
  fc
    .tuple(fc.option(fc.uniqueArray(fc.constantFrom(...OPTION_POOL), { minLength: 1, maxLength: 5 }), { nil: undefined }), pauseCommonArb)
    .chain(([options, common]) => {
      const offered = options ?? ['approve', 'reject'];
      return fc.tuple(approvalArb(offered), onTimeoutArb(offered)).map(
        ([approval, onTimeout]) =>
          withinQuorum({ name: PLACEHOLDER, type, ...common, ...(options ? { options } : {}), ...approval, ...(onTimeout ? { on_timeout: onTimeout } : {}) }) as Step,
      );
    });

const inputArb: fc.Arbitrary<Step> = fc
  .tuple(pauseCommonArb, schemaArb, fc.option(fc.constantFrom('fail', 'skip', 'timeout_skip'), { nil: undefined }))
  .map(([common, input_schema, onTimeout]) => ({ name: PLACEHOLDER, type: 'input', ...common, input_schema, ...(onTimeout ? { on_timeout: onTimeout } : {}) }) as Step);

const questionItemArb: fc.Arbitrary<Question> = fc
  .tuple(
    fc.constantFrom('Region?', 'Plan?', 'Why?', 'When?', 'Which account?'),
    fc.option(fc.constantFrom('Region', 'Plan'), { nil: undefined }),
    fc.uniqueArray(fc.record({ label: fc.constantFrom('EU', 'US', 'Basic', 'Pro (Recommended)', 'Later') }, { requiredKeys: ['label'] }), { selector: (o) => o.label, maxLength: 4 }),
    fc.boolean(),
  )
  .map(([question, header, options, free]) => ({
    question,
    ...(header ? { header } : {}),
    options,
    ...(options.length === 0 || free ? { allow_free_text: true } : {}),
  }));

const questionArb: fc.Arbitrary<Step> = fc
  .tuple(pauseCommonArb, fc.uniqueArray(questionItemArb, { selector: (q) => q.question, minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom('fail', 'skip', 'timeout_skip'), { nil: undefined }))
  .map(([common, questions, onTimeout]) => ({ name: PLACEHOLDER, type: 'question', ...common, questions, ...(onTimeout ? { on_timeout: onTimeout } : {}) }) as Step);

/** `review` holds a pick (`#<n>`) that `finalize` turns into the name of a task that surely ran before. */
const outputReviewArb: fc.Arbitrary<Step> = fc
  .tuple(pauseCommonArb, approvalArb(['approve', 'reject']), onTimeoutArb(['approve', 'reject']), fc.nat(), fc.option(schemaArb, { nil: undefined }))
  .map(
    ([common, approval, onTimeout, pick, output_schema]) =>
      withinQuorum({
        name: PLACEHOLDER,
        type: 'output_review',
        ...common,
        ...approval,
        ...(onTimeout ? { on_timeout: onTimeout } : {}),
        review: `#${pick}`,
        ...(output_schema ? { output_schema } : {}),
      }) as unknown as Step,
  );

const TOOL_NAMES = ['lookup', 'send_email', 'refund', 'ask-ops', 'search'] as const;

const toolArb: fc.Arbitrary<AgentTool> = fc
  .tuple(
    fc.constantFrom('plain', 'requires_confirmation', 'requires_user_input', 'external_execution'),
    handlerArb,
    fc.boolean(),
    fc.boolean(),
    optional({ description: textArb, assignees: assigneesArb, allow_skip: fc.boolean(), approvals_required: fc.integer({ min: 1, max: 20 }), allow_self_approval: fc.boolean(), reject_requires_comment: fc.boolean(), handler_timeout: durationArb }),
    ladderArb,
    fc.constantFrom('fail', 'reject', 'skip', 'timeout_skip', 'approve'),
    fc.option(templateArb, { nil: undefined }),
  )
  .map(([mode, handler, audit, withFields, extra, ladder, onTimeout, message]) => {
    const flagged = mode !== 'plain';
    const tool: Record<string, unknown> = {
      name: PLACEHOLDER,
      ...extra,
      ...ladder,
      input_schema: { type: 'object', properties: { to: { type: 'string' }, subject: { type: 'string' } } },
      ...(message ? { message } : {}),
    };
    if (mode !== 'external_execution') tool.handler = handler;
    if (flagged) tool[mode] = true;
    if (flagged && audit) tool.approval = 'audit';
    else if (audit) tool.approval = 'required';
    if (mode === 'requires_user_input' && withFields) tool.user_input_fields = ['to'];
    const approveAllowed = mode !== 'requires_user_input' && mode !== 'external_execution';
    if (onTimeout !== 'approve' || approveAllowed) tool.on_timeout = onTimeout;
    return withinQuorum(tool) as unknown as AgentTool;
  });

const MODELS = ['scripted', 'default', 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'openai-compatible:llama3.1'] as const;

const agentArb: fc.Arbitrary<Step> = fc
  .tuple(
    templateArb,
    fc.oneof(fc.constantFrom(...MODELS), fc.constant({ provider: 'openai-compatible', name: 'qwen', base_url: 'http://localhost:11434/v1', api_key_env: 'OLLAMA_KEY' })),
    fc.array(toolArb, { maxLength: 3 }),
    fc.array(fc.tuple(fc.constantFrom('tool_calls', 'text', 'object', 'plan'), fc.nat()), { minLength: 1, maxLength: 4 }),
    fc.boolean(),
    optional({
      title: textArb,
      prompt: templateArb,
      max_steps: fc.integer({ min: 1, max: 200 }),
      output: fc.oneof(fc.constant('text' as const), schemaArb.map((schema) => ({ schema }))),
      model_timeout: durationArb,
      question_timeout: durationArb,
      max_output_tokens: fc.integer({ min: 1, max: 200_000 }),
    }),
  )
  .map(([instructions, model, tools, turns, withScript, fields]) => {
    tools.forEach((t, i) => (t.name = TOOL_NAMES[i]!));
    const script = turns.map(([kind, pick]) => {
      if (kind === 'tool_calls') {
        // A call to a tool of the step, or to the built-in question tool when it has none.
        const name = tools.length > 0 ? tools[pick % tools.length]!.name : ASK_USER_TOOL;
        return { tool_calls: [{ name, args: { to: 'ops@example.com' } }] };
      }
      if (kind === 'text') return { text: 'Done.' };
      if (kind === 'object') return { object: { ok: true, n: pick } };
      return { plan: '1. look up 2. refund' };
    });
    return {
      name: PLACEHOLDER,
      type: 'agent',
      instructions,
      model,
      ...fields,
      ...(tools.length > 0 ? { tools } : {}),
      // The scripted model needs its script; the others may carry one (used when HOLDPOINT_MODEL is unset).
      ...(model === 'scripted' || withScript ? { script } : {}),
    } as AgentStep;
  });

const BRANCH_KEYS = ['true', 'false', 'high', 'low', '3', 'a.b', 'with space'] as const;

const { step: stepArb } = fc.letrec<{ step: Step; steps: Step[]; condition: Step }>((tie) => ({
  step: fc.oneof(
    { depthSize: 'small', maxDepth: 2, depthIdentifier: 'definition-step' },
    taskArb,
    choiceArb('confirmation'),
    choiceArb('decision'),
    inputArb,
    questionArb,
    outputReviewArb,
    agentArb,
    tie('condition'),
  ),
  steps: fc.array(tie('step'), { minLength: 1, maxLength: 2, depthIdentifier: 'definition-step' }),
  condition: fc
    .tuple(
      expressionArb,
      fc.uniqueArray(fc.constantFrom(...BRANCH_KEYS), { minLength: 1, maxLength: 2 }),
      fc.array(tie('steps'), { minLength: 2, maxLength: 2 }),
      fc.option(tie('steps'), { nil: undefined }),
      optional({ title: textArb, description: textArb }),
    )
    .map(([expression, keys, lists, otherwise, fields]) => ({
      name: PLACEHOLDER,
      type: 'condition' as const,
      expression,
      ...fields,
      branches: Object.fromEntries(keys.map((k, i) => [k, lists[i]!])),
      ...(otherwise ? { otherwise } : {}),
    })),
}));

/**
 * Names every step uniquely (`<prefix><n>` in document order) and points each output review at a task
 * that surely ran before it: an earlier step of its own list or of an enclosing one (a task inside a
 * condition's branch may not have run, so it is not offered to the steps after the condition).
 */
function finalize(definition: Definition, prefix: string): Definition {
  const copy = structuredClone(definition);
  let n = 0;
  const walk = (steps: Step[], ranBefore: string[]) => {
    const known = [...ranBefore];
    for (const step of steps) {
      step.name = `${prefix}${n++}`;
      if (step.type === 'output_review') step.review = known[Number(step.review.slice(1)) % known.length]!;
      if (step.type === 'condition') {
        for (const branch of Object.values(step.branches)) walk(branch, known);
        if (step.otherwise) walk(step.otherwise, known);
      }
      if (step.type === 'task') known.push(step.name);
    }
  };
  walk(copy.steps, []);
  return copy;
}

/** Name prefixes; none is `mutant`, the name the mutation tests give the steps they add. */
const PREFIXES = ['s', 'step_', 'Gate-', 'x', 'T'] as const;

/** A definition the validator must accept. Its first step is a task, so every review has one to review. */
export const validDefinitionArb: fc.Arbitrary<Definition> = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/),
    fc.constantFrom(...PREFIXES),
    taskArb,
    fc.array(stepArb, { maxLength: 3 }),
    optional({ title: textArb, description: textArb, version: fc.constantFrom('v1', '2024-06', '3'), input_schema: schemaArb, max_lifetime: durationArb, result: expressionArb }),
  )
  .map(([name, prefix, first, rest, fields]) => finalize({ name, ...fields, steps: [first, ...rest] } as Definition, prefix));

// ── walking a definition ─────────────────────────────────────────────────────

export interface Located<T> {
  /** The JSON path the validator uses: `steps[1].branches.high[0]`. */
  path: string;
  value: T;
}

/** Every step with its path, in the validator's document order. */
export function stepsOf(definition: Pick<Definition, 'steps'>): Located<Step>[] {
  const out: Located<Step>[] = [];
  const walk = (steps: Step[], base: string) =>
    steps.forEach((step, i) => {
      const path = `${base}[${i}]`;
      out.push({ path, value: step });
      if (step.type === 'condition') {
        for (const [key, branch] of Object.entries(step.branches)) walk(branch, `${path}.branches.${key}`);
        if (step.otherwise) walk(step.otherwise, `${path}.otherwise`);
      }
    });
  walk(definition.steps, 'steps');
  return out;
}

/** Every list of steps (the definition's, each branch, each `otherwise`) with its path. */
export function stepListsOf(definition: Pick<Definition, 'steps'>): Located<Step[]>[] {
  const lists: Located<Step[]>[] = [{ path: 'steps', value: definition.steps }];
  for (const { path, value } of stepsOf(definition)) {
    if (value.type !== 'condition') continue;
    for (const [key, branch] of Object.entries(value.branches)) lists.push({ path: `${path}.branches.${key}`, value: branch });
    if (value.otherwise) lists.push({ path: `${path}.otherwise`, value: value.otherwise });
  }
  return lists;
}

/** The handlers a definition uses (tasks and agent tools): a worker registering them all must accept it. */
export function handlersOf(definition: Pick<Definition, 'steps'>): Set<string> {
  const handlers = new Set<string>();
  for (const { value } of stepsOf(definition)) {
    if (value.type === 'task') handlers.add(value.handler);
    if (value.type === 'agent') for (const tool of value.tools ?? []) if (tool.handler) handlers.add(tool.handler);
  }
  return handlers;
}
