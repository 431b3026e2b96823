import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type * as Validate from '../../catalog/validate';
import type { DefinitionProblem } from '../../catalog/validate';
import type * as Errors from '../../contracts/errors';
import type * as Yaml from 'yaml';
import { flag, int, list as listOf, type Command } from '../command';
import { CliFailure, Exit, UsageError } from '../exit';
import { fields, table } from '../format';
import { indent } from '../views';

const list: Command = {
  group: 'definitions',
  name: 'list',
  args: '',
  summary: 'The workflows a run can start from (loaded at start-up, and registered).',
  options: { retired: { type: 'boolean', help: 'include retired ones' } },
  positionals: { min: 0, max: 0 },
  async run(ctx, values) {
    const items = await ctx.client().workflows.list({ includeRetired: flag(values, 'retired') });
    ctx.print(items, () =>
      items.length === 0
        ? 'No workflows.'
        : table(['NAME', 'TITLE', 'SOURCE', 'VERSION', 'STEPS', 'HASH'], items.map((w) => [w.name + (w.retired ? ' (retired)' : ''), w.title, w.source, w.revision ?? w.version, w.steps?.map((s) => s.name).join(' → '), w.hash.slice(0, 19)])),
    );
    return Exit.Ok;
  },
};

const show: Command = {
  group: 'definitions',
  name: 'show',
  args: '<name>',
  summary: 'One workflow in full: its steps and definition (a registered one at --version).',
  options: { version: { type: 'string', value: 'N', help: 'a registered workflow\'s version' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [name]) {
    const version = int(values, 'version');
    const detail = await ctx.client().workflows.get(name!, version ? { version } : {});
    ctx.print(detail, () =>
      [
        fields([
          ['name', detail.name],
          ['title', detail.title],
          ['description', detail.description],
          ['source', detail.source],
          ['version', detail.revision ?? detail.version],
          ['hash', detail.hash],
          ['retired', detail.retired ? 'yes' : undefined],
        ]),
        '',
        table(['STEP', 'TYPE', 'TITLE'], detail.steps.map((s) => [s.name, s.type, s.title])),
        '',
        'definition:',
        indent(JSON.stringify(detail.definition, null, 2)),
      ].join('\n'),
    );
    return Exit.Ok;
  },
};

const validate: Command = {
  group: 'definitions',
  name: 'validate',
  args: '<file>',
  summary: 'Check a definition file (YAML or JSON) with the validator the gateway uses; offline.',
  details: 'Prints each problem with its path and the rule it breaks; exit 1 if there is any.\nTask handler names are checked only when --handlers lists the worker\'s.',
  options: { handlers: { type: 'string', value: 'LIST', multiple: true, help: 'the task handlers the worker registers, comma-separated' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [file]) {
    let text: string;
    try {
      text = await readFile(file!, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const handlers = listOf(values, 'handlers');
    const { name, problems } = check(file!, text, handlers);
    const ok = problems.length === 0;
    ctx.print({ file, ok, ...(name ? { name } : {}), problems }, () =>
      ok
        ? `OK: ${file} is a valid definition${name ? ` of "${name}"` : ''}${handlers ? '' : ' (task handler names not checked; see --handlers)'}`
        : [`INVALID: ${file}${name ? ` ("${name}")` : ''} has ${problems.length} problem(s):`, table(['PATH', 'STEP', 'RULE'], problems.map((p) => [p.path || '(file)', p.step, p.message]), 100)].join('\n'),
    );
    if (!ok) throw new CliFailure('the definition is invalid', Exit.Refused, true);
    return Exit.Ok;
  },
};

/** Parses as the gateway's loader does (JSON for .json, YAML otherwise) and validates with the gateway's validator. */
function check(file: string, text: string, handlers: string[] | undefined): { name?: string; problems: DefinitionProblem[] } {
  // Loaded here, not at start-up: they are heavy and only this command needs them. (`require`, not
  // `import()`: under tsx the latter is Node's ESM loader, which does not resolve extensionless paths.)
  const { parse: parseYaml } = require('yaml') as typeof Yaml;
  const { validateDefinition } = require('../../catalog/validate') as typeof Validate;
  const { HoldpointError } = require('../../contracts/errors') as typeof Errors;
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const kind = extname(file) === '.json' ? 'JSON' : 'YAML';
    return { problems: [{ path: '', field: '', message: `not valid ${kind}: ${(err as Error).message.split('\n')[0]}` }] };
  }
  const name = raw && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : undefined;
  try {
    validateDefinition(raw, handlers ? { knownHandlers: new Set(handlers) } : {});
    return { ...(name ? { name } : {}), problems: [] };
  } catch (err) {
    if (err instanceof HoldpointError && Array.isArray(err.details.problems)) return { ...(name ? { name } : {}), problems: err.details.problems as DefinitionProblem[] };
    throw err;
  }
}

export const definitionCommands: Command[] = [list, show, validate];
