import { validateDefinition } from '../../src/catalog/validate';
import { DefinitionCatalog } from '../../src/catalog/registry';
import { loadCatalog } from '../../src/catalog/load';
import { HoldpointError } from '../../src/contracts/errors';
import { shippedDefinitions } from '../../src/definitions';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

function problems(raw: unknown, knownHandlers?: string[]) {
  try {
    validateDefinition(raw, knownHandlers ? { knownHandlers: new Set(knownHandlers) } : {});
  } catch (err) {
    expect(err).toBeInstanceOf(HoldpointError);
    return { message: (err as HoldpointError).message, problems: (err as HoldpointError).details.problems as { step?: string; field: string; path: string; message: string }[] };
  }
  throw new Error('expected the definition to be refused');
}

const task = { name: 'fetch', type: 'task', handler: 'echo' };

describe('definition validation', () => {
  it('accepts the shipped examples', () => {
    for (const d of shippedDefinitions) expect(validateDefinition(d).name).toBe(d.name);
  });

  it('names the step and field of a shape error, also inside branches', () => {
    const result = problems({
      name: 'broken',
      steps: [
        task,
        { name: 'gate', type: 'confirmation', message: 'ok?', options: ['yes', 'yes'] },
        { name: 'split', type: 'condition', expression: 'x', branches: { a: [{ name: 'inner', type: 'task', handler: 'echo', timeout: '10 minutes' }] } },
      ],
    });
    expect(result.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ step: 'gate', field: 'options', path: 'steps[1].options', message: 'must not repeat an option' }),
        expect.objectContaining({ step: 'inner', field: 'timeout', path: 'steps[2].branches.a[0].timeout' }),
      ]),
    );
    expect(result.message).toContain('step "gate" options: must not repeat an option');
  });

  it('refuses unknown fields, so a typo cannot silently change behaviour', () => {
    const result = problems({ name: 'typo', steps: [{ name: 'gate', type: 'confirmation', message: 'ok?', on_timout: 'skip' }] });
    expect(result.problems[0]).toMatchObject({ step: 'gate' });
    expect(result.message).toMatch(/on_timout/);
  });

  it('checks what the schema cannot: unique names, expressions, timeout outcomes, schemas, handlers', () => {
    const result = problems(
      {
        name: 'semantic',
        result: 'steps.(',
        steps: [
          task,
          { ...task, input: { id: 'state.id +' } },
          { name: 'gate', type: 'decision', message: 'Pick {{ steps.fetch.output[ }}', options: ['a', 'b'], on_timeout: 'c', on_reject: 'fail' },
          { name: 'gate2', type: 'confirmation', message: 'ok?', options: ['go'], on_timeout: 'reject' },
          { name: 'form', type: 'input', message: 'value?', input_schema: { type: 'nonsense' }, on_timeout: 'approve' },
          { name: 'other', type: 'task', handler: 'notRegistered' },
        ],
      },
      ['echo'],
    );
    const byField = result.problems.map((p) => `${p.step ?? '-'}:${p.field}`);
    expect(byField).toEqual(
      expect.arrayContaining([
        '-:result',
        'fetch:name',
        'fetch:input.id',
        'gate:message',
        'gate:on_timeout',
        'gate:on_reject',
        'gate2:on_timeout',
        'form:input_schema',
        'form:on_timeout',
        'other:handler',
      ]),
    );
    expect(result.problems.find((p) => p.field === 'name')!.message).toBe('is already used by steps[0]; step names must be unique');
    expect(result.problems.find((p) => p.step === 'gate' && p.field === 'on_timeout')!.message).toMatch(/one of the options \("a", "b"\)/);
  });

  it('rejects two definitions with one name, and names both sources', () => {
    const catalog = new DefinitionCatalog();
    catalog.add({ name: 'dup', steps: [task] }, 'a.json');
    expect(() => catalog.add({ name: 'dup', steps: [task] }, 'b.json')).toThrow('b.json: a definition named "dup" is already loaded from a.json');
  });

  it('hashes by content: equal definitions share a hash, any change gives a new one', () => {
    const catalog = new DefinitionCatalog();
    const a = catalog.add({ name: 'one', steps: [task] }, 'x');
    const b = catalog.add({ steps: [task], name: 'two' }, 'y');
    expect(a.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.hash).not.toBe(b.hash);
    const c = new DefinitionCatalog().add({ steps: [{ handler: 'echo', type: 'task', name: 'fetch' }], name: 'one' }, 'z');
    expect(c.hash).toBe(a.hash);
  });

  it('loads JSON and YAML files from a directory, and says which file is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'defs-'));
    await writeFile(join(dir, 'a.json'), JSON.stringify({ name: 'from-json', steps: [task] }));
    await writeFile(join(dir, 'b.yaml'), 'name: from-yaml\nsteps:\n  - name: gate\n    type: confirmation\n    message: "Go?"\n');
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    const catalog = await loadCatalog({ directory: dir, includeShipped: false });
    expect(catalog.list().map((e) => e.definition.name)).toEqual(['from-json', 'from-yaml']);

    await writeFile(join(dir, 'c.yaml'), 'name: bad\nsteps: []\n');
    await expect(loadCatalog({ directory: dir, includeShipped: false })).rejects.toThrow(/c\.yaml: definition "bad" is invalid: steps: a definition needs at least one step/);
    await expect(loadCatalog({ directory: join(dir, 'missing') })).rejects.toThrow(/cannot read HOLDPOINT_DEFINITIONS_DIR/);
  });
});

