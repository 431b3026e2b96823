/**
 * Option names with a meaning of their own. Kept apart from the zod schemas so workflow code can use
 * them without building any schema.
 */

/** The options a choice pause offers when its definition names none. */
export const DEFAULT_OPTIONS = ['approve', 'reject'] as const;
/** The option whose choice counts as a rejection (see `on_reject`). */
export const REJECT_OPTION = 'reject';
/** The option whose choice counts as an approval (see `approvals_required`). */
export const APPROVE_OPTION = 'approve';
/** What an `output_review` step offers: approve as is, reject, or edit (`{"edit": <new output>}`). */
export const REVIEW_OPTIONS = ['approve', 'reject', 'edit'] as const;
