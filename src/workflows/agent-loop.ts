import { ActivityFailure, ApplicationFailure, isCancellation, log, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import {
  MODEL_ACTIVITY,
  modelLabel,
  parseModelRef,
  type AgentLoopState,
  type AgentOutput,
  type ModelActivities,
  type ModelTool,
  type ScriptedTurn,
  type ToolCall,
  type ToolCallRecord,
  type ToolPauseInfo,
} from '../contracts/agent';
import type { AgentStep, AgentTool, PauseStep, Question } from '../contracts/definition';
import {
  ASK_USER_TOOL,
  ASK_USER_TOOL_DESCRIPTION,
  ASK_USER_TOOL_SCHEMA,
  PLAN_APPROVAL_HEADER,
  PLAN_APPROVE_LABEL,
  POLICY_CHECK_ACTIVITY,
  POLICY_GRANT_ACTIVITY,
  type PolicyActivities,
} from '../contracts/interaction';
import { durationToMs } from '../contracts/duration';
import { APPROVE_OPTION, REJECT_OPTION } from '../contracts/options';
import type { DecisionRecord, Pause, StepRecord } from '../contracts/run';
import type { TaskActivity } from '../contracts/tasks';
import type { CarriedNotices } from './notifier';
import { ContinueAsNewNeeded, RunFailure } from './outcomes';
import { newPause, waitForDecision } from './pauses';
import type { RunState } from './run-state';

export interface AgentHooks {
  changed(runningStep?: { name: string; handler?: string }): void;
  /** The same before a tool's activity: what its call carries (the notices since the last hand-off, from behavior 4). */
  changedBeforeTask(runningStep: { name: string; handler: string }): CarriedNotices;
  shouldContinueAsNew(): boolean;
  /** Renders a template over the run's context (plus `extra`), failing the step on a bad expression. */
  render(stepName: string, field: string, template: string, record: StepRecord, extra?: Record<string, unknown>): Promise<string>;
}

const DEFAULT_MAX_STEPS = 10;
const TOOL_SCHEMA = { type: 'object', additionalProperties: true };
/** How long a clarifying question waits before it goes on with its "(Recommended)" options, when every question has one. */
const DEFAULT_QUESTION_TIMEOUT = '10m';
const PLANNING_INSTRUCTIONS =
  'Planning mode: before you act, answer with a short numbered plan of the tool calls you will make and why. Do not call any tool now; the user approves the plan or tells you what to change.';

/** Asked at each permission gate, so a policy change applies to the next gate of every run. */
const policies = proxyLocalActivities<PolicyActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5, initialInterval: '200ms', maximumInterval: '2s' },
});

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
    if (state.planning && !state.planning.done) await this.plan(maxSteps);
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
      this.checkBudget(maxSteps);
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
        ...(state.planning ? { plans: state.planning.plans } : {}),
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
      ...(this.asksFirst('plan') ? { planning: { messages: [{ role: 'user' as const, content: prompt }], plans: [], done: false } } : {}),
    };
    (run.data.agents ??= {})[step.name] = this.state;
  }

  /** Whether the run's permission mode has a person in the loop and is `mode`. */
  private asksFirst(mode: 'approval' | 'plan'): boolean {
    const { human_in_the_loop, permission_mode } = this.run.interaction;
    return human_in_the_loop && permission_mode === mode;
  }

  private checkBudget(maxSteps: number): void {
    if (this.state.model_calls < maxSteps) return;
    const message = `step "${this.step.name}" reached its step budget (${maxSteps} model calls) without a final answer`;
    this.run.failStep(this.record, { type: 'step_limit_exceeded', message });
    throw new RunFailure({ type: 'step_failed', message, step: this.step.name });
  }

  /** The tools the model is offered: the step's, and the question tool while a person is in the loop. */
  private modelTools(): ModelTool[] {
    const tools: ModelTool[] = (this.step.tools ?? []).map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.input_schema ?? TOOL_SCHEMA }));
    if (this.run.interaction.human_in_the_loop && !tools.some((t) => t.name === ASK_USER_TOOL)) {
      tools.push({ name: ASK_USER_TOOL, description: ASK_USER_TOOL_DESCRIPTION, input_schema: ASK_USER_TOOL_SCHEMA as unknown as Record<string, unknown> });
    }
    return tools;
  }

  /**
   * Permission mode `plan`: the agent proposes a plan (a model call without tools) and the run pauses
   * on it as a "Plan Approval" question. "Approve" carries it out; any other answer is feedback the
   * agent re-plans on. Every revision and answer is kept (the step's output, the audit trail).
   */
  private async plan(maxSteps: number): Promise<void> {
    const { run, step, state } = this;
    const planning = state.planning!;
    while (!planning.done) {
      let current = planning.plans.at(-1);
      if (!current || current.outcome) {
        this.checkBudget(maxSteps);
        if (this.hooks.shouldContinueAsNew()) throw new ContinueAsNewNeeded();
        const reply = await this.callModel('plan');
        const text = reply.text.trim() || '(the model proposed no plan)';
        const revision = planning.plans.length + 1;
        const pause = this.openPlanPause(text, revision);
        current = { revision, text, request_id: pause.request_id };
        planning.plans.push(current);
        this.hooks.changed();
      }
      const pause = run.findPause(current.request_id)!;
      await waitForDecision(run, pause, { changed: () => this.hooks.changed(), shouldContinueAsNew: () => this.hooks.shouldContinueAsNew() });
      this.record.status = 'running';
      delete this.record.request_id;
      const answer = answerTo(pause.decision!.value, current.text);
      current.decided_by = pause.decision!.by ?? 'an unnamed sender';
      current.decided_at = pause.decision!.at;
      if (answer.trim().toLowerCase() === PLAN_APPROVE_LABEL.toLowerCase()) {
        current.outcome = 'approved';
        planning.done = true;
        const first = state.messages[0]!;
        state.messages[0] = { ...first, content: `${String(first.content)}\n\nYour approved plan (carry it out):\n${current.text}` };
      } else {
        current.outcome = 'revised';
        current.feedback = answer;
        planning.messages.push({ role: 'user', content: `Revise the plan. Feedback: ${answer}` });
      }
      this.hooks.changed();
    }
    log.info('plan approved', { step: step.name, revisions: planning.plans.length });
  }

  private openPlanPause(text: string, revision: number): Pause {
    const { run, step } = this;
    const requestId = run.nextRequestId(step.name);
    const question: Question = {
      question: text,
      header: PLAN_APPROVAL_HEADER,
      options: [{ label: PLAN_APPROVE_LABEL, description: 'Carry out this plan' }],
      allow_free_text: true,
    };
    const message = revision === 1 ? `Approve the plan of step "${step.name}", or say what to change.` : `Approve revision ${revision} of the plan of step "${step.name}", or say what to change.`;
    const synthetic = { name: step.name, type: 'question', questions: [question], message, ...(step.title ? { title: step.title } : {}) } as PauseStep;
    const pause = newPause(run, synthetic, requestId, { message, context: { plan: text, revision } });
    pause.plan = { revision, agent_step: step.name };
    this.announce(pause, { plan_revision: revision });
    return pause;
  }

  /** Adds a pause the loop opened to the run, records and audits it. */
  private announce(pause: Pause, extra: Record<string, unknown> = {}): void {
    const { run, step } = this;
    run.data.pauses.push(pause);
    this.record.status = 'paused';
    this.record.request_id = pause.request_id;
    run.record('paused', {
      step: step.name,
      request_id: pause.request_id,
      data: { type: pause.type, message: pause.message, timeout_at: pause.timeout_at, assignees: pause.assignees, ...(pause.tool ? { tool: pause.tool.name, hitl: pause.tool.hitl } : {}), ...extra },
    });
    run.audit('requested', {
      step: step.name,
      request_id: pause.request_id,
      data: {
        type: pause.type,
        message: pause.message,
        digest: pause.digest,
        assignees: pause.assignees,
        timeout_at: pause.timeout_at ?? null,
        ...(pause.tool ? { tool: pause.tool.name, args: pause.tool.args } : {}),
        ...(pause.questions ? { questions: pause.questions } : {}),
        ...extra,
      },
    });
    this.hooks.changed();
  }

  private async callModel(purpose?: 'plan') {
    const { step, state } = this;
    const planning = purpose === 'plan' ? state.planning! : undefined;
    const model = parseModelRef(step.model);
    const retry = step.retry;
    const call = proxyActivities<ModelActivities>({
      summary: `model ${modelLabel(model)} (turn ${state.model_calls + 1}${planning ? ', planning' : ''})`,
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
        instructions: planning ? `${state.instructions}\n\n${PLANNING_INSTRUCTIONS}` : state.instructions,
        messages: planning ? planning.messages : state.messages,
        tools: planning ? [] : this.modelTools(),
        ...(!planning && step.output && step.output !== 'text' ? { output_schema: step.output.schema } : {}),
        ...(state.script ? { script: state.script } : {}),
        ...(step.max_output_tokens ? { max_output_tokens: step.max_output_tokens } : {}),
        ...(planning ? { purpose: 'plan' as const } : {}),
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
    (planning ? planning.messages : state.messages).push(...reply.messages);
    if (reply.text) {
      if (!planning) state.text = reply.text;
      this.run.record('agent_message', { step: step.name, data: { text: reply.text, model: reply.model, turn: state.model_calls, ...(planning ? { plan: true } : {}) } });
    }
    this.hooks.changed();
    return reply;
  }

  /**
   * One tool call: asks a person first when the tool says so (or the permission mode gates it), then
   * runs it (or not). Returns what the model is told.
   */
  private async handle(call: ToolCall): Promise<unknown> {
    const { run, step, state } = this;
    const tool = (step.tools ?? []).find((t) => t.name === call.name);
    let entry = state.calls.find((c) => c.id === call.id);
    if (!entry) {
      entry = { ...call, status: 'pending', started_at: new Date().toISOString() };
      state.calls.push(entry);
      run.record('tool_started', { step: step.name, data: { call_id: call.id, tool: call.name, args: call.args } });
    }
    // A pause opened before continue-as-new: wait on it again.
    if (entry.request_id) return this.settle(tool, entry, run.findPause(entry.request_id)!);
    if (!tool && call.name === ASK_USER_TOOL) return this.ask(entry);
    if (!tool) return this.finish(entry, 'unknown_tool', { error: `there is no tool named "${call.name}"; use one of: ${this.modelTools().map((t) => t.name).join(', ')}` });
    const hitl = hitlOf(tool);
    if (hitl) return this.settle(tool, entry, await this.openPause(tool, entry, hitl));
    if (this.asksFirst('approval')) {
      const allowedBy = await this.allowedWithoutAsking(tool);
      if (allowedBy) {
        entry.allowed_by = allowedBy;
        return this.runTool(tool, entry, call.args);
      }
      return this.settle(tool, entry, this.openGate(tool, entry));
    }
    return this.runTool(tool, entry, call.args);
  }

  /** Waits for the call's pause and does what its decision says. */
  private async settle(tool: AgentTool | undefined, entry: ToolCallRecord, pause: Pause): Promise<unknown> {
    const hitl = pause.tool!.hitl;
    const decidedInTime = await waitForDecision(this.run, pause, { changed: () => this.hooks.changed(), shouldContinueAsNew: () => this.hooks.shouldContinueAsNew() });
    this.record.status = 'running';
    delete this.record.request_id;
    const decision = decidedInTime ? pause.decision! : this.timeOut(tool, pause);
    entry.decided_by = decision.by ?? 'system';
    // From behavior 4 what comes next shows the decision: the tool's activity (which carries its
    // notices) or the call's end; before, it was shown here as well.
    if (this.run.behavior < 4) this.hooks.changed();

    const value = decision.value;
    if (hitl === 'question') return this.finish(entry, 'ran', { answers: value });
    const name = entry.name;
    const waited = tool?.timeout ?? 'its timeout';
    if (pause.status === 'skipped' || value === 'skipped' || value === 'timeout_skip') {
      return this.finish(entry, 'skipped', `The call to ${name} was skipped (${decision.channel === 'timeout' ? `no decision within ${waited}` : `by ${entry.decided_by}`}); it did not run. Continue without it.`);
    }
    if (value === REJECT_OPTION) {
      const by = decision.channel === 'timeout' ? `nobody within ${waited} (rejected on timeout)` : entry.decided_by;
      return this.finish(entry, 'rejected', `The call to ${name} was rejected by ${by}${decision.comment ? `: ${decision.comment}` : ''}. It did not run; do not retry it unchanged.`);
    }
    if (hitl === 'external_execution') return this.finish(entry, 'external', value);
    if (hitl === 'user_input') return this.runTool(tool!, entry, { ...entry.args, ...(value as Record<string, unknown>) });
    if (pause.tool!.gate && decision.remember) await this.remember(tool!, decision);
    return this.runTool(tool!, entry, entry.args);
  }

  /** Permission mode `approval`: a tool allowed earlier in the run with `remember`, or by a policy, runs without asking. */
  private async allowedWithoutAsking(tool: AgentTool): Promise<string | undefined> {
    if (this.run.interaction.remembered.includes(tool.name)) return 'remembered';
    const { user_id } = this.run.input;
    const check = await policies[POLICY_CHECK_ACTIVITY]({ tool: tool.name, ...(user_id ? { user_id } : {}) });
    return check.allowed && check.policy ? `policy:${check.policy.id}` : undefined;
  }

  /** An allowed gate with `remember`: the tool runs unasked for the rest of the run and, as a policy, in the end user's later runs. */
  private async remember(tool: AgentTool, decision: DecisionRecord): Promise<void> {
    const { remembered } = this.run.interaction;
    if (!remembered.includes(tool.name)) remembered.push(tool.name);
    try {
      await policies[POLICY_GRANT_ACTIVITY]({ user_id: this.run.input.user_id ?? null, tool: tool.name, source: 'remember', by: decision.by ?? 'an unnamed sender' });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The run still remembers it; only later runs miss the policy.
      log.warn('could not record the remembered tool as a policy', { tool: tool.name, error: failureMessage(err) });
    }
  }

  /** The gate permission mode `approval` puts before a tool call: allow or deny, with `remember`. */
  private openGate(tool: AgentTool, entry: ToolCallRecord): Pause {
    const { run, step } = this;
    const requestId = run.nextRequestId(step.name);
    const message = `Allow ${tool.name} with ${JSON.stringify(entry.args)}?`;
    const synthetic = { name: step.name, type: 'confirmation', message, options: [APPROVE_OPTION, REJECT_OPTION], ...(step.title ? { title: step.title } : {}) } as PauseStep;
    const info: ToolPauseInfo = { call_id: entry.id, name: tool.name, args: entry.args, hitl: 'confirmation', gate: 'permission_mode', agent_step: step.name };
    const pause = newPause(run, synthetic, requestId, { message, context: { tool: tool.name, args: entry.args }, tool: info });
    entry.request_id = requestId;
    this.announce(pause, { gate: 'permission_mode' });
    return pause;
  }

  /**
   * The agent asks the user (the built-in question tool, while a person is in the loop): an ordinary
   * `question` pause; the answers go back to the model as the tool's result. When every question has a
   * "(Recommended)" option, the run goes on with those after `question_timeout`.
   */
  private async ask(entry: ToolCallRecord): Promise<unknown> {
    const { run, step } = this;
    if (!run.interaction.human_in_the_loop) {
      return this.finish(entry, 'skipped', 'No person is in the loop to answer questions in this run; decide with your best judgement.');
    }
    const parsed = questionsOf(entry.args);
    if (typeof parsed === 'string') return this.finish(entry, 'failed', { error: `${ASK_USER_TOOL}: ${parsed}` });
    const requestId = run.nextRequestId(step.name);
    const message = parsed.map((q) => q.question).join(' ');
    const recommended = parsed.every((q) => q.options.some((o) => /\(recommended\)/i.test(o.label)));
    const synthetic = {
      name: step.name,
      type: 'question',
      questions: parsed,
      message,
      ...(step.title ? { title: step.title } : {}),
      ...(recommended ? { timeout: step.question_timeout ?? DEFAULT_QUESTION_TIMEOUT, on_timeout: 'recommended' } : {}),
    } as PauseStep;
    const info: ToolPauseInfo = { call_id: entry.id, name: ASK_USER_TOOL, args: entry.args, hitl: 'question', agent_step: step.name };
    const pause = newPause(run, synthetic, requestId, { message, context: { questions: parsed }, tool: info });
    entry.request_id = requestId;
    this.announce(pause);
    return this.settle(undefined, entry, pause);
  }

  private async openPause(tool: AgentTool, entry: ToolCallRecord, hitl: Exclude<ToolPauseInfo['hitl'], 'question'>): Promise<Pause> {
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
    entry.request_id = requestId;
    this.announce(pause);
    return pause;
  }

  /** The pause's timeout passed: settle it by its `on_timeout`, or fail the run. */
  private timeOut(tool: AgentTool | undefined, pause: Pause): DecisionRecord {
    const { run, step } = this;
    const onTimeout = pause.on_timeout;
    const name = pause.tool?.name ?? step.name;
    const waited = pause.tool?.hitl === 'question' ? (step.question_timeout ?? DEFAULT_QUESTION_TIMEOUT) : (tool?.timeout ?? 'its timeout');
    run.record('timed_out', { step: step.name, request_id: pause.request_id, data: { on_timeout: onTimeout, tool: name } });
    run.audit('timed_out', { step: step.name, request_id: pause.request_id, channel: 'timeout', data: { on_timeout: onTimeout, tool: name } });
    if (onTimeout === 'fail') {
      pause.status = 'timed_out';
      const message = `no decision on the ${name} call of step "${step.name}" within ${waited}`;
      run.failStep(this.record, { type: 'timed_out', message });
      throw new RunFailure({ type: 'timed_out', message, step: step.name });
    }
    const value =
      onTimeout === 'recommended'
        ? Object.fromEntries((pause.questions ?? []).map((q) => [q.question, q.options.find((o) => /\(recommended\)/i.test(o.label))!.label]))
        : onTimeout === 'skip'
          ? 'skipped'
          : onTimeout;
    const decision: DecisionRecord = { value, by: 'system', at: new Date().toISOString(), comment: `no decision within ${waited}`, channel: 'timeout' };
    run.settle(pause, decision, 'timed_out');
    return decision;
  }

  private async runTool(tool: AgentTool, entry: ToolCallRecord, args: Record<string, unknown>): Promise<unknown> {
    const notices = this.hooks.changedBeforeTask({ name: this.step.name, handler: tool.handler! });
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
      const { output } = await notices.call((...riding) => activity(args, ...riding));
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

/** The answer a plan approval got: the value of its one question (a bare string is taken as it is). */
function answerTo(value: unknown, question: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const answer = (value as Record<string, unknown>)[question] ?? Object.values(value as Record<string, unknown>)[0];
    if (typeof answer === 'string') return answer;
  }
  return JSON.stringify(value);
}

/** The question tool's arguments as question-pause questions (free text always allowed), or what is wrong with them. */
function questionsOf(args: Record<string, unknown>): Question[] | string {
  const raw = args.questions;
  if (!Array.isArray(raw) || raw.length === 0) return 'give "questions": a list of {"question", "header"?, "options": [{"label", "description"?}]}';
  const questions: Question[] = [];
  for (const [i, q] of raw.entries()) {
    const item = q as { question?: unknown; header?: unknown; options?: unknown };
    if (typeof item?.question !== 'string' || !item.question.trim()) return `questions[${i}].question must be text`;
    const options = Array.isArray(item.options) ? item.options : [];
    const parsed: Question['options'] = [];
    for (const [j, o] of options.entries()) {
      const option = (typeof o === 'string' ? { label: o } : o) as { label?: unknown; description?: unknown };
      if (typeof option?.label !== 'string' || !option.label.trim()) return `questions[${i}].options[${j}].label must be text`;
      if (parsed.some((p) => p.label === option.label)) continue;
      parsed.push({ label: option.label.trim(), ...(typeof option.description === 'string' ? { description: option.description } : {}) });
    }
    if (questions.some((p) => p.question === item.question)) return `questions[${i}] repeats an earlier question`;
    questions.push({ question: item.question.trim(), ...(typeof item.header === 'string' ? { header: item.header } : {}), options: parsed, allow_free_text: true });
  }
  return questions;
}

function hitlOf(tool: AgentTool): Exclude<ToolPauseInfo['hitl'], 'question'> | undefined {
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
