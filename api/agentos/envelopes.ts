import type { z } from 'zod';
import { parseModelRef } from '../../src/contracts/agent';
import type { AgentOsExecutorRun, AgentOsToolExecution } from '../../src/contracts/http/agentos';
import { epoch } from './http';
import { agentRunId, stepId } from './layout';
import type { TranslationScope } from './events';

/**
 * The keys every AgentOS stream event starts with, as Agno's event dataclasses declare them: workflow
 * events carry the workflow run; an agent step's events carry the agent's own run id and the workflow
 * run in `workflow_run_id`.
 */

export function workflowEvent(scope: TranslationScope, at: string, name: string, fields: Record<string, unknown> = {}, step?: string): Record<string, unknown> {
  const { runId, sessionId, workflow, layout } = scope;
  return {
    created_at: epoch(at),
    event: name,
    workflow_id: workflow,
    workflow_name: layout.title,
    session_id: sessionId,
    run_id: runId,
    ...(step ? { step_id: stepId(runId, step) } : {}),
    nested_depth: 0,
    ...fields,
  };
}

export function agentEvent(scope: TranslationScope, at: string, name: string, step: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const { runId, sessionId, workflow, layout } = scope;
  return {
    created_at: epoch(at),
    event: name,
    agent_id: step,
    agent_name: layout.stepTitle(step),
    run_id: agentRunId(runId, step),
    session_id: sessionId,
    workflow_id: workflow,
    workflow_run_id: runId,
    step_id: stepId(runId, step),
    step_name: step,
    step_index: layout.path(step),
    nested_depth: 0,
    ...fields,
  };
}

/** Where a step sits: its name, its index (a path inside a condition) and its container's step id. */
export function stepPlace(scope: TranslationScope, step: string): Record<string, unknown> {
  const place = scope.layout.place(step);
  return { step_name: step, step_index: scope.layout.path(step), ...(place?.parent ? { parent_step_id: stepId(scope.runId, place.parent) } : {}) };
}

export function executorFields(scope: TranslationScope, agentStep: string): Record<string, unknown> {
  return {
    executor_id: agentStep,
    executor_name: scope.layout.stepTitle(agentStep),
    executor_run_id: agentRunId(scope.runId, agentStep),
    executor_type: 'agent',
  };
}

/** An agent step's run while it is under way (paused at a tool, or running), as Agno's `RunOutput.to_dict()`. */
export function agentRunUnderway(
  scope: TranslationScope,
  at: string,
  agentStep: string,
  paused: { message: string } | undefined,
  tools: z.input<typeof AgentOsToolExecution>[],
): z.input<typeof AgentOsExecutorRun> {
  const { runId, sessionId, layout } = scope;
  const model = layout.agent(agentStep)?.model;
  const ref = model ? parseModelRef(model) : undefined;
  return {
    run_id: agentRunId(runId, agentStep),
    agent_id: agentStep,
    agent_name: layout.stepTitle(agentStep),
    session_id: sessionId,
    parent_run_id: runId,
    content: paused?.message ?? null,
    content_type: 'str',
    ...(ref ? { model: ref.name, model_provider: ref.provider } : {}),
    created_at: epoch(at),
    status: paused ? 'PAUSED' : 'RUNNING',
    workflow_step_id: stepId(runId, agentStep),
    tools,
  };
}
