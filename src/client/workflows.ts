import { path, type Http } from './http';
import type { DefinitionInput, Registered, RegisterQuery, Retired, WorkflowDetail, WorkflowList, WorkflowListItem } from './types';

/** Workflow definitions: those a run can start from (loaded at start-up, or registered at runtime). */
export class Workflows {
  constructor(private readonly http: Http) {}

  async list(options: { includeRetired?: boolean } = {}): Promise<WorkflowListItem[]> {
    const query = options.includeRetired ? { retired: 'true' } : {};
    return (await this.http.json<WorkflowList>({ method: 'GET', path: '/workflows', query })).data;
  }

  /** One definition in full (a registered one at `version`, with its history). */
  get(name: string, options: { version?: number } = {}): Promise<WorkflowDetail> {
    return this.http.json({ method: 'GET', path: path`/workflows/${name}`, query: { version: options.version } });
  }

  /**
   * Registers a definition (admin) as its next version; the same content answers the version it has
   * (`created: false`). An invalid one is refused with 422 `invalid_definition`, every problem in
   * `details.problems` (`{ path, step?, field, message }`).
   */
  register(definition: DefinitionInput, query: RegisterQuery = {}): Promise<Registered> {
    return this.http.json({ method: 'POST', path: '/workflows', query, body: definition });
  }

  /** Retires a registered definition (admin): no new runs; running ones go on. */
  retire(name: string): Promise<Retired> {
    return this.http.json({ method: 'DELETE', path: path`/workflows/${name}` });
  }
}
