import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import {
  MODEL_ACTIVITY,
  modelLabel,
  parseModelRef,
  type AgentLoopState,
  type AgentOutput,
  type ModelActivities,
  type ScriptedTurn,
  type ToolCall,
  type ToolCallRecord,
  type ToolPauseInfo,
} from '../contracts/agent';
import type { AgentStep, AgentTool, PauseStep } from '../contracts/definition';
import { durationToMs } from '../contracts/duration';
import { APPROVE_OPTION, REJECT_OPTION } from '../contracts/options';
import type { DecisionRecord, Pause, StepRecord } from '../contracts/run';
import type { TaskActivity } from '../contracts/tasks';
import { ContinueAsNewNeeded, RunFailure } from './outcomes';
import { newPause, waitForDecision } from './pauses';
import type { RunState } from './run-state';

export interface AgentHooks {
  changed(runningStep?: { name: string; handler?: string }): void;
  shouldContinueAsNew(): boolean;
  /** Renders a template over the run's context (plus `extra`), failing the step on a bad expression. */
  render(stepName: string, field: string, template: string, record: StepRecord, extra?: Record<string, unknown>): Promise<string>;
}

const DEFAULT_MAX_STEPS = 10;
const TOOL_SCHEMA = { type: 'object', additionalProperties: true };

/**
 * An agent step: a loop of model calls and tool calls. Each model call is an activity (the AI SDK
 * with the configured provider, or the step's script); each tool call is an activity of its handler,
 * or, for a tool that asks a person first, an ordinary pause (request id, rules, timeout, Slack,
 * webhooks) decided like any other. The conversation lives in the run's state, so it survives restarts
 * and continue-as-new between any two calls.
 */
export class AgentLoop {
  private state!: AgentLoopState;
  private record!: StepRecord;

  constructor(
    private readonly run: RunState,
    private readonly step: AgentStep,
    private readonly hooks: AgentHooks,
  ) {}

  async execute(): Promise<void> {
    await this.begin();
    const { step, state } = this;
    const maxSteps = step.max_steps ?? DEFAULT_MAX_STEPS;
    for (;;) {
      if (state.pending.length > 0) {
        const call = state.pending[0]!;
        state.results.push(resultPart(call, await this.handle(call)));
        state.pending.shift();
        continue;
      }
      if (state.results.length > 0) {
        state.messages.push({ role: 'tool', content: state.results });
        state.results = [];
      }
      if (state.model_calls >= maxSteps) {
        const message = `step "${step.name}" reached its step budget (${maxSteps} model calls) without a final answer`;
        this.run.failStep(this.record, { type: 'step_limit_exceeded', message });
        throw new RunFailure({ type: 'step_failed', message, step: step.name });
      }
      if (this.hooks.shouldContinueAsNew()) throw new ContinueAsNewNeeded();
      const reply = await this.callModel();
      if (reply.tool_calls.length > 0) {
        state.pending = reply.tool_calls;
        continue;
      }
      const output: AgentOutput = {
        text: state.text,
        ...(reply.object !== undefined ? { object: reply.object } : {}),
        tool_calls: state.calls,
        model_calls: state.model_calls,
        usage: state.usage,
      };
      delete this.run.data.agents![step.name];
      this.run.completeStep(this.record, output);
      this.hooks.changed();
      return;
    }
  }

  /** Picks up a loop continue-as-new carried over, or renders the instructions and the first message. */
  private async begin(): Promise<void> {
    const { run, step } = this;
    const carried = run.data.agents?.[step.name];
    if (carried) {
      this.state = carried;
      this.record = run.stepRecord(step.name)!;
      return;
    }
    this.record = run.startStep(step);
    this.hooks.changed({ name: step.name });
    const instructions = await this.hooks.render(step.name, 'instructions', step.instructions, this.record);
    const prompt = step.prompt ? await this.hooks.render(step.name, 'prompt', step.prompt, this.record) : run.input.task;
    this.state = {
      instructions,
      messages: [{ role: 'user', content: prompt }],
      ...(step.script ? { script: await this.renderScript(step.script as ScriptedTurn[]) } : {}),
      model_calls: 0,
      pending: [],
      results: [],
      calls: [],
      usage: { input_tokens: 0, output_tokens: 0 },
      text: '',
    };
    (run.data.agents ??= {})[step.name] = this.state;
  }

