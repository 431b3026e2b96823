import type { z } from 'zod';
import { parseModelRef, type AgentOutput, type ToolCallRecord } from '../../src/contracts/agent';
import type {
  AgentOsExecutorRun,
  AgentOsEvent,
  AgentOsRunOutput,
  AgentOsRunSchema,
  AgentOsStepOutput,
  AgentOsTokens,
  AgentOsToolExecution,
  AgentOsWorkflowMetrics,
} from '../../src/contracts/http/agentos';
import type { Pause, RunView, StepRecord } from '../../src/contracts/run';
import { epoch } from './http';
import { agentOsStatus, agentRunId, sessionOf, stepId, type StepLayout } from './layout';
import { requirementsOf, type Settled } from './requirements';

/**
 * A run in AgentOS' shapes: `WorkflowRunOutput.to_dict()` (runs, continue) and `WorkflowRunSchema`
 * (sessions). Keys whose value would be None are left out, as AgentOS does.
 */

type ToolExecution = z.input<typeof AgentOsToolExecution>;
type RunOutput = z.input<typeof AgentOsRunOutput>;

export interface RunScope {
  layout: StepLayout;
}

/** What a step did, as Agno's `StepOutput.to_dict()`. */
export function stepOutput(run: RunView, record: StepRecord, layout: StepLayout): z.input<typeof AgentOsStepOutput> {
  const step = layout.place(record.name)?.step;
  const agent = record.type === 'agent' ? (record.output as AgentOutput | undefined) : undefined;
  const content = agent ? (agent.object ?? agent.text) : record.type === 'condition' ? (record.branch ?? null) : (record.output ?? null);
  return {
    content: content ?? null,
    step_name: record.name,
    step_id: stepId(run.run_id, record.name),
    step_type: record.type === 'condition' ? 'Condition' : 'Step',
    executor_type: EXECUTOR_TYPE[record.type] ?? 'human',
    executor_name: step?.type === 'task' ? step.handler : record.type === 'agent' ? (record.title ?? record.name) : record.name,
    step_run_id: record.type === 'agent' ? agentRunId(run.run_id, record.name) : null,
    images: null,
    videos: null,
    audio: null,
    files: null,
    metrics: agent ? tokens(agent.usage) : null,
    success: record.status !== 'failed',
    error: record.error?.message ?? null,
    stop: false,
    is_paused: record.status === 'paused',
  };
}

const EXECUTOR_TYPE: Record<string, string> = { task: 'function', agent: 'agent', condition: 'condition' };

/** Steps that have finished (completed or failed), in the order they ran. */
export function stepResults(run: RunView, layout: StepLayout, only?: ReadonlySet<string>): z.input<typeof AgentOsStepOutput>[] {
  return run.steps
    .filter((s) => (s.status === 'completed' || s.status === 'failed') && (!only || only.has(s.name)))
    .map((s) => stepOutput(run, s, layout));
}

/** Each agent step's own run, as Agno's agent `RunOutput.to_dict()`. */
export function executorRuns(run: RunView, layout: StepLayout, only?: ReadonlySet<string>): z.input<typeof AgentOsExecutorRun>[] {
  return run.steps
    .filter((s) => s.type === 'agent' && (!only || only.has(s.name)))
    .map((record) => {
      const output = record.output as AgentOutput | undefined;
      const step = layout.agent(record.name);
      const model = step ? parseModelRef(step.model) : undefined;
      const pending = run.pending.find((p) => p.tool?.agent_step === record.name);
      const tools = output ? output.tool_calls.map((c) => recordedCall(c, run, layout, record.name)) : run.pauses.filter((p) => p.tool?.agent_step === record.name).map(pausedCall);
      return {
        run_id: agentRunId(run.run_id, record.name),
        agent_id: record.name,
        agent_name: record.title ?? record.name,
        session_id: sessionOf(run),
        parent_run_id: run.run_id,
        content: output ? (output.object ?? output.text) : (pending?.message ?? null),
        content_type: 'str',
        ...(model ? { model: model.name, model_provider: model.provider } : {}),
        created_at: epoch(record.started_at),
        status: record.status === 'completed' ? 'COMPLETED' : record.status === 'paused' ? 'PAUSED' : record.status === 'failed' ? 'ERROR' : record.status === 'cancelled' ? 'CANCELLED' : 'RUNNING',
        workflow_step_id: stepId(run.run_id, record.name),
        ...(output ? { metrics: tokens(output.usage) } : {}),
        tools,
      };
    });
}

