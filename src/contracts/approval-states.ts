import type { PauseStatus } from './run';

/** The inbox's states of a pause. Zod-free so workflow code can use it without building schemas. */
export const APPROVAL_STATUSES = ['pending', 'decided', 'expired', 'skipped', 'cancelled'] as const;
export type ApprovalStatusName = (typeof APPROVAL_STATUSES)[number];

/** A pause's status as the inbox names it: a timed-out pause is `expired`. */
export const APPROVAL_STATUS_OF: Record<PauseStatus, ApprovalStatusName> = {
  pending: 'pending',
  decided: 'decided',
  timed_out: 'expired',
  skipped: 'skipped',
  cancelled: 'cancelled',
};
