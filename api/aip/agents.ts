import { v5 as uuidv5 } from 'uuid';
import type { Definition } from '../../src/contracts/definition';
import type { AipAgent, AipAgentTool } from '../../src/contracts/http/aip';
import type { ListedDefinition } from '../../src/core/definitions';

/** Namespace of the stable agent ids: the same workflow name is the same UUID on every gateway. */
const AGENT_ID_NAMESPACE = '5b0f4c1e-6a0e-4b8e-9d9f-2f1d0c7a9e31';

/** GL AIP's agents are UUIDs (its client upserts by UUID); holdpoint's are workflow names. */
export function agentIdOf(workflow: string): string {
  return uuidv5(workflow, AGENT_ID_NAMESPACE);
}

/** An agent as GL AIP lists and reads it (`AgentResponse`): one per workflow a run can start from. */
export function presentAgent(listed: ListedDefinition): AipAgent {
  const definition = listed.definition;
  const tools = definition ? agentTools(definition) : [];
  return {
    id: agentIdOf(listed.name),
    name: listed.name,
    instruction: listed.description ?? listed.title ?? `holdpoint workflow ${listed.name}`,
    description: listed.description ?? listed.title ?? null,
    type: 'config',
    framework: 'holdpoint',
    version: String(listed.version ?? definition?.version ?? '1'),
    tools,
    agents: [],
    mcps: [],
    metadata: {
      type: 'holdpoint_workflow',
      workflow: listed.name,
      source: listed.source,
      hash: listed.hash,
      ...(listed.title ? { title: listed.title } : {}),
      ...(listed.retired ? { retired: true } : {}),
    },
    agent_config: { hitl_enabled: tools.some((t) => t.hitl !== undefined) || (definition ? hasPause(definition) : true) },
    ...(listed.updated_at ? { created_at: listed.updated_at, updated_at: listed.updated_at } : {}),
  };
}

/** The tools of a workflow's agent steps, and the human steps GL AIP would call HITL tools. */
function agentTools(definition: Definition): AipAgentTool[] {
  const tools: AipAgentTool[] = [];
  for (const step of allSteps(definition)) {
    if (step.type !== 'agent') continue;
    for (const tool of step.tools ?? []) {
      const hitl = tool.requires_confirmation ? 'confirmation' : tool.requires_user_input ? 'user_input' : tool.external_execution ? 'external_execution' : undefined;
      tools.push({ name: tool.name, ...(tool.description ? { description: tool.description } : {}), step: step.name, ...(hitl ? { hitl } : {}) });
    }
  }
  return tools;
}

type AnyStep = Definition['steps'][number];

function allSteps(definition: Definition): AnyStep[] {
  const out: AnyStep[] = [];
  const walk = (steps: AnyStep[]) => {
    for (const step of steps) {
      out.push(step);
      if (step.type === 'condition') {
        for (const branch of Object.values(step.branches)) walk(branch);
        if (step.otherwise) walk(step.otherwise);
      }
    }
  };
  walk(definition.steps);
  return out;
}

function hasPause(definition: Definition): boolean {
  return allSteps(definition).some((s) => s.type !== 'task' && s.type !== 'condition' && s.type !== 'agent');
}

/** Whether `id` names this workflow: its agent UUID, or the name itself. */
export function matchesAgent(id: string, workflow: string): boolean {
  return id === workflow || id.toLowerCase() === agentIdOf(workflow);
}
