import type { Definition } from '../contracts/definition';
import { ErrorType, HoldpointError } from '../contracts/errors';
import { digestOf as contentHash } from '../lib/digest';
import { validateDefinition, type ValidateOptions } from './validate';

/** A validated definition with its identity. */
export interface CatalogEntry {
  definition: Definition;
  /** `sha256:<hex>` of the canonical definition; runs pin it. */
  hash: string;
  /** Where it came from: `shipped`, or a file path. */
  source: string;
}

/** The definitions a gateway can start runs of, by name. */
export class DefinitionCatalog {
  private readonly entries = new Map<string, CatalogEntry>();

  constructor(private readonly options: ValidateOptions = {}) {}

  /** Validates and adds a definition; a second definition with the same name is an error. */
  add(raw: unknown, source: string): CatalogEntry {
    let definition: Definition;
    try {
      definition = validateDefinition(raw, this.options);
    } catch (err) {
      if (err instanceof HoldpointError) throw new HoldpointError(err.type, `${source}: ${err.message}`, { ...err.details, source });
      throw err;
    }
    const existing = this.entries.get(definition.name);
    if (existing) {
      throw new HoldpointError(
        ErrorType.InvalidDefinition,
        `${source}: a definition named "${definition.name}" is already loaded from ${existing.source}`,
        { source, name: definition.name },
      );
    }
    const entry = { definition, hash: contentHash(definition), source };
    this.entries.set(definition.name, entry);
    return entry;
  }

  get(name: string): CatalogEntry {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new HoldpointError(ErrorType.NotFound, `no workflow named "${name}"; GET /v1/workflows lists them`, { workflow: name });
    }
    return entry;
  }

  list(): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  }
}
