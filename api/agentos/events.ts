import { parseModelRef, type AgentOutput } from '../../src/contracts/agent';
import type { RunEvent } from '../../src/contracts/events';
import type { Pause, RunView } from '../../src/contracts/run';
import { agentEvent, agentRunUnderway, executorFields, stepPlace, workflowEvent } from './envelopes';
import type { StepLayout } from './layout';
import { contentOf, contentType, executorRuns, stepOutput, stepResults, toolDict, workflowMetrics } from './present';
import { inputFields } from './input-fields';
import { executorRequirement, isRouteSelection, requirementsOf } from './requirements';

/**
 * Translates a run's numbered event log into AgentOS' stream events, one holdpoint event at a time.
 * The translation depends only on the log and the run (for outputs and pause details), so the same
 * log always gives the same AgentOS events: `event_index` is an event's position in that sequence,
 * and a stream can resume from any index or sequence number by translating from the start.
 */

/** One AgentOS event and the holdpoint event it came from. */
export interface Translated {
  seq: number;
  data: Record<string, unknown> & { event: string; event_index: number };
}

/** The run as of (at least) a sequence number. */
export type ViewAt = (seq: number) => Promise<RunView>;

export interface TranslationScope {
  runId: string;
  sessionId: string;
  workflow: string;
  layout: StepLayout;
}

interface CallInfo {
  step: string;
  name: string;
  args: Record<string, unknown>;
  at: string;
  status?: string;
}

export class EventTranslator {
  private index = 0;
  /** Steps finished so far, agent steps started so far, pauses opened and decided so far. */
  private readonly completed = new Set<string>();
  private readonly agents = new Set<string>();
  private readonly opened = new Set<string>();
  private readonly decided = new Set<string>();
  private readonly calls = new Map<string, CallInfo>();
  /** Conditions whose completion waits for a branch's last step, by that step. */
  private readonly branchEnds = new Map<string, { condition: string; branch: string | null }[]>();

  constructor(private readonly scope: TranslationScope) {}

  /** How many AgentOS events the log has produced so far. */
  get count(): number {
    return this.index;
  }

  /** The AgentOS events of one holdpoint event; `pausedAt` names the pause a `WorkflowPaused` announced. */
  async translate(event: RunEvent, viewAt: ViewAt): Promise<{ events: Translated[]; pausedAt?: string }> {
    const out = await this.map(event, viewAt);
    const events = out.map((data) => ({ seq: event.seq, data: { ...data, event_index: this.index++ } as Translated['data'] }));
    const pausedAt = event.type === 'paused' && events.some((e) => e.data.event === 'WorkflowPaused') ? event.request_id : undefined;
    return { events, ...(pausedAt ? { pausedAt } : {}) };
  }

  private async map(event: RunEvent, viewAt: ViewAt): Promise<Record<string, unknown>[]> {
    const { layout } = this.scope;
    const step = event.step ?? '';
    const data = (event.data ?? {}) as Record<string, unknown>;
    switch (event.type) {
      case 'run_started':
        return [this.wf(event, 'WorkflowStarted')];
      case 'step_started': {
        if (data.type === 'condition') return [];
        const started = this.wf(event, 'StepStarted', this.at(step), step);
        if (data.type !== 'agent') return [started];
        this.agents.add(step);
        const model = layout.agent(step)?.model;
        const ref = model ? parseModelRef(model) : undefined;
        return [started, this.agent(event, 'RunStarted', step, ref ? { model: ref.name, model_provider: ref.provider } : {})];
      }
      case 'step_completed':
        return this.stepCompleted(event, step, await viewAt(event.seq));
      case 'step_failed': {
        const error = (data.error as { message?: string } | undefined)?.message ?? 'the step failed';
        return [this.wf(event, 'StepError', { ...this.at(step), error }, step)];
      }
      case 'step_skipped':
        this.completed.add(step);
        return this.finish(event, step);
      case 'branch_taken':
        return this.branchTaken(event, step, (data.branch as string | null | undefined) ?? null);
      case 'agent_message':
        return [this.agent(event, 'RunContent', step, { content: data.text, content_type: 'str', workflow_agent: false })];
      case 'tool_started': {
        const call: CallInfo = { step, name: String(data.tool), args: (data.args as Record<string, unknown>) ?? {}, at: event.at };
        this.calls.set(String(data.call_id), call);
        // AgentOS announces a call that waits for a person only once it runs.
        return this.asksPerson(call) ? [] : [this.agent(event, 'ToolCallStarted', step, { tool: this.tool(String(data.call_id), call) })];
      }
      case 'tool_completed':
        return this.toolCompleted(event, step, String(data.call_id), String(data.status));
      case 'paused':
        return this.paused(event, await viewAt(event.seq));
      case 'decided':
        return this.continued(event, await viewAt(event.seq));
      case 'run_completed': {
        const run = await viewAt(event.seq);
        const content = contentOf(run);
        return [
          this.wf(event, 'WorkflowCompleted', {
            content,
            content_type: contentType(content),
            metadata: {},
            metrics: workflowMetrics(run),
            step_results: stepResults(run, layout),
            step_executor_runs: executorRuns(run, layout),
          }),
        ];
      }
      case 'run_failed': {
        const error = (data.error as { message?: string; type?: string } | undefined) ?? {};
        return [this.wf(event, 'WorkflowError', { error: error.message ?? 'the run failed', ...(error.type ? { error_type: error.type } : {}) })];
      }
      case 'run_cancelled':
        return [this.wf(event, 'WorkflowCancelled', { reason: (data.reason as string | undefined) ?? `cancelled${data.by ? ` by ${String(data.by)}` : ''}`, content: `Run ${this.scope.runId} was cancelled` })];
      default:
        return [];
    }
  }

