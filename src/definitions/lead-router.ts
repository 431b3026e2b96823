import type { Definition } from '../contracts/definition';

/** Seed 002's example: classify a lead, have sales ops confirm the routing, then route it. */
export const leadRouter: Definition = {
  name: 'lead-router',
  title: 'Lead router',
  description: 'Classifies an inbound lead, asks sales ops to confirm the routing, then assigns or escalates it.',
  version: '1',
  input_schema: {
    type: 'object',
    properties: {
      leadId: { type: 'string', minLength: 1 },
      company: { type: 'string' },
      employees: { type: 'integer', minimum: 0 },
    },
    required: ['leadId'],
  },
  steps: [
    {
      name: 'classify',
      type: 'task',
      handler: 'classifyLead',
      input: { leadId: 'state.leadId', company: 'state.company', employees: 'state.employees' },
    },
    {
      name: 'approval',
      type: 'confirmation',
      message: 'Route to {{ steps.classify.output.category }} sales team?',
      options: ['approve', 'reject', 'escalate'],
      on_reject: 'continue',
      context: 'steps.classify.output',
      assignees: ['group:sales-ops'],
      timeout: '3d',
    },
    {
      name: 'route',
      type: 'condition',
      expression: 'steps.approval.output',
      branches: {
        approve: [
          {
            name: 'assign',
            type: 'task',
            handler: 'assignLead',
            input: { leadId: 'state.leadId', team: "steps.classify.output.category & '-sales'" },
          },
        ],
        escalate: [
          {
            name: 'escalate',
            type: 'task',
            handler: 'escalateLead',
            input: { leadId: 'state.leadId', category: 'steps.classify.output.category' },
          },
        ],
      },
      otherwise: [{ name: 'nurture', type: 'task', handler: 'assignLead', input: { leadId: 'state.leadId', team: "'nurture'" } }],
    },
  ],
  result: `{
    "leadId": state.leadId,
    "category": steps.classify.output.category,
    "decision": steps.approval.output,
    "routing": [steps.assign.output, steps.escalate.output, steps.nurture.output][0]
  }`,
};