  private async callModel() {
    const { step, state } = this;
    const model = parseModelRef(step.model);
    const retry = step.retry;
    const call = proxyActivities<ModelActivities>({
      summary: `model ${modelLabel(model)} (turn ${state.model_calls + 1})`,
      startToCloseTimeout: durationToMs(step.model_timeout ?? '2m'),
      // A model call heartbeats while it waits, so a worker that dies mid-call is noticed in seconds.
      heartbeatTimeout: '30s',
      retry: {
        maximumAttempts: retry?.maximum_attempts ?? 5,
        initialInterval: durationToMs(retry?.initial_interval ?? '2s'),
        backoffCoefficient: retry?.backoff_coefficient ?? 2,
        maximumInterval: durationToMs(retry?.maximum_interval ?? '1m'),
        ...(retry?.non_retryable_errors ? { nonRetryableErrorTypes: retry.non_retryable_errors } : {}),
      },
    })[MODEL_ACTIVITY];
    let reply;
    try {
      reply = await call({
        model,
        instructions: state.instructions,
        messages: state.messages,
        tools: (step.tools ?? []).map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.input_schema ?? TOOL_SCHEMA })),
        ...(step.output && step.output !== 'text' ? { output_schema: step.output.schema } : {}),
        ...(state.script ? { script: state.script } : {}),
        ...(step.max_output_tokens ? { max_output_tokens: step.max_output_tokens } : {}),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const message = `step "${step.name}": the model call failed: ${failureMessage(err)}`;
      this.run.failStep(this.record, { type: 'model_failed', message });
      throw new RunFailure({ type: 'step_failed', message, step: step.name });
    }
    state.model_calls += 1;
    state.usage.input_tokens += reply.usage.input_tokens;
    state.usage.output_tokens += reply.usage.output_tokens;
    state.messages.push(...reply.messages);
    if (reply.text) {
      state.text = reply.text;
      this.run.record('agent_message', { step: step.name, data: { text: reply.text, model: reply.model, turn: state.model_calls } });
    }
    this.hooks.changed();
    return reply;
  }

  /** One tool call: asks a person first when the tool says so, then runs it (or not). Returns what the model is told. */
  private async handle(call: ToolCall): Promise<unknown> {
    const { run, step, state } = this;
    const tool = (step.tools ?? []).find((t) => t.name === call.name);
    let entry = state.calls.find((c) => c.id === call.id);
    if (!entry) {
      entry = { ...call, status: 'pending', started_at: new Date().toISOString() };
      state.calls.push(entry);
      run.record('tool_started', { step: step.name, data: { call_id: call.id, tool: call.name, args: call.args } });
    }
    if (!tool) return this.finish(entry, 'unknown_tool', { error: `there is no tool named "${call.name}"; use one of: ${(step.tools ?? []).map((t) => t.name).join(', ')}` });
    const hitl = hitlOf(tool);
    if (!hitl) return this.runTool(tool, entry, call.args);

    const pause = entry.request_id ? run.findPause(entry.request_id)! : await this.openPause(tool, entry, hitl);
    const decidedInTime = await waitForDecision(run, pause, { changed: () => this.hooks.changed(), shouldContinueAsNew: () => this.hooks.shouldContinueAsNew() });
    this.record.status = 'running';
    delete this.record.request_id;
    const decision = decidedInTime ? pause.decision! : this.timeOut(tool, pause);
    entry.decided_by = decision.by ?? 'system';
    this.hooks.changed();

    const value = decision.value;
    if (pause.status === 'skipped' || value === 'skipped' || value === 'timeout_skip') {
      return this.finish(entry, 'skipped', `The call to ${tool.name} was skipped (${decision.channel === 'timeout' ? `no decision within ${tool.timeout}` : `by ${entry.decided_by}`}); it did not run. Continue without it.`);
    }
    if (value === REJECT_OPTION) {
      const by = decision.channel === 'timeout' ? `nobody within ${tool.timeout} (rejected on timeout)` : entry.decided_by;
      return this.finish(entry, 'rejected', `The call to ${tool.name} was rejected by ${by}${decision.comment ? `: ${decision.comment}` : ''}. It did not run; do not retry it unchanged.`);
    }
    if (hitl === 'external_execution') return this.finish(entry, 'external', value);
    if (hitl === 'user_input') return this.runTool(tool, entry, { ...call.args, ...(value as Record<string, unknown>) });
    return this.runTool(tool, entry, call.args);
  }

  private async openPause(tool: AgentTool, entry: ToolCallRecord, hitl: ToolPauseInfo['hitl']): Promise<Pause> {
    const { run, step } = this;
    const requestId = run.nextRequestId(step.name);
    const fields = hitl === 'user_input' ? (tool.user_input_fields ?? Object.keys(properties(tool))) : undefined;
    const info: ToolPauseInfo = {
      call_id: entry.id,
      name: tool.name,
      args: entry.args,
      hitl,
      ...(tool.approval ? { approval: tool.approval } : {}),
      ...(fields ? { user_input_fields: fields } : {}),
      agent_step: step.name,
    };
    const message = tool.message
      ? await this.hooks.render(step.name, `tools.${tool.name}.message`, tool.message, this.record, { tool: { name: tool.name, args: entry.args } })
      : defaultMessage(tool, entry.args, hitl);
    const synthetic = {
      name: step.name,
      type: hitl === 'confirmation' ? 'confirmation' : 'input',
      message,
      ...(hitl === 'confirmation' ? { options: [APPROVE_OPTION, REJECT_OPTION] } : { input_schema: inputSchema(tool, fields) }),
      ...(step.title ? { title: step.title } : {}),
      ...pauseRules(tool),
    } as PauseStep;
    const pause = newPause(run, synthetic, requestId, { message, context: { tool: tool.name, args: entry.args }, tool: info });
    run.data.pauses.push(pause);
    entry.request_id = requestId;
    this.record.status = 'paused';
    this.record.request_id = requestId;
    run.record('paused', {
      step: step.name,
      request_id: requestId,
      data: { type: pause.type, message, timeout_at: pause.timeout_at, assignees: pause.assignees, tool: tool.name, hitl },
    });
    run.audit('requested', {
      step: step.name,
      request_id: requestId,
      data: { type: pause.type, message, digest: pause.digest, assignees: pause.assignees, timeout_at: pause.timeout_at ?? null, tool: tool.name, args: entry.args },
    });
    this.hooks.changed();
    return pause;
  }

  /** The tool pause's timeout passed: settle it by its `on_timeout`, or fail the run. */
  private timeOut(tool: AgentTool, pause: Pause): DecisionRecord {
    const { run, step } = this;
    const onTimeout = tool.on_timeout ?? 'fail';
    run.record('timed_out', { step: step.name, request_id: pause.request_id, data: { on_timeout: onTimeout, tool: tool.name } });
    run.audit('timed_out', { step: step.name, request_id: pause.request_id, channel: 'timeout', data: { on_timeout: onTimeout, tool: tool.name } });
    if (onTimeout === 'fail') {
      pause.status = 'timed_out';
      const message = `no decision on the ${tool.name} call of step "${step.name}" within ${tool.timeout}`;
      run.failStep(this.record, { type: 'timed_out', message });
      throw new RunFailure({ type: 'timed_out', message, step: step.name });
    }
    const value = onTimeout === 'skip' ? 'skipped' : onTimeout;
    const decision: DecisionRecord = { value, by: 'system', at: new Date().toISOString(), comment: `no decision within ${tool.timeout}`, channel: 'timeout' };
    run.settle(pause, decision, 'timed_out');
    return decision;
  }

  private async runTool(tool: AgentTool, entry: ToolCallRecord, args: Record<string, unknown>): Promise<unknown> {
    this.hooks.changed({ name: this.step.name, handler: tool.handler! });
    const retry = tool.retry;
    const activity = proxyActivities<Record<string, TaskActivity>>({
      summary: `tool ${tool.name}`,
      startToCloseTimeout: durationToMs(tool.handler_timeout ?? '1m'),
      retry: {
        maximumAttempts: retry?.maximum_attempts ?? 3,
        initialInterval: durationToMs(retry?.initial_interval ?? '1s'),
        backoffCoefficient: retry?.backoff_coefficient ?? 2,
        maximumInterval: durationToMs(retry?.maximum_interval ?? '30s'),
        ...(retry?.non_retryable_errors ? { nonRetryableErrorTypes: retry.non_retryable_errors } : {}),
      },
    })[tool.handler!]!;
    entry.args = args;
    try {
      const { output } = await activity(args);
      return this.finish(entry, 'ran', output);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The model hears of the failure and decides what to do; the run goes on.
      return this.finish(entry, 'failed', { error: failureMessage(err) });
    }
  }

  private finish(entry: ToolCallRecord, status: ToolCallRecord['status'], result: unknown): unknown {
    entry.status = status;
    entry.result = result;
    entry.ended_at = new Date().toISOString();
    this.run.record('tool_completed', { step: this.step.name, ...(entry.request_id ? { request_id: entry.request_id } : {}), data: { call_id: entry.id, tool: entry.name, status } });
    this.hooks.changed();
    return result;
  }

  /** Renders `{{ … }}` placeholders in the script's tool arguments, so a script can follow the run's input. */
  private async renderScript(script: ScriptedTurn[]): Promise<ScriptedTurn[]> {
    const out: ScriptedTurn[] = [];
    for (const [i, turn] of script.entries()) {
      if (!turn.tool_calls) {
        out.push(turn);
        continue;
      }
      const calls = [];
      for (const call of turn.tool_calls) {
        const args: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(call.args)) {
          args[key] = typeof value === 'string' && value.includes('{{') ? await this.hooks.render(this.step.name, `script[${i}].${call.name}.${key}`, value, this.record) : value;
        }
        calls.push({ name: call.name, args });
      }
      out.push({ tool_calls: calls });
    }
    return out;
  }
}

