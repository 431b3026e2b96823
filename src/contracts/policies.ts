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

/**
 * The most policies one scope keeps. Each is a few hundred bytes of the entity's state, which is
 * carried whole through continue-as-new (Temporal refuses a payload above 2 MB); granting a new tool
 * beyond it is refused, naming the limit.
 */
export const MAX_POLICIES_PER_SCOPE = 1_000;

/**
 * Bytes the memo's list of policies may take: Temporal warns above 2 KiB of memo and refuses a
 * workflow task above 32 KiB. A longer list is left out (`count` stays) and listings read the scope.
 */
export const POLICIES_MEMO_BUDGET = 1_900;

/** What the memo carries for listings: the scope's policies while they fit, and always how many. */
export interface PoliciesSummary {
  user_id: string | null;
  /** Absent in memos written before it (their `policies` is the whole list). */
  count?: number;
  /** Absent when the list would not fit {@link POLICIES_MEMO_BUDGET}: read the scope's entity. */
  policies?: ToolPolicy[];
}

/** The memo for a scope's policies: the list when it fits the budget (UTF-8, as Temporal counts), else the count. */
export function policiesSummary(userId: string | null, policies: readonly ToolPolicy[]): PoliciesSummary {
  const full: PoliciesSummary = { user_id: userId, count: policies.length, policies: [...policies] };
  return new TextEncoder().encode(JSON.stringify(full)).length <= POLICIES_MEMO_BUDGET ? full : { user_id: userId, count: policies.length };
}

/** A scope as messages name it: "the account" or "user <id>". */
export function scopeLabel(userId: string | null): string {
  return userId === null ? 'the account' : `user ${userId}`;
}

/** What a tool name may be (as models and MCP servers name tools). */
export const TOOL_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/;

/** Why a grant is refused before history, or undefined: a tool name, and room for a new tool in the scope. */
export function grantRefusal(
  policies: readonly ToolPolicy[],
  tool: unknown,
  userId: string | null,
): { field?: string; rule?: string; limit?: number; message: string } | undefined {
  if (typeof tool !== 'string' || !TOOL_NAME.test(tool)) {
    return { field: 'tool', message: 'tool must be a tool name (letters, digits, "_", "-", ".", ":")' };
  }
  if (policies.length >= MAX_POLICIES_PER_SCOPE && !policies.some((p) => p.tool === tool)) {
    return { rule: 'policies_per_scope', limit: MAX_POLICIES_PER_SCOPE, message: `${scopeLabel(userId)} already has ${policies.length} policies, the most one scope keeps (${MAX_POLICIES_PER_SCOPE}); revoke one first` };
  }
  return undefined;
}

/** Allows a tool in this scope; the same tool again answers the policy it has. */
export const grantPolicyUpdate = defineUpdate<ToolPolicy, [GrantRequest]>('grant');
/** Removes a policy by id; refused (not found) when this scope has none with that id. */
export const revokePolicyUpdate = defineUpdate<ToolPolicy, [{ id: number }]>('revoke');
export const getPoliciesQuery = defineQuery<ToolPolicy[]>('getPolicies');
