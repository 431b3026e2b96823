import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PolicySource, ToolPolicy } from '../contracts/interaction';
import { getPoliciesQuery, grantPolicyUpdate, POLICIES_WORKFLOW_TYPE, policiesWorkflowId, revokePolicyUpdate } from '../contracts/policies';

/**
 * The tool-policy entities as the host reaches them (the core's routes and the gate activities): one
 * place that knows their ids, how they start, and that a scope with no entity has no policies.
 */
export class ToolPolicyStore {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Allows a tool in a scope, starting the scope's entity if it has none; idempotent. */
  grant(userId: string | null, tool: string, source: PolicySource, by: string): Promise<ToolPolicy> {
    return this.client.workflow.executeUpdateWithStart(grantPolicyUpdate, {
      args: [{ tool, source, by, at: new Date().toISOString() }],
      startWorkflowOperation: new WithStartWorkflowOperation(POLICIES_WORKFLOW_TYPE, {
        workflowId: policiesWorkflowId(this.taskQueue, userId),
        taskQueue: this.taskQueue,
        args: [{ user_id: userId }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: userId === null ? 'Tool pre-approvals: the account' : `Tool pre-approvals: end user ${userId}`,
      }),
    });
  }

  revoke(userId: string | null, id: number): Promise<ToolPolicy> {
    return this.client.workflow.getHandle(policiesWorkflowId(this.taskQueue, userId)).executeUpdate(revokePolicyUpdate, { args: [{ id }] });
  }

  /** One scope's policies; none when the scope has never had one. */
  async list(userId: string | null): Promise<ToolPolicy[]> {
    try {
      return await this.client.workflow.getHandle(policiesWorkflowId(this.taskQueue, userId)).query(getPoliciesQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return [];
      throw err;
    }
  }

  /** The policy allowing `tool` for this end user (theirs first, then the account's), if any. */
  async allowing(userId: string | undefined, tool: string): Promise<ToolPolicy | undefined> {
    const [user, account] = await Promise.all([userId ? this.list(userId) : Promise.resolve([]), this.list(null)]);
    return user.find((p) => p.tool === tool) ?? account.find((p) => p.tool === tool);
  }
}
