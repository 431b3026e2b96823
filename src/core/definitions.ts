import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { CatalogEntry, DefinitionCatalog } from '../catalog/registry';
import { validateDefinition } from '../catalog/validate';
import type { Definition } from '../contracts/definition';
import {
  DEFINITION_MEMO_KEY,
  DEFINITION_WORKFLOW_TYPE,
  definitionWorkflowId,
  definitionWorkflowPrefix,
  getDefinitionQuery,
  getDefinitionStateQuery,
  registerDefinitionUpdate,
  retireDefinitionUpdate,
  type DefinitionSummary,
  type DefinitionVersion,
  type RegisterResult,
} from '../contracts/definition-registry';
import { ErrorType, HoldpointError } from '../contracts/errors';
import { getHubStateQuery, hubWorkflowId } from '../contracts/hub';
import type { Principal } from '../contracts/principal';
import { digestOf as contentHash } from '../lib/digest';
import { authorize } from './authorize';
import { fromTemporal } from './temporal-errors';
import { label, visiblePage } from './visibility';

/** A definition a run can start from: the exact content, its hash, and where it came from. */
export interface ResolvedDefinition {
  definition: Definition;
  hash: string;
  /** `shipped` / `file` (loaded at start-up) or `registered` (at runtime, with its version). */
  source: 'static' | 'registered';
  version?: number;
  retired?: boolean;
}

/** One entry of the workflows listing. */
export interface ListedDefinition {
  definition?: Definition;
  name: string;
  title?: string;
  description?: string;
  hash: string;
  source: 'static' | 'registered';
  version?: number;
  versions?: number;
  retired?: boolean;
  updated_at?: string;
}

export interface DefinitionsOptions {
  client: Client;
  taskQueue: string;
  /** The definitions loaded at start-up (shipped examples, HOLDPOINT_DEFINITIONS_DIR). */
  catalog: DefinitionCatalog;
  readTimeoutMs: number;
  clock?: () => Date;
}

/** How long a gateway trusts its copy of a registered definition (other gateways may register meanwhile). */
const CACHE_MS = 2_000;

/**
 * Every definition a run can start from: those loaded at start-up, and those registered at runtime,
 * each kept with all its versions in an entity workflow (Temporal is the only store).
 */
export class Definitions {
  private readonly cache = new Map<string, { at: number; value: DefinitionVersion & { retired: boolean } }>();

  constructor(private readonly options: DefinitionsOptions) {}

  get catalog(): DefinitionCatalog {
    return this.options.catalog;
  }

  /** What a start uses: a definition by name (and version, for a registered one). Retired ones refuse. */
  async resolve(name: string, version?: number): Promise<ResolvedDefinition> {
    const entry = this.staticEntry(name);
    if (entry) {
      if (version !== undefined && version !== 1) throw new HoldpointError(ErrorType.NotFound, `workflow "${name}" has one version, loaded at start-up`, { workflow: name, version });
      return { definition: entry.definition, hash: entry.hash, source: 'static' };
    }
    const found = await this.registered(name, version);
    if (found.retired) {
      throw new HoldpointError(ErrorType.RunEnded, `workflow "${name}" is retired: no new runs start (register a new version to bring it back)`, { workflow: name, retired: true });
    }
    return { definition: found.definition, hash: found.hash, source: 'registered', version: found.version };
  }

  /** One definition in full (for reading), retired or not. */
  async get(name: string, version: number | undefined, actor: Principal): Promise<ResolvedDefinition & { history?: Omit<DefinitionVersion, 'definition'>[] }> {
    authorize(actor, 'read');
    const entry = this.staticEntry(name);
    if (entry) return { definition: entry.definition, hash: entry.hash, source: 'static' };
    const found = await this.registered(name, version, true);
    const state = await this.query(name, (h) => h.query(getDefinitionStateQuery));
    return { definition: found.definition, hash: found.hash, source: 'registered', version: found.version, retired: found.retired, history: state.history };
  }

