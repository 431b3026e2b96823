import { ErrorType, HoldpointError } from '../contracts/errors';
import { ROLES_FOR, type Action, type Principal } from '../contracts/principal';

const WHAT: Record<Action, string> = { read: 'read runs', start: 'start runs', cancel: 'cancel runs', decide: 'decide', manage: 'change configuration (webhooks, definitions, policies)' };

/** Throws 403 naming the caller, their roles and the roles the action needs. */
export function authorize(actor: Principal, action: Action): void {
  const allowed = ROLES_FOR[action];
  if (actor.roles.some((r) => allowed.includes(r))) return;
  throw new HoldpointError(
    ErrorType.Forbidden,
    `${actor.id} (roles: ${actor.roles.join(', ')}) may not ${WHAT[action]}: that needs the ${allowed.filter((r) => r !== 'viewer').join(' or ')} role`,
    { rule: 'roles', needs: allowed, has: actor.roles },
  );
}
