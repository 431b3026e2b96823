import type { Definition } from '../contracts/definition';

/** Seed 000's billing ops example: read-only lookups, then a confirmation before an irreversible cancel. */
export const billingCancel: Definition = {
  name: 'billing-cancel',
  title: 'Cancel a subscription',
  description: "Looks up the customer and their subscriptions, then cancels one only after a person confirms.",
  version: '1',
  input_schema: {
    type: 'object',
    properties: {
      customerId: { type: 'string', minLength: 1 },
      subscriptionId: { type: 'string', minLength: 1 },
    },
    required: ['customerId', 'subscriptionId'],
  },
  steps: [
    { name: 'lookup_customer', type: 'task', handler: 'lookupCustomer', input: { customerId: 'state.customerId' } },
    { name: 'lookup_subscriptions', type: 'task', handler: 'listSubscriptions', input: { customerId: 'state.customerId' } },
    {
      name: 'confirm_cancel',
      type: 'confirmation',
      title: 'Confirm the cancellation',
      message:
        'Cancel the {{ steps.lookup_subscriptions.output[id = $$.state.subscriptionId].plan }} subscription {{ state.subscriptionId }} of {{ steps.lookup_customer.output.name }}? This cannot be undone.',
      context: '{ "customer": steps.lookup_customer.output, "subscription": steps.lookup_subscriptions.output[id = $$.state.subscriptionId] }',
      assignees: ['group:billing-ops'],
      timeout: '24h',
      on_timeout: 'reject',
      on_reject: 'complete',
    },
    {
      name: 'cancel_subscription',
      type: 'task',
      handler: 'cancelSubscription',
      input: { customerId: 'state.customerId', subscriptionId: 'state.subscriptionId' },
      retry: { maximum_attempts: 3, non_retryable_errors: ['SubscriptionNotFound'] },
    },
  ],
  result: '{ "cancelled": steps.cancel_subscription.output }',
};
