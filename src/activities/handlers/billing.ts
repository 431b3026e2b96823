import { ApplicationFailure } from '@temporalio/activity';
import type { TaskHandler } from '../tasks';

/**
 * Example handlers for the `billing-cancel` definition (seed 000's billing ops agent): read-only
 * lookups, then the irreversible cancellation that only runs after a person confirms it.
 */

const PLANS: Record<string, { plan: string; monthly: number }> = {
  'sub-basic': { plan: 'Basic', monthly: 29 },
  'sub-pro': { plan: 'Pro', monthly: 99 },
  'sub-team': { plan: 'Team', monthly: 249 },
};

export const lookupCustomer: TaskHandler = ({ customerId }: { customerId: string }) => ({
  customerId,
  name: `Customer ${customerId}`,
  since: '2023-04-01',
  plan_count: Object.keys(PLANS).length,
});

export const listSubscriptions: TaskHandler = ({ customerId }: { customerId: string }) =>
  Object.entries(PLANS).map(([id, plan]) => ({ id, customerId, ...plan, status: 'active' }));

export const cancelSubscription: TaskHandler = ({ customerId, subscriptionId }: { customerId: string; subscriptionId: string }) => {
  const plan = PLANS[subscriptionId];
  if (!plan) throw ApplicationFailure.nonRetryable(`no subscription ${subscriptionId} for ${customerId}`, 'SubscriptionNotFound');
  return { customerId, subscriptionId, plan: plan.plan, status: 'cancelled', refund: 0 };
};
