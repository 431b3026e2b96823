import type { Client } from '@temporalio/client';
import { ErrorType, HoldpointError } from '../contracts/errors';
import type { Principal } from '../contracts/principal';
import type { AuditEntry, AuditEntryType } from '../contracts/run';
import { authorize } from './authorize';
import type { RunService } from './runs';
import { label, runsClauses, visiblePage } from './visibility';

export interface AuditListParams {
  workflow?: string | undefined;
  customer?: string | undefined;
  type?: AuditEntryType | undefined;
  /** Entries by this principal. */
  by?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Runs per page (each run's entries are read with one query). */
  limit: number;
  cursor?: string | undefined;
}

/**
 * Audit entries across runs: a page of runs from visibility (newest first), each run's trail read with a
 * query, then filtered. Entries come newest first within the page.
 */
export async function listAudit(client: Client, taskQueue: string, runs: RunService, params: AuditListParams, actor: Principal): Promise<{ entries: AuditEntry[]; next_cursor: string | null }> {
  authorize(actor, 'read');
  const clauses = runsClauses(taskQueue);
  if (params.workflow) clauses.push(`HoldpointWorkflow = '${label('workflow', params.workflow)}'`);
  if (params.customer) clauses.push(`HoldpointCustomer = '${label('customer', params.customer)}'`);
  // A run that closed before `since` can hold no entry after it; one that started after `until` none before.
  if (params.since) clauses.push(`(ExecutionStatus = 'Running' OR CloseTime >= '${params.since}')`);
  if (params.until) clauses.push(`StartTime <= '${params.until}'`);
  const page = await visiblePage(client, clauses, params.limit, params.cursor);

  const trails = await mapLimit(page.runs, 8, (run) => trailOf(runs, run.runId, actor));
  const entries = trails
    .flat()
    .filter((e) => (!params.type || e.type === params.type) && (!params.by || e.by === params.by))
    .filter((e) => (!params.since || e.at >= params.since) && (!params.until || e.at <= params.until))
    .sort((a, b) => b.at.localeCompare(a.at));
  return { entries, next_cursor: page.next_cursor };
}

/**
 * One listed run's trail. A run gone since the listing has none; a run that cannot be read right now
 * (a worker busy replaying it, Temporal briefly away) makes the page a 503 to retry, never a page that
 * silently lacks its entries.
 */
async function trailOf(runs: RunService, runId: string, actor: Principal): Promise<AuditEntry[]> {
  try {
    return await runs.audit(runId, actor);
  } catch (err) {
    if (err instanceof HoldpointError && err.type === ErrorType.NotFound) return [];
    if (err instanceof HoldpointError && err.type !== ErrorType.Internal) throw err;
    throw new HoldpointError(ErrorType.Unavailable, `the audit trail of run ${runId} could not be read just now; retry the request`, { run_id: runId });
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!);
      }
    }),
  );
  return results;
}
