import type { Definition } from '../contracts/definition';

/**
 * Seed 000 as an agent: a billing ops assistant with read-only lookup tools and an irreversible
 * `cancel_subscription` tool that asks a person first (Agno's `requires_confirmation`). The model is
 * `default`: HOLDPOINT_MODEL on the worker (e.g. `openai:gpt-4o-mini`) when set, otherwise the
 * script below, so the example runs offline too.
 */
export const billingAgent: Definition = {
  name: 'billing-agent',
  title: 'Billing ops agent',
  description: 'An agent that looks a customer up and cancels a subscription only after a person confirms.',
  version: '1',
  input_schema: {
    type: 'object',
    properties: { customerId: { type: 'string', minLength: 1 }, subscriptionId: { type: 'string', minLength: 1 } },
    required: ['customerId'],
  },
  steps: [
    {
      name: 'billing_ops',
      type: 'agent',
      title: 'Billing ops agent',
      instructions:
        'You are a billing operations assistant. Look the customer and their subscriptions up before you act. Cancelling is irreversible: call cancel_subscription only for the subscription the request names, and report what happened.',
      prompt: '{{ task }} (customer {{ state.customerId }}{{ state.subscriptionId ? ", subscription " & state.subscriptionId : "" }})',
      model: 'default',
      max_steps: 8,
      tools: [
        {
          name: 'lookup_customer',
          handler: 'lookupCustomer',
          description: "Read a customer's account.",
          input_schema: { type: 'object', properties: { customerId: { type: 'string' } }, required: ['customerId'] },
        },
        {
          name: 'list_subscriptions',
          handler: 'listSubscriptions',
          description: "List a customer's subscriptions.",
          input_schema: { type: 'object', properties: { customerId: { type: 'string' } }, required: ['customerId'] },
        },
        {
          name: 'cancel_subscription',
          handler: 'cancelSubscription',
          description: 'Cancel a subscription. Irreversible.',
          input_schema: {
            type: 'object',
            properties: { customerId: { type: 'string' }, subscriptionId: { type: 'string' } },
            required: ['customerId', 'subscriptionId'],
          },
          requires_confirmation: true,
          message: 'Cancel subscription {{ tool.args.subscriptionId }} of customer {{ tool.args.customerId }}? This cannot be undone.',
          assignees: ['group:billing-ops'],
          timeout: '24h',
          on_timeout: 'reject',
        },
      ],
      script: [
        { tool_calls: [{ name: 'lookup_customer', args: { customerId: '{{ state.customerId }}' } }, { name: 'list_subscriptions', args: { customerId: '{{ state.customerId }}' } }] },
        { tool_calls: [{ name: 'cancel_subscription', args: { customerId: '{{ state.customerId }}', subscriptionId: "{{ state.subscriptionId ? state.subscriptionId : 'sub-pro' }}" } }] },
        { text: 'Cancellation outcome: {{tool_result}}' },
      ],
    },
  ],
  result: 'steps.billing_ops.output',
};