/** A finished tool call of an agent step, as Agno's `ToolExecution.to_dict()`. */
export function recordedCall(call: ToolCallRecord, run: RunView, layout: StepLayout, agentStep: string): ToolExecution {
  const tool = layout.tool(agentStep, call.name);
  const pause = call.request_id ? run.pauses.find((p) => p.request_id === call.request_id) : undefined;
  return toolDict({
    id: call.id,
    name: call.name,
    args: call.args,
    result: call.status === 'rejected' ? null : (call.result ?? null),
    error: call.status === 'failed' || call.status === 'rejected' || call.status === 'unknown_tool',
    createdAt: call.started_at,
    confirmation: tool?.requires_confirmation || tool?.approval === 'required',
    confirmed: pause ? call.status !== 'rejected' : null,
    note: call.status === 'rejected' ? (pause?.decision?.comment ?? null) : null,
    userInput: tool?.requires_user_input === true,
    external: tool?.external_execution === true,
    approval: tool?.approval ?? null,
    approvalId: tool?.approval === 'required' ? (call.request_id ?? null) : null,
  });
}

/** The tool call a pause holds, before its agent step has finished. */
function pausedCall(pause: Pause): ToolExecution {
  const tool = pause.tool!;
  const rejected = pause.decision?.value === 'reject';
  return toolDict({
    id: tool.call_id,
    name: tool.name,
    args: tool.args,
    result: null,
    error: rejected ? true : null,
    createdAt: pause.created_at,
    confirmation: tool.hitl === 'confirmation',
    confirmed: pause.decision ? !rejected : null,
    note: rejected ? (pause.decision?.comment ?? null) : null,
    userInput: tool.hitl === 'user_input',
    external: tool.hitl === 'external_execution',
    approval: tool.approval ?? null,
    approvalId: tool.approval === 'required' ? pause.request_id : null,
  });
}

export interface ToolFacts {
  id: string;
  name: string;
  args: Record<string, unknown>;
  result: unknown;
  error: boolean | null;
  createdAt: string;
  confirmation: boolean | undefined;
  confirmed: boolean | null;
  note: string | null;
  userInput: boolean;
  external: boolean;
  approval: string | null;
  approvalId: string | null;
}

/** Agno's `ToolExecution.to_dict()`: every key, always. */
export function toolDict(t: ToolFacts): ToolExecution {
  return {
    tool_call_id: t.id,
    tool_name: t.name,
    tool_args: t.args,
    tool_call_error: t.error,
    result: t.result === null || t.result === undefined ? null : typeof t.result === 'string' ? t.result : JSON.stringify(t.result),
    metrics: null,
    child_run_id: null,
    stop_after_tool_call: false,
    created_at: epoch(t.createdAt),
    requires_confirmation: t.confirmation ? true : null,
    confirmed: t.confirmed,
    confirmation_note: t.note,
    requires_user_input: t.userInput ? true : null,
    user_input_schema: null,
    user_feedback_schema: null,
    answered: t.userInput && t.confirmed !== false && t.result !== null ? true : null,
    external_execution_required: t.external ? true : null,
    external_execution_silent: null,
    approval_type: t.approval,
    approval_id: t.approvalId,
    parent_tool_call_id: null,
  };
}

/** AgentOS' workflow metrics: one entry per agent step (tokens), and the run's duration once it ended. */
export function workflowMetrics(run: RunView): z.input<typeof AgentOsWorkflowMetrics> {
  const steps: z.input<typeof AgentOsWorkflowMetrics>['steps'] = {};
  for (const record of run.steps) {
    const output = record.type === 'agent' ? (record.output as AgentOutput | undefined) : undefined;
    if (!output) continue;
    steps[record.name] = { step_name: record.name, executor_type: 'agent', executor_name: record.title ?? record.name, metrics: tokens(output.usage) };
  }
  const duration = run.ended_at ? (Date.parse(run.ended_at) - Date.parse(run.started_at)) / 1000 : null;
  return { steps, duration };
}

