import type { Client } from '@temporalio/client';
import { ErrorType, HoldpointError } from '../contracts/errors';
import type { ToolPolicy } from '../contracts/interaction';
import { POLICIES_MEMO_KEY, POLICIES_WORKFLOW_TYPE, policiesWorkflowPrefix, scopeLabel, TOOL_NAME, type PoliciesSummary } from '../contracts/policies';
import type { Principal } from '../contracts/principal';
import { ToolPolicyStore } from '../temporal/tool-policies';
import { authorize } from './authorize';
import { fromTemporal } from './temporal-errors';
import { label, visiblePage } from './visibility';

/** Which policies a listing covers: one end user's, the account's, or all of them. */
export type PolicyScopeFilter = { user_id: string } | { account: true } | { all: true };

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$/;

/**
 * Tool pre-approvals per end user and for the whole account (and what `remember` keeps), each scope
 * an entity workflow. Permission mode `approval` asks them at every gate.
 */
export class Policies {
  private readonly store: ToolPolicyStore;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {
    this.store = new ToolPolicyStore(client, taskQueue);
  }

  /** Allows `tool` for `userId`'s runs (null: every run); the same pair again answers its existing policy. */
  async create(userId: string | null, tool: string, actor: Principal): Promise<ToolPolicy> {
    authorize(actor, 'manage');
    checkTool(tool);
    if (userId !== null) checkUser(userId);
    try {
      return await this.store.grant(userId, tool, 'api', actor.id);
    } catch (err) {
      throw fromTemporal(err, userId ?? 'account');
    }
  }

  /** Removes a policy of one scope; 404 when that scope has no such policy. */
  async delete(id: number, userId: string | null, actor: Principal): Promise<ToolPolicy> {
    authorize(actor, 'manage');
    if (userId !== null) checkUser(userId);
    if (!(await this.scope(userId)).some((p) => p.id === id)) {
      throw new HoldpointError(ErrorType.NotFound, `${scopeLabel(userId)} has no policy ${id}`, { policy_id: id, ...(userId !== null ? { user_id: userId } : {}) });
    }
    try {
      return await this.store.revoke(userId, id);
    } catch (err) {
      throw fromTemporal(err, userId ?? 'account');
    }
  }

  /** Policies, oldest first. One scope is read from its entity (current); all of them from visibility. */
  async list(filter: PolicyScopeFilter, actor: Principal): Promise<ToolPolicy[]> {
    authorize(actor, 'read');
    if ('user_id' in filter) return checkUser(filter.user_id) && this.scope(filter.user_id);
    if ('account' in filter) return this.scope(null);
    const clauses = [`WorkflowType = '${POLICIES_WORKFLOW_TYPE}'`, `WorkflowId STARTS_WITH '${label('task queue', policiesWorkflowPrefix(this.taskQueue))}'`, `ExecutionStatus = 'Running'`];
    const all: ToolPolicy[] = [];
    let cursor: string | undefined;
    do {
      const page = await visiblePage(this.client, clauses, 100, cursor, POLICIES_MEMO_KEY);
      const summaries = page.runs.map((run) => run.memo as unknown as PoliciesSummary | undefined).filter((m) => m !== undefined);
      // A scope whose list did not fit its memo is read from its entity (those of a page at once).
      const lists = await Promise.all(summaries.map((m) => m.policies ?? (m.count ? this.scope(m.user_id) : [])));
      all.push(...lists.flat());
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return all.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  }

  /** One scope's policies, read from its entity; 503 when it does not answer (no worker, Temporal away). */
  private async scope(userId: string | null): Promise<ToolPolicy[]> {
    try {
      return await this.store.list(userId);
    } catch (err) {
      throw new HoldpointError(ErrorType.Unavailable, `could not read the tool policies of ${scopeLabel(userId)} just now (${err instanceof Error ? err.message : String(err)}); try again`, {
        ...(userId !== null ? { user_id: userId } : {}),
      });
    }
  }
}

function checkTool(tool: string): void {
  if (!TOOL_NAME.test(tool)) throw new HoldpointError(ErrorType.InvalidRequest, 'tool: must be a tool name (letters, digits, "_", "-", ".", ":")', { field: 'tool' });
}

function checkUser(userId: string): true {
  if (!USER_ID.test(userId)) throw new HoldpointError(ErrorType.InvalidRequest, 'user_id: must be 1-200 letters, digits or "_.:@-"', { field: 'user_id' });
  return true;
}