  /** Every definition: static ones, then registered ones from visibility (one call, their memos). */
  async list(actor: Principal, options: { includeRetired?: boolean } = {}): Promise<ListedDefinition[]> {
    authorize(actor, 'read');
    const listed: ListedDefinition[] = this.options.catalog.list().map(({ definition, hash }) => ({
      definition,
      name: definition.name,
      ...(definition.title ? { title: definition.title } : {}),
      ...(definition.description ? { description: definition.description } : {}),
      hash,
      source: 'static',
    }));
    const clauses = [`WorkflowType = '${DEFINITION_WORKFLOW_TYPE}'`, `WorkflowId STARTS_WITH '${label('task queue', definitionWorkflowPrefix(this.options.taskQueue))}'`, `ExecutionStatus = 'Running'`];
    let cursor: string | undefined;
    do {
      const page = await visiblePage(this.options.client, clauses, 100, cursor, DEFINITION_MEMO_KEY);
      for (const run of page.runs) {
        const summary = run.memo as unknown as DefinitionSummary | undefined;
        if (!summary || (summary.retired && !options.includeRetired)) continue;
        listed.push({
          name: summary.name,
          ...(summary.title ? { title: summary.title } : {}),
          ...(summary.description ? { description: summary.description } : {}),
          hash: summary.hash,
          source: 'registered',
          version: summary.current_version,
          versions: summary.versions,
          retired: summary.retired,
          updated_at: summary.updated_at,
        });
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return listed.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Validates a definition (naming every problem) and keeps it as the next version of its name; the
   * same content again answers the version it already has. Names loaded at start-up are not replaced.
   */
  async register(raw: unknown, actor: Principal, meta: { label?: string | undefined; notes?: string | undefined } = {}): Promise<RegisterResult & { name: string }> {
    authorize(actor, 'manage');
    const handlers = await this.knownHandlers();
    const definition = validateDefinition(raw, handlers ? { knownHandlers: handlers } : {});
    if (this.staticEntry(definition.name)) {
      throw new HoldpointError(ErrorType.IdempotencyConflict, `workflow "${definition.name}" is loaded at start-up (${this.staticEntry(definition.name)!.source}); register yours under another name`, {
        workflow: definition.name,
      });
    }
    const hash = contentHash(definition);
    const { client, taskQueue } = this.options;
    try {
      const result = await client.workflow.executeUpdateWithStart(registerDefinitionUpdate, {
        args: [{ definition, hash, by: actor.id, at: this.now(), ...(meta.label ? { label: meta.label } : {}), ...(meta.notes ? { notes: meta.notes } : {}) }],
        startWorkflowOperation: new WithStartWorkflowOperation(DEFINITION_WORKFLOW_TYPE, {
          workflowId: definitionWorkflowId(taskQueue, definition.name),
          taskQueue,
          args: [{ name: definition.name }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: `definition ${definition.name}`,
        }),
      });
      this.cache.clear();
      return { ...result, name: definition.name };
    } catch (err) {
      throw fromTemporal(err, definitionWorkflowId(taskQueue, definition.name));
    }
  }

  /** New runs stop; running ones go on with the version they pinned. */
  async retire(name: string, actor: Principal): Promise<DefinitionSummary> {
    authorize(actor, 'manage');
    if (this.staticEntry(name)) throw new HoldpointError(ErrorType.IdempotencyConflict, `workflow "${name}" is loaded at start-up; remove it from there instead`, { workflow: name });
    const summary = await this.query(name, (h) => h.executeUpdate(retireDefinitionUpdate, { args: [{ by: actor.id, at: this.now() }] }));
    this.cache.clear();
    return summary;
  }

  private staticEntry(name: string): CatalogEntry | undefined {
    return this.options.catalog.list().find((e) => e.definition.name === name);
  }

  private async registered(name: string, version?: number, fresh = false): Promise<DefinitionVersion & { retired: boolean }> {
    const key = `${name}@${version ?? 'current'}`;
    const cached = this.cache.get(key);
    if (!fresh && cached && Date.now() - cached.at < CACHE_MS) return cached.value;
    const state = await this.query(name, (h) => h.query(getDefinitionStateQuery));
    if (version !== undefined && !state.history.some((v) => v.version === version)) {
      throw new HoldpointError(ErrorType.NotFound, `workflow "${name}" has no version ${version} (it has ${state.history.map((v) => v.version).join(', ')})`, { workflow: name, version });
    }
    const found = await this.query(name, (h) => h.query(getDefinitionQuery, { ...(version !== undefined ? { version } : {}) }));
    const value = { ...found, retired: state.retired };
    this.cache.set(key, { at: Date.now(), value });
    return value;
  }

  private async query<T>(name: string, call: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>): Promise<T> {
    const id = definitionWorkflowId(this.options.taskQueue, name);
    try {
      return await this.options.client.withDeadline(Date.now() + this.options.readTimeoutMs, () => call(this.options.client.workflow.getHandle(id)));
    } catch (err) {
      const mapped = fromTemporal(err, id);
      if (mapped instanceof HoldpointError && mapped.type === ErrorType.NotFound) {
        throw new HoldpointError(ErrorType.NotFound, `no workflow named "${name}"; GET /v1/workflows lists them`, { workflow: name });
      }
      throw mapped;
    }
  }

  /** The task handlers workers have declared; undefined when none has (then handler names are not checked). */
  private async knownHandlers(): Promise<ReadonlySet<string> | undefined> {
    const handle = this.options.client.workflow.getHandle(hubWorkflowId(this.options.taskQueue));
    const state = await this.options.client.withDeadline(Date.now() + this.options.readTimeoutMs, () => handle.query(getHubStateQuery)).catch(() => undefined);
    return state?.handlers && state.handlers.length > 0 ? new Set(state.handlers) : undefined;
  }

  private now(): string {
    return (this.options.clock?.() ?? new Date()).toISOString();
  }
}