function tokens(usage: { input_tokens: number; output_tokens: number } | undefined): z.input<typeof AgentOsTokens> | null {
  if (!usage) return null;
  return { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, total_tokens: usage.input_tokens + usage.output_tokens };
}

/** What the run answered: its result, why it failed, or that it was cancelled; nothing while it waits. */
export function contentOf(run: RunView): unknown {
  if (run.status === 'completed') return run.result ?? null;
  if (run.status === 'failed') return run.error?.message ?? 'the run failed';
  if (run.status === 'cancelled') return `Run ${run.run_id} was cancelled`;
  return undefined;
}

export function contentType(content: unknown): 'str' | 'dict' | 'list' {
  if (Array.isArray(content)) return 'list';
  return content !== null && typeof content === 'object' ? 'dict' : 'str';
}

/** Where a paused run waits: its active (newest pending) pause, at its top-level step. */
export function pausedAt(run: RunView, layout: StepLayout): Pick<RunOutput, 'paused_step_index' | 'paused_step_name' | 'pause_kind'> {
  const active = run.pending[run.pending.length - 1];
  if (run.status !== 'paused' || !active) return {};
  return { paused_step_index: layout.top(active.step), paused_step_name: layout.container(active.step), pause_kind: active.tool ? 'executor' : 'step' };
}

/** `WorkflowRunOutput.to_dict()`: the answer to a run, a continue and a GET of a run. */
export function runOutput(run: RunView, layout: StepLayout, extra: { events?: z.input<typeof AgentOsEvent>[]; settled?: Settled } = {}): RunOutput {
  const content = contentOf(run);
  const results = stepResults(run, layout);
  const executors = executorRuns(run, layout);
  const scope = { runId: run.run_id, sessionId: sessionOf(run), layout };
  return {
    input: run.task,
    ...(content !== undefined ? { content } : {}),
    content_type: contentType(content),
    workflow_id: run.workflow,
    workflow_name: layout.title,
    run_id: run.run_id,
    session_id: sessionOf(run),
    ...(run.user_id ? { user_id: run.user_id } : {}),
    created_at: epoch(run.started_at),
    status: agentOsStatus(run.status),
    ...pausedAt(run, layout),
    metadata: {},
    ...(results.length > 0 ? { step_results: results } : {}),
    ...(executors.length > 0 ? { step_executor_runs: executors } : {}),
    metrics: run.status === 'paused' ? { steps: {}, duration: null } : workflowMetrics(run),
    ...(extra.events ? { events: extra.events } : {}),
    ...(run.pauses.length > 0 ? { step_requirements: requirementsOf(run.pauses, scope, extra.settled) } : {}),
  };
}

/** `WorkflowRunSchema`: a run as the session routes list it. */
export function runSchema(run: RunView, layout: StepLayout, events: z.input<typeof AgentOsEvent>[] = []): z.input<typeof AgentOsRunSchema> {
  const output = runOutput(run, layout);
  const content = contentOf(run);
  return {
    run_id: run.run_id,
    run_input: run.task,
    events,
    workflow_id: run.workflow,
    user_id: run.user_id ?? '',
    content: content === undefined ? '' : typeof content === 'string' || (content && typeof content === 'object' && !Array.isArray(content)) ? (content as string | Record<string, unknown>) : JSON.stringify(content),
    content_type: output.content_type,
    status: output.status,
    cancellation_stage: null,
    step_results: output.step_results ?? [],
    step_executor_runs: output.step_executor_runs ?? [],
    step_requirements: output.step_requirements ?? null,
    pause_kind: output.pause_kind ?? null,
    paused_step_name: output.paused_step_name ?? null,
    paused_step_index: output.paused_step_index ?? null,
    metrics: output.metrics,
    created_at: run.started_at,
    reasoning_content: '',
    reasoning_steps: [],
    references: [],
    citations: null,
    reasoning_messages: [],
    images: [],
    videos: [],
    audio: [],
    files: [],
    response_audio: null,
  };
}