  private stepCompleted(event: RunEvent, step: string, run: RunView): Record<string, unknown>[] {
    const record = [...run.steps].reverse().find((s) => s.name === step);
    if (!record || record.type === 'condition') return [];
    this.completed.add(step);
    const output = stepOutput(run, record, this.scope.layout);
    const completed = this.wf(event, 'StepCompleted', { ...this.at(step), content: output.content, content_type: contentType(output.content), step_response: output }, step);
    const out: Record<string, unknown>[] = [];
    if (record.type === 'task') out.push(this.wf(event, 'StepOutput', { ...this.at(step), step_output: output }));
    if (record.type === 'agent') {
      const agent = record.output as AgentOutput | undefined;
      out.push(this.agent(event, 'RunContentCompleted', step), this.agent(event, 'RunCompleted', step, { content: output.content, content_type: 'str', ...(agent ? { metrics: output.metrics } : {}) }));
    }
    out.push(completed);
    return [...out, ...this.finish(event, step)];
  }

  /** A condition starts (and, with nothing to run, ends); otherwise it ends after its branch's last step. */
  private branchTaken(event: RunEvent, condition: string, branch: string | null): Record<string, unknown>[] {
    const { layout } = this.scope;
    const entered = branch !== null || layout.hasOtherwise(condition);
    const started = this.wf(event, 'ConditionExecutionStarted', { ...this.at(condition), condition_result: entered }, condition);
    const last = entered ? layout.branchEnd(condition, branch) : undefined;
    if (!last) return [started, ...this.conditionEnds(event, condition, null)];
    this.branchEnds.set(last, [...(this.branchEnds.get(last) ?? []), { condition, branch }]);
    return [started];
  }

  private finish(event: RunEvent, step: string): Record<string, unknown>[] {
    const waiting = this.branchEnds.get(step);
    if (!waiting) return [];
    this.branchEnds.delete(step);
    return waiting.flatMap(({ condition, branch }) => this.conditionEnds(event, condition, branch));
  }

  private conditionEnds(event: RunEvent, condition: string, branch: string | null): Record<string, unknown>[] {
    const entered = branch !== null || this.scope.layout.hasOtherwise(condition);
    const done = this.wf(event, 'ConditionExecutionCompleted', { ...this.at(condition), condition_result: entered, branch: branch ?? (entered ? 'otherwise' : null) }, condition);
    return [done, ...this.finish(event, condition)];
  }

  private toolCompleted(event: RunEvent, step: string, callId: string, status: string): Record<string, unknown>[] {
    const call = this.calls.get(callId);
    if (!call) return [];
    call.status = status;
    const ran = status === 'ran' || status === 'failed';
    const completed = this.agent(event, 'ToolCallCompleted', step, { content: `${call.name} ${status}`, tool: this.tool(callId, call) });
    if (!this.asksPerson(call)) return [completed];
    // A call a person rejected (or answered for) never ran: AgentOS shows no call events for it.
    return ran ? [this.agent(event, 'ToolCallStarted', step, { tool: this.tool(callId, { ...call, status: undefined }) }), completed] : [];
  }