function hitlOf(tool: AgentTool): ToolPauseInfo['hitl'] | undefined {
  if (tool.requires_user_input) return 'user_input';
  if (tool.external_execution) return 'external_execution';
  if (tool.requires_confirmation || tool.approval === 'required') return 'confirmation';
  return undefined;
}

function pauseRules(tool: AgentTool): Partial<PauseStep> {
  return {
    ...(tool.assignees ? { assignees: tool.assignees } : {}),
    ...(tool.timeout ? { timeout: tool.timeout } : {}),
    on_timeout: tool.on_timeout === 'approve' ? APPROVE_OPTION : (tool.on_timeout ?? 'fail'),
    ...(tool.escalation ? { escalation: tool.escalation } : {}),
    ...(tool.allow_skip ? { allow_skip: true } : {}),
    ...(tool.approvals_required ? { approvals_required: tool.approvals_required } : {}),
    ...(tool.allow_self_approval !== undefined ? { allow_self_approval: tool.allow_self_approval } : {}),
    ...(tool.reject_requires_comment ? { reject_requires_comment: true } : {}),
    ...(tool.slack ? { slack: tool.slack } : {}),
  } as Partial<PauseStep>;
}

function properties(tool: AgentTool): Record<string, unknown> {
  return (tool.input_schema?.properties as Record<string, unknown> | undefined) ?? {};
}

