import type { ToolPolicy } from '../../src/contracts/interaction';
import { grantRefusal, MAX_POLICIES_PER_SCOPE, policiesSummary, policyId, POLICIES_MEMO_BUDGET } from '../../src/contracts/policies';

const policy = (tool: string, userId: string | null = 'cust_1'): ToolPolicy => ({
  id: policyId(userId, tool),
  tool,
  user_id: userId,
  source: 'api',
  created_by: 'admin',
  created_at: '2026-11-22T00:00:00.000Z',
});
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

describe("a tool-policy scope's memo", () => {
  it('carries the list while it fits, and the count always', () => {
    const few = [policy('lookup'), policy('send_email')];
    expect(policiesSummary('cust_1', few)).toEqual({ user_id: 'cust_1', count: 2, policies: few });
    expect(policiesSummary(null, [])).toEqual({ user_id: null, count: 0, policies: [] });
  });

  it('leaves the list out once it would pass the budget, at any size', () => {
    for (const n of [10, 50, MAX_POLICIES_PER_SCOPE]) {
      const many = Array.from({ length: n }, (_, i) => policy(`tool_${'x'.repeat(60)}_${i}`));
      const summary = policiesSummary('cust_1', many);
      expect(summary).toEqual({ user_id: 'cust_1', count: n });
      expect(bytes(summary)).toBeLessThanOrEqual(POLICIES_MEMO_BUDGET);
    }
  });

  it('counts bytes as UTF-8, as Temporal does', () => {
    // A user id of 2-byte characters: the list fits the budget counted in characters, not in bytes.
    const user = 'ü'.repeat(150);
    const list = Array.from({ length: 5 }, (_, i) => policy(`t${i}`, user));
    expect(JSON.stringify({ user_id: user, count: 5, policies: list }).length).toBeLessThanOrEqual(POLICIES_MEMO_BUDGET);
    expect(policiesSummary(user, list).policies).toBeUndefined();
  });
});

describe('granting a tool', () => {
  const full = Array.from({ length: MAX_POLICIES_PER_SCOPE }, (_, i) => policy(`tool_${i}`));

  it('refuses a name that is not a tool name, naming the field', () => {
    expect(grantRefusal([], 'no spaces', null)).toMatchObject({ field: 'tool' });
    expect(grantRefusal([], 42, null)).toMatchObject({ field: 'tool' });
    expect(grantRefusal([], 'crm.lookup:v2', null)).toBeUndefined();
  });

  it('refuses a new tool in a full scope, naming the limit; the same tool again still answers', () => {
    expect(grantRefusal(full, 'one_more', 'cust_1')).toEqual({
      rule: 'policies_per_scope',
      limit: MAX_POLICIES_PER_SCOPE,
      message: `user cust_1 already has ${MAX_POLICIES_PER_SCOPE} policies, the most one scope keeps (${MAX_POLICIES_PER_SCOPE}); revoke one first`,
    });
    expect(grantRefusal(full, 'tool_7', 'cust_1')).toBeUndefined();
    expect(grantRefusal(full.slice(1), 'one_more', null)).toBeUndefined();
  });
});
