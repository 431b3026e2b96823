import type { z } from 'zod';
import { modelLabel, parseModelRef } from '../../src/contracts/agent';
import type { AgentStep, Step } from '../../src/contracts/definition';
import type { AgentOsAgent, AgentOsConfig, AgentOsWorkflow, AgentOsWorkflowStep, AgentOsWorkflowSummary } from '../../src/contracts/http/agentos';
import type { ListedDefinition, ResolvedDefinition } from '../../src/core';

/**
 * holdpoint's definitions as AgentOS workflows: `WorkflowSummaryResponse` (listings, `/config`) and
 * `WorkflowResponse` (one workflow). The workflow id is the definition's name; its name is the title.
 * Definitions registered at runtime are AgentOS "components" (made in a builder, kept in the DB).
 */

/** The one "database" AgentOS clients are told about: Temporal, which holds every run and session. */
export const DB_ID = 'holdpoint-temporal';

export function workflowSummary(listed: ListedDefinition): z.input<typeof AgentOsWorkflowSummary> {
  const registered = listed.source === 'registered';
  return {
    id: listed.name,
    name: listed.title ?? listed.name,
    ...(listed.description ? { description: listed.description } : {}),
    db_id: DB_ID,
    is_factory: false,
    is_component: registered,
    ...(registered && listed.version !== undefined ? { current_version: listed.version, stage: 'published' } : {}),
    sandboxed: false,
  };
}

export function workflowDetail(resolved: ResolvedDefinition): z.input<typeof AgentOsWorkflow> {
  const { definition } = resolved;
  const registered = resolved.source === 'registered';
  return {
    id: definition.name,
    name: definition.title ?? definition.name,
    db_id: DB_ID,
    ...(definition.description ? { description: definition.description } : {}),
    ...(definition.input_schema ? { input_schema: definition.input_schema } : {}),
    steps: definition.steps.map(stepDict),
    ...(definition.version ? { metadata: { version: definition.version } } : {}),
    workflow_agent: false,
    is_factory: false,
    is_component: registered,
    ...(registered && resolved.version !== undefined ? { current_version: resolved.version, stage: 'published' } : {}),
    sandboxed: false,
  };
}

/** A step as `Workflow.to_dict_for_steps` writes it; conditions hold their branch steps. */
function stepDict(step: Step): z.input<typeof AgentOsWorkflowStep> {
  const base = { name: step.name, ...(step.description ? { description: step.description } : {}) };
  if (step.type === 'condition') {
    return {
      ...base,
      type: 'Condition',
      steps: Object.values(step.branches).flat().map(stepDict),
      ...(step.otherwise ? { else_steps: step.otherwise.map(stepDict) } : {}),
    };
  }
  if (step.type === 'agent') return { ...base, type: 'Step', agent: agentDict(step) };
  return { ...base, type: 'Step' };
}

/** An agent step as AgentOS' `AgentResponse`: its model, its tools (with their HITL flags). */
function agentDict(step: AgentStep): z.input<typeof AgentOsAgent> {
  const model = parseModelRef(step.model);
  return {
    id: step.name,
    name: step.title ?? step.name,
    db_id: DB_ID,
    filesystem: false,
    is_factory: false,
    model: { name: model.provider, model: model.name, provider: modelLabel(model) },
    tools: {
      tools: (step.tools ?? []).map((tool) => ({
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.input_schema ?? { type: 'object', properties: {} },
        ...(tool.requires_confirmation || tool.approval === 'required' ? { requires_confirmation: true } : {}),
        ...(tool.requires_user_input ? { requires_user_input: true, user_input_fields: tool.user_input_fields ?? Object.keys((tool.input_schema?.properties as object | undefined) ?? {}) } : {}),
        ...(tool.external_execution ? { external_execution: true } : {}),
        ...(tool.approval ? { approval_type: tool.approval } : {}),
      })),
    },
    system_message: { instructions: step.instructions },
    is_component: false,
    sandboxed: false,
  };
}

/** `ConfigResponse`: the required lists, and holdpoint's workflows. */
export function configResponse(workflows: z.input<typeof AgentOsWorkflowSummary>[]): z.input<typeof AgentOsConfig> {
  return {
    os_id: 'holdpoint',
    name: 'holdpoint',
    description: 'Durable human-in-the-loop workflows on Temporal',
    available_models: [],
    os_database: DB_ID,
    databases: [DB_ID],
    agents: [],
    teams: [],
    workflows,
    interfaces: [],
    company: null,
  };
}