describe('agent step validation', () => {
  const agent = (extra: Record<string, unknown>) => ({
    name: 'agentic',
    steps: [{ name: 'think', type: 'agent', instructions: 'Help {{ state.x }}.', model: 'scripted', script: [{ text: 'ok' }], ...extra }],
  });

  it('accepts a well-formed agent step, and every model form', () => {
    for (const model of ['scripted', 'default', 'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'openai-compatible:llama3.1', { provider: 'openai-compatible', name: 'qwen', base_url: 'http://localhost:11434/v1', api_key_env: 'OLLAMA_KEY' }]) {
      expect(validateDefinition(agent({ model })).name).toBe('agentic');
    }
  });

  it('names what is wrong with a model, a script, or a tool', () => {
    const result = problems(
      agent({
        model: 'scripted',
        script: [{ tool_calls: [{ name: 'nope', args: {} }] }],
        tools: [
          { name: 'run', handler: 'missingHandler', requires_confirmation: true, requires_user_input: true },
          { name: 'ext', handler: 'echo', external_execution: true },
          { name: 'audit_only', handler: 'echo', approval: 'audit' },
          { name: 'fill', handler: 'echo', user_input_fields: ['x'], input_schema: { type: 'object', properties: { y: {} } } },
          { name: 'late', handler: 'echo', requires_user_input: true, on_timeout: 'approve' },
          { name: 'late', handler: 'echo' },
        ],
      }),
      ['echo'],
    );
    const byField = Object.fromEntries(result.problems.map((p) => [p.field, p.message]));
    expect(byField['tools.run.handler']).toBe('"missingHandler" is not a registered task handler');
    expect(byField['tools.run.requires_confirmation']).toMatch(/one of requires_confirmation, requires_user_input and external_execution/);
    expect(byField['tools.ext.handler']).toMatch(/run by the caller/);
    expect(byField['tools.audit_only.approval']).toMatch(/needs requires_confirmation/);
    expect(byField['tools.fill.user_input_fields']).toMatch(/needs requires_user_input|"x" is not an argument/);
    expect(byField['tools.late.on_timeout']).toMatch(/cannot be approved by a timeout/);
    expect(byField['tools.late.name']).toBe('tool "late" is listed twice');
    expect(byField['script[0].tool_calls']).toBe('calls "nope", which is not a tool of the step');
    expect(result.problems.every((p) => p.step === 'think')).toBe(true);
  });

  it('requires a script for the scripted model, and refuses model strings it cannot place', () => {
    expect(problems({ name: 'a', steps: [{ name: 'think', type: 'agent', instructions: 'x', model: 'scripted' }] }).problems[0]).toMatchObject({ field: 'script', step: 'think' });
    expect(problems(agent({ model: 'gpt-4' })).problems[0]!.message).toMatch(/must be "<provider>:<model>"/);
    expect(problems(agent({ model: { provider: 'openai', name: 'x', api_key_env: 'sk-literal-key' } })).problems[0]!.message).toMatch(/environment variable name/);
  });
});
