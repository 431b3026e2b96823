/**
 * Rounds of an output review that needs several approvers (behavior 5): an edit of the reviewed output
 * starts a new round, and only the votes since it count. Used by the workflow's rules and by the
 * inbox and the faces alike, over a full pause or its memo summary.
 */

/** An output review's `{"edit": <the corrected output>}`, or undefined for any other value. */
export function editOf(value: unknown): { edit: unknown } | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.keys(value).length === 1 && Object.hasOwn(value, 'edit') ? (value as { edit: unknown }) : undefined;
}

/** The votes that count now: those from `round_from` on (all of them when no edit started a round). */
export function currentRound<V>(pause: { votes?: readonly V[] | undefined; round_from?: number | undefined }): V[] {
  return (pause.votes ?? []).slice(pause.round_from ?? 0);
}