  private paused(event: RunEvent, run: RunView): Record<string, unknown>[] {
    const pause = run.pauses.find((p) => p.request_id === event.request_id);
    if (!pause) return [];
    this.opened.add(pause.request_id);
    const { layout } = this.scope;
    const at = { step_name: pause.step, step_index: layout.path(pause.step), step_id: pause.request_id };
    const out: Record<string, unknown>[] = [];
    if (pause.tool) {
      const agentStep = pause.tool.agent_step;
      const requirement = executorRequirement(pause, false);
      const tools = [...this.calls.entries()].filter(([, c]) => c.step === agentStep).map(([id, c]) => this.tool(id, c));
      out.push(
        this.agent(event, 'RunContentCompleted', agentStep),
        this.agent(event, 'RunPaused', agentStep, { content: pause.message, tools, requirements: [requirement] }),
        this.wf(event, 'StepExecutorPaused', { ...at, ...this.executor(agentStep), executor_requirements: [requirement] }),
      );
    } else if (pause.type === 'output_review') {
      out.push(this.wf(event, 'StepOutputReview', { ...at, output_review_message: pause.message, requires_output_review: true }));
    } else {
      const input = pause.type === 'input' || pause.type === 'question';
      const route = isRouteSelection(pause);
      out.push(
        this.wf(event, 'StepPaused', {
          ...at,
          requires_confirmation: !input && !route,
          confirmation_message: !input && !route ? pause.message : null,
          requires_user_input: input,
          user_input_message: input || route ? pause.message : null,
          ...(input ? { user_input_schema: inputFields(pause) } : {}),
          ...(route ? { requires_route_selection: true, available_choices: pause.options ?? [] } : {}),
        }),
      );
    }
    out.push(this.workflowPaused(event, run, pause));
    return out;
  }

  /** The snapshot a client continues from: every requirement so far (as they stood then), the active one last. */
  private workflowPaused(event: RunEvent, run: RunView, pause: Pause): Record<string, unknown> {
    const { layout, runId, sessionId } = this.scope;
    const pauses = run.pauses.filter((p) => this.opened.has(p.request_id));
    return this.wf(event, 'WorkflowPaused', {
      status: 'PAUSED',
      paused_step_index: layout.top(pause.step),
      paused_step_name: layout.container(pause.step),
      pause_kind: pause.tool ? 'executor' : 'step',
      metadata: {},
      step_results: stepResults(run, layout, this.completed),
      step_executor_runs: this.executorRunsThen(event, run, pause),
      step_requirements: requirementsOf(pauses, { runId, sessionId, layout }, (p) => this.decided.has(p.request_id) && p.decision !== undefined),
    });
  }

  /**
   * The agent steps' runs as they stood at this pause (a replay shows the same as the live stream did):
   * finished ones as they ended, the one holding the pause with the calls it had made so far.
   */
  private executorRunsThen(event: RunEvent, run: RunView, pause: Pause): Record<string, unknown>[] {
    const finished = new Set([...this.agents].filter((a) => this.completed.has(a)));
    const done = executorRuns(run, this.scope.layout, finished);
    const open = [...this.agents]
      .filter((a) => !finished.has(a))
      .map((agentStep) => {
        const tools = [...this.calls.entries()].filter(([, c]) => c.step === agentStep).map(([id, c]) => this.tool(id, c));
        return agentRunUnderway(this.scope, event.at, agentStep, pause.tool?.agent_step === agentStep ? pause : undefined, tools);
      });
    return [...done, ...open];
  }

  private continued(event: RunEvent, run: RunView): Record<string, unknown>[] {
    const pause = run.pauses.find((p) => p.request_id === event.request_id);
    if (!pause) return [];
    this.decided.add(pause.request_id);
    const at = { step_name: pause.step, step_index: this.scope.layout.path(pause.step), step_id: pause.request_id };
    if (!pause.tool) return [this.wf(event, 'StepContinued', at)];
    const agentStep = pause.tool.agent_step;
    return [this.wf(event, 'StepExecutorContinued', { ...at, ...this.executor(agentStep) }), this.agent(event, 'RunContinued', agentStep)];
  }

  private asksPerson(call: CallInfo): boolean {
    const tool = this.scope.layout.tool(call.step, call.name);
    return Boolean(tool && (tool.requires_confirmation || tool.requires_user_input || tool.external_execution || tool.approval === 'required'));
  }

  private tool(callId: string, call: CallInfo): ReturnType<typeof toolDict> {
    const tool = this.scope.layout.tool(call.step, call.name);
    const failed = call.status === 'failed' || call.status === 'rejected' || call.status === 'unknown_tool';
    return toolDict({
      id: callId,
      name: call.name,
      args: call.args,
      result: null,
      error: call.status === undefined ? null : failed,
      createdAt: call.at,
      confirmation: tool?.requires_confirmation || tool?.approval === 'required',
      confirmed: call.status === 'rejected' ? false : call.status === 'ran' && tool?.requires_confirmation ? true : null,
      note: null,
      userInput: tool?.requires_user_input === true,
      external: tool?.external_execution === true,
      approval: tool?.approval ?? null,
      approvalId: null,
    });
  }

  private executor(agentStep: string): Record<string, unknown> {
    return executorFields(this.scope, agentStep);
  }

  private at(step: string): Record<string, unknown> {
    return stepPlace(this.scope, step);
  }

  private wf(event: RunEvent, name: string, fields: Record<string, unknown> = {}, step?: string): Record<string, unknown> {
    return workflowEvent(this.scope, event.at, name, fields, step);
  }

  private agent(event: RunEvent, name: string, step: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
    return agentEvent(this.scope, event.at, name, step, fields);
  }
}
