import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Definition } from '../contracts/definition';
import { ErrorType, HoldpointError } from '../contracts/errors';
import { shippedDefinitions } from '../definitions';
import { DefinitionCatalog } from './registry';
import type { ValidateOptions } from './validate';

const DEFINITION_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

export interface CatalogOptions extends ValidateOptions {
  /** Also load every `.json`, `.yaml` and `.yml` file of this directory. */
  directory?: string;
  /** Definitions given in code (tests, embedding applications). */
  extra?: readonly Definition[];
  /** Include the examples that ship with holdpoint. @default true */
  includeShipped?: boolean;
}

/** Builds the catalog: shipped examples, definitions given in code, then files; fails on the first bad one. */
export async function loadCatalog(options: CatalogOptions = {}): Promise<DefinitionCatalog> {
  const catalog = new DefinitionCatalog(options);
  if (options.includeShipped ?? true) for (const d of shippedDefinitions) catalog.add(d, `shipped definition ${d.name}`);
  for (const d of options.extra ?? []) catalog.add(d, `definition ${String((d as { name?: unknown }).name)}`);
  if (options.directory) {
    for (const file of await definitionFiles(options.directory)) catalog.add(await readDefinitionFile(file), file);
  }
  return catalog;
}

async function definitionFiles(directory: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (err) {
    throw new HoldpointError(ErrorType.InvalidDefinition, `cannot read HOLDPOINT_DEFINITIONS_DIR ${directory}: ${(err as Error).message}`);
  }
  return names
    .filter((n) => DEFINITION_EXTENSIONS.has(extname(n)))
    .sort()
    .map((n) => join(directory, n));
}

async function readDefinitionFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return extname(file) === '.json' ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (err) {
    throw new HoldpointError(ErrorType.InvalidDefinition, `${file}: not valid ${extname(file).slice(1).toUpperCase()}: ${(err as Error).message}`);
  }
}
