import { Duration } from '../../src/contracts/definition';
import { durationToMs } from '../../src/contracts/duration';
import { newRunId, parseRequestId, runIdForKey } from '../../src/core/ids';
import jsonata from 'jsonata';
import { ExpressionEngine } from '../../src/lib/expressions';
import { checkAgainstSchema } from '../../src/lib/json-schema';
import { loadConfig } from '../../src/config';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['1.5m', 90_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['2w', 1_209_600_000],
  ])('%s is %d ms', (text, ms) => {
    expect(Duration.parse(text)).toBe(text);
    expect(durationToMs(text)).toBe(ms);
  });

  it.each(['', '10', '10 minutes', '-1s', '0s', '1y'])('refuses %j', (text) => {
    expect(Duration.safeParse(text).success).toBe(false);
  });
});

describe('run and request ids', () => {
  it('makes sortable, unique run ids', () => {
    const a = newRunId(1_700_000_000_000);
    const b = newRunId(1_700_000_000_001);
    expect(a).toMatch(/^wfr_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(a < b).toBe(true);
    expect(newRunId(1)).not.toBe(newRunId(1));
  });

  it('derives the same run id from the same key, and different ones across scopes and workflows', () => {
    expect(runIdForKey('alice', 'flow', 'k1')).toBe(runIdForKey('alice', 'flow', 'k1'));
    expect(runIdForKey('alice', 'flow', 'k1')).not.toBe(runIdForKey('bob', 'flow', 'k1'));
    expect(runIdForKey('alice', 'flow', 'k1')).not.toBe(runIdForKey('alice', 'other', 'k1'));
    expect(runIdForKey('a', 'f', 'k')).toMatch(/^wfr_k[0-9A-Z]{26}$/);
  });

  it('reads the run back out of a request id', () => {
    expect(parseRequestId('wfr_01ABC.approval.2')).toEqual({ runId: 'wfr_01ABC', step: 'approval', n: 2 });
    expect(parseRequestId('order.42.confirm_cancel.1')).toEqual({ runId: 'order.42', step: 'confirm_cancel', n: 1 });
    expect(parseRequestId('nonsense')).toBeUndefined();
  });
});

describe('expressions and templates', () => {
  const engine = new ExpressionEngine();
  const ctx = { state: { name: 'Ada', n: 3 }, steps: { a: { output: { items: [1, 2] } } } };

  it('renders templates with JSON for non-strings and nothing for missing values', async () => {
    expect(await engine.render('Hi {{ state.name }}, {{ steps.a.output.items }}{{ state.missing }}!', ctx)).toBe('Hi Ada, [1,2]!');
  });

  it('evaluates mappings key by key', async () => {
    expect(await engine.evaluateMapping({ total: '$sum(steps.a.output.items) * state.n', who: 'state.name' }, ctx)).toEqual({ total: 9, who: 'Ada' });
  });

  it('reports parse errors with their position', () => {
    expect(() => engine.compile('state.(')).toThrow(/position/);
    expect(ExpressionEngine.placeholders('{{ a }} and {{b.c}}')).toEqual(['a', 'b.c']);
  });
});

describe('JSON Schema checks', () => {
  it('points at the failing field', () => {
    const schema = { type: 'object', properties: { items: { type: 'array', items: { type: 'integer' } } }, required: ['items'] };
    expect(checkAgainstSchema(schema, { items: [1, 'two'] })).toEqual([expect.objectContaining({ path: 'value.items[1]' })]);
    expect(checkAgainstSchema(schema, {})[0]!.message).toMatch(/items/);
    expect(checkAgainstSchema(schema, { items: [] })).toEqual([]);
  });
});

describe('configuration', () => {
  it('has laptop defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, temporal: { address: undefined, namespace: 'default', taskQueue: 'holdpoint' }, maxRunLifetimeMs: 30 * 86_400_000 });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', HOLDPOINT_MAX_RUN_LIFETIME: 'forever' })).toThrow(/PORT: .*\n.*HOLDPOINT_MAX_RUN_LIFETIME/);
  });
});

describe('plain field paths resolve exactly as JSONata would', () => {
  const ctx = {
    state: { leadId: 'l-1', n: 0, flag: false, nested: { deep: { value: 3 } }, list: [{ a: 1 }, { a: 2 }], word: 'abc', nothing: null },
    steps: { classify: { output: { category: 'enterprise' } } },
  };
  const fast = new ExpressionEngine();
  it.each([
    'state.leadId',
    'state.n',
    'state.flag',
    'state.nested.deep.value',
    'state.nested.deep',
    'state.list.a',
    'state.list',
    'state.word.length',
    'state.nothing',
    'state.nothing.x',
    'state.missing.deeper',
    'steps.classify.output.category',
    'steps',
    'state.and',
  ])('%s', async (source) => {
    const viaJsonata = await jsonata(source).evaluate(ctx);
    expect(await fast.evaluate(source, ctx)).toEqual(viaJsonata === undefined ? undefined : JSON.parse(JSON.stringify(viaJsonata)));
  });
});
