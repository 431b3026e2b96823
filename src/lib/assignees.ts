/**
 * Assignees are principals (`alice`, `user:alice`) or groups (`group:finance`); no assignees means anyone
 * with the approver role. Used by the workflow's validator and by the inbox alike.
 */

/** Does this decider match one of the assignees? */
export function matchesAssignee(assignees: readonly string[], by: string | undefined, groups: readonly string[] = []): boolean {
  if (assignees.length === 0) return true;
  return assignees.some((a) => {
    if (a.startsWith('group:')) return groups.includes(a.slice(6));
    return by !== undefined && (a === by || a === `user:${by}`);
  });
}

/** Search-attribute keys for a pause's assignees: `user:<id>`, `group:<id>`, or `*` for anyone. */
export function assigneeKeys(assignees: readonly string[]): string[] {
  if (assignees.length === 0) return ['*'];
  return assignees.map((a) => (a.startsWith('group:') || a.startsWith('user:') ? a : `user:${a}`));
}

/** The keys that find what waits for a caller: their principal, their groups, and unassigned pauses. */
export function keysFor(principal: string, groups: readonly string[]): string[] {
  return [`user:${principal}`, ...groups.map((g) => `group:${g}`), '*'];
}
