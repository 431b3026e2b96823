import type { TaskHandler } from '../tasks';

/**
 * Example handlers for the `lead-router` definition. They stand in for a CRM: the classification is a
 * simple rule on company size, and routing returns the queue a real integration would write to.
 */

interface LeadInput {
  leadId: string;
  company?: string;
  employees?: number;
}

export const classifyLead: TaskHandler = ({ leadId, company, employees }: LeadInput) => {
  const size = employees ?? 1_000;
  const category = size >= 1_000 ? 'enterprise' : size >= 100 ? 'mid-market' : 'smb';
  return { leadId, category, company: company ?? null, employees: size };
};

export const assignLead: TaskHandler = ({ leadId, team }: { leadId: string; team: string }) => ({
  leadId,
  team,
  queue: `crm://queues/${team}`,
});

export const escalateLead: TaskHandler = ({ leadId, category }: { leadId: string; category: string }) => ({
  leadId,
  escalatedTo: 'sales-director',
  reason: `${category} lead needs a director's routing call`,
});
