import { z } from 'zod';

/** `admin` may do anything; the others one kind of work each (and all may read). */
export const Role = z.enum(['admin', 'operator', 'approver', 'viewer']);
export type Role = z.infer<typeof Role>;

/** What a caller may ask for. */
export type Action = 'read' | 'start' | 'cancel' | 'decide' | 'manage';

/** Which roles grant an action. */
export const ROLES_FOR: Record<Action, readonly Role[]> = {
  read: ['admin', 'operator', 'approver', 'viewer'],
  start: ['admin', 'operator'],
  cancel: ['admin', 'operator'],
  decide: ['admin', 'approver'],
  /** Configuration: webhooks, registered definitions, policies. */
  manage: ['admin'],
};

export const PrincipalId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'must be 1-128 letters, digits or "_.@-"');

export const GroupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/, 'must be 1-128 letters, digits or "_.@-"');

/** An authenticated caller: who (recorded on everything they do), what they may do, which groups they are in. */
export const Principal = z.object({
  id: PrincipalId,
  roles: z.array(Role).min(1, 'needs at least one role'),
  groups: z.array(GroupName).default([]),
});
export type Principal = z.infer<typeof Principal>;

/** One entry of HOLDPOINT_API_KEYS. */
export const ApiKeyEntry = z.strictObject({
  /** The secret; at least 16 characters. Compared in constant time, never logged. */
  key: z.string().min(16, 'must be at least 16 characters'),
  principal: PrincipalId,
  roles: z.array(Role).min(1, 'needs at least one role'),
  groups: z.array(GroupName).default([]),
});
export type ApiKeyEntry = z.infer<typeof ApiKeyEntry>;

/** The list itself, or `{keys: [...]}`. */
export const ApiKeyList = z.array(ApiKeyEntry).min(1, 'needs at least one key');
export const ApiKeyDocument = z.strictObject({ keys: ApiKeyList });
