import type { TaskHandlers } from '../../../src/activities/tasks';
import type { Definition } from '../../../src/contracts/definition';

/**
 * The agents (workflows) the m8tes tests run through the face. Scripted models, so every run is the
 * same: m8tes' story of an assistant that asks which region, looks the customer up and emails twice.
 */

/** Emails the tool "sent", keyed by each call's idempotency key (a retried call counts once). */
export const sentEmails = new Map<string, { to: string }>();

export const m8Handlers: TaskHandlers = {
  lookupAccount: (input: { customer: string }) => ({ customer: input.customer, plan: 'pro' }),
  sendEmail: (input: { to: string }, ctx) => {
    sentEmails.set(ctx.idempotencyKey, input);
    return { sent_to: input.to };
  },
};

const tools = [
  { name: 'lookup', handler: 'lookupAccount', description: 'Read a customer account.', input_schema: { type: 'object', properties: { customer: { type: 'string' } } } },
  { name: 'send_email', handler: 'sendEmail', description: 'Send an email.', input_schema: { type: 'object', properties: { to: { type: 'string' } } } },
];

/** Asks which region, looks the customer up, emails twice, answers. */
export const m8Assistant = {
  name: 'm8-assistant',
  title: 'Support mate',
  description: 'Asks, looks up, emails.',
  steps: [
    {
      name: 'assistant',
      type: 'agent',
      instructions: 'Help the customer.',
      model: 'scripted',
      tools,
      script: [
        { tool_calls: [{ name: 'AskUserQuestion', args: { questions: [{ question: 'Which region?', header: 'Region', options: [{ label: 'EU' }, { label: 'US', description: 'North America' }] }] } }] },
        { tool_calls: [{ name: 'lookup', args: { customer: 'acme' } }] },
        { tool_calls: [{ name: 'send_email', args: { to: 'a@acme.test' } }] },
        { tool_calls: [{ name: 'send_email', args: { to: 'b@acme.test' } }] },
        { text: 'Done: {{tool_result}}' },
      ],
    },
  ],
  result: 'steps.assistant.output',
} as unknown as Definition;

/** A question with a "(Recommended)" option: nobody answers, the run goes on with it after a second. */
export const m8Hurry = {
  name: 'm8-hurry',
  steps: [
    {
      name: 'assistant',
      type: 'agent',
      instructions: 'Help quickly.',
      model: 'scripted',
      question_timeout: '1s',
      script: [
        { tool_calls: [{ name: 'AskUserQuestion', args: { questions: [{ question: 'Which format?', header: 'Format', options: [{ label: 'PDF (Recommended)' }, { label: 'CSV' }] }] } }] },
        { text: 'Sent as {{tool_result}}' },
      ],
    },
  ],
  result: 'steps.assistant.output',
} as unknown as Definition;

/** A tool its definition always confirms (Agno's `requires_confirmation`), beside the permission mode's gates. */
export const m8Strict = {
  name: 'm8-strict',
  steps: [
    {
      name: 'assistant',
      type: 'agent',
      instructions: 'Wire money carefully.',
      model: 'scripted',
      tools: [{ name: 'wire', handler: 'sendEmail', requires_confirmation: true, input_schema: { type: 'object', properties: { to: { type: 'string' } } } }],
      script: [{ tool_calls: [{ name: 'wire', args: { to: 'bank' } }] }, { text: 'Wired: {{tool_result}}' }],
    },
  ],
  result: 'steps.assistant.output',
} as unknown as Definition;

/** Plain pause steps, no agent: a yes/no confirmation, a choice, and an input. */
export const m8Steps = {
  name: 'm8-steps',
  steps: [
    { name: 'confirm', type: 'confirmation', message: 'Ship it?', context: 'state', allow_self_approval: true },
    { name: 'pick', type: 'decision', title: 'Channel', message: 'Which channel?', options: ['email', 'sms'], allow_self_approval: true },
    { name: 'count', type: 'input', message: 'How many?', input_schema: { type: 'integer', minimum: 1 } },
  ],
  result: '{"channel": steps.pick.output, "count": steps.count.output}',
} as unknown as Definition;


/** Runs out of model turns after its first tool call: the run fails (`step_limit_exceeded`). */
export const m8Limited = {
  name: 'm8-limited',
  steps: [
    {
      name: 'assistant',
      type: 'agent',
      instructions: 'Look it up.',
      model: 'scripted',
      max_steps: 1,
      tools,
      script: [{ tool_calls: [{ name: 'lookup', args: { customer: 'acme' } }] }, { text: 'never said' }],
    },
  ],
} as unknown as Definition;

export const m8Definitions = [m8Assistant, m8Hurry, m8Strict, m8Steps, m8Limited];