/** What the person fills: the named arguments (required), typed as the tool's schema types them. */
function inputSchema(tool: AgentTool, fields: string[] | undefined): Record<string, unknown> {
  if (tool.external_execution) return { description: `The result of ${tool.name}, as the model should see it` };
  const props = properties(tool);
  const chosen = fields ?? Object.keys(props);
  return {
    type: 'object',
    properties: Object.fromEntries(chosen.map((f) => [f, props[f] ?? {}])),
    required: chosen,
    additionalProperties: false,
  };
}

function defaultMessage(tool: AgentTool, args: Record<string, unknown>, hitl: ToolPauseInfo['hitl']): string {
  const shown = JSON.stringify(args);
  if (hitl === 'user_input') return `${tool.name} needs your input (${(tool.user_input_fields ?? Object.keys(properties(tool))).join(', ')}) to run with ${shown}.`;
  if (hitl === 'external_execution') return `Run ${tool.name} with ${shown} and give its result.`;
  return `Allow ${tool.name} with ${shown}?`;
}

/** A tool's answer as the AI SDK's tool-result part. */
function resultPart(call: ToolCall, result: unknown): Record<string, unknown> {
  return {
    type: 'tool-result',
    toolCallId: call.id,
    toolName: call.name,
    output: typeof result === 'string' ? { type: 'text', value: result } : { type: 'json', value: result ?? null },
  };
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}
