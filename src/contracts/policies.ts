import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PolicySource, ToolPolicy } from './interaction';
import { numericId } from './numeric-id';

/**
 * Tool pre-approvals (and what `remember` keeps): one entity workflow per scope,
 * `<task queue>.policies.account` and `<task queue>.policies.user.<user_id>`, so one end user's
 * policies are one small state and a gate asks two queries at most. Zod-free.
 */
export const POLICIES_WORKFLOW_TYPE = 'holdpointToolPolicies';
export const POLICIES_MEMO_KEY = 'holdpoint_policies';

export function policiesWorkflowId(taskQueue: string, userId: string | null): string {
  return userId === null ? `${taskQueue}.policies.account` : `${taskQueue}.policies.user.${userId}`;
}

export function policiesWorkflowPrefix(taskQueue: string): string {
  return `${taskQueue}.policies.`;
}

/** A policy's id: the same scope and tool always give the same number (so creating one is idempotent). */
export function policyId(userId: string | null, tool: string): number {
  return numericId(`policy\n${userId ?? ''}\n${tool}`);
}

export interface PoliciesInput {
  user_id: string | null;
  /** Set by continue-as-new. */
  carried?: ToolPolicy[];
}

export interface GrantRequest {
  tool: string;
  source: PolicySource;
  by: string;
  at: string;
}

/** What the memo carries for listings. */
export interface PoliciesSummary {
  user_id: string | null;
  policies: ToolPolicy[];
}

/** Allows a tool in this scope; the same tool again answers the policy it has. */
export const grantPolicyUpdate = defineUpdate<ToolPolicy, [GrantRequest]>('grant');
/** Removes a policy by id; refused (not found) when this scope has none with that id. */
export const revokePolicyUpdate = defineUpdate<ToolPolicy, [{ id: number }]>('revoke');
export const getPoliciesQuery = defineQuery<ToolPolicy[]>('getPolicies');
