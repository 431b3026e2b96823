import { path, type Http } from './http';
import { Paginated } from './paging';
import type { AuditEntry, AuditPage, AuditQuery, RunAudit } from './types';

/** Audit trails: entries across runs, and one run's trail with its hash chains verified. */
export class Audit {
  constructor(private readonly http: Http) {}

  /** Entries across runs (filtered by workflow, customer, type, who and time), across pages. */
  list(query: AuditQuery = {}): Paginated<AuditEntry, AuditPage> {
    return new Paginated((cursor) => this.http.json<AuditPage>({ method: 'GET', path: '/audit', query: { ...query, cursor } }));
  }

  /**
   * A run's trail (its own chain and its refusals) and the gateway's verification of both chains.
   * To trust the gateway less, recompute the chain from `entries` (each `hash` is the sha256 of the
   * entry's canonical JSON without it, and `prev_hash` links it to the one before).
   */
  verify(runId: string): Promise<RunAudit> {
    return this.http.json({ method: 'GET', path: path`/workflow-runs/${runId}/audit` });
  }
}
