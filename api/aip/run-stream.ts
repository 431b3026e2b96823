import { APPROVE_OPTION, REJECT_OPTION } from '../../src/contracts/options';
import type { RunEvent } from '../../src/contracts/events';
import type { Principal } from '../../src/contracts/principal';
import type { Pause, RunView } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import type { SseStream } from '../streaming/sse';

/**
 * `POST /agents/{id}/run`: a run as GL AIP streams an agent (`data: {json}` chunks, each with a string
 * `content` and a `metadata` object whose `kind` says what it is). A pause the AIP decision endpoint can
 * settle is an `agent_step` chunk with `metadata.hitl` `{required: true, decision: "pending", request_id,
 * timeout_at, timeout_seconds}` and `metadata.tool_info`; the stream stays open (keep-alive comments)
 * and, once decided through any face, carries the chunk with the final decision, then the run goes on.
 * The end is a `final_response` chunk, a `usage` chunk when models ran, and `data: [DONE]`.
 */
export async function streamAipRun(core: Core, stream: SseStream, start: RunView, actor: Principal, log: Logger): Promise<void> {
  const runId = start.run_id;
  let view: RunView = start;
  const current = async (seq: number): Promise<RunView> => {
    if (view.last_event_seq < seq) view = await core.runs.get(runId, actor);
    return view;
  };
  const chunk = (taskState: string, content: string, metadata: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    task_id: runId,
    context_id: start.session_id ?? runId,
    status: 'success',
    task_state: taskState,
    content,
    ...extra,
    metadata: { run_id: runId, time: new Date().toISOString(), ...metadata },
  });
  const send = (data: Record<string, unknown>) => stream.send({ data });

  await send(chunk('working', '', { kind: 'run_info', workflow: start.workflow }));
  try {
    for await (const event of core.feed.events(runId, start.workflow, 0, stream.signal)) {
      const out = await translate(event, current, chunk);
      for (const data of out) await send(data);
      if (event.type !== 'run_completed' && event.type !== 'run_failed' && event.type !== 'run_cancelled') continue;
      const ended = await current(event.seq);
      await send(finalChunk(ended, chunk));
      const usage = usageOf(ended);
      if (usage) await send(chunk('completed', '', { kind: 'usage' }, { usage }));
      await stream.send({ data: '[DONE]', raw: true });
      stream.close('end of the run');
      return;
    }
  } catch (err) {
    if (stream.closed) return;
    log.warn({ err, runId }, 'AIP run stream failed');
    // The run goes on without this stream; say where to follow it, then end cleanly.
    await send(chunk('failed', '', { kind: 'error' }, { status: 'error', error: 'the stream broke' }));
    await send(
      chunk('failed', `The stream of run ${runId} broke; the run goes on. Follow it at GET /v1/workflow-runs/${runId}/events.`, { kind: 'final_response' }, { is_final: true }),
    );
    await stream.send({ data: '[DONE]', raw: true });
    stream.close('stream failed');
  }
}

type ChunkFn = (taskState: string, content: string, metadata: Record<string, unknown>, extra?: Record<string, unknown>) => Record<string, unknown>;

async function translate(event: RunEvent, current: (seq: number) => Promise<RunView>, chunk: ChunkFn): Promise<Record<string, unknown>[]> {
  const step = event.step;
  const data = event.data ?? {};
  switch (event.type) {
    case 'step_started':
      return [chunk('working', `Running step: ${step}`, { kind: 'agent_step', status: 'running', step })];
    case 'step_completed':
    case 'step_skipped':
      return [chunk('working', `Step ${step} ${event.type === 'step_completed' ? 'completed' : 'skipped'}`, { kind: 'agent_step', status: 'finished', step })];
    case 'step_failed':
    {
      const message = (data.error as { message?: unknown } | undefined)?.message;
      return [chunk('failed', `Step ${step} failed${typeof message === 'string' ? `: ${message}` : ''}`, { kind: 'agent_step', status: 'finished', step })];
    }
    case 'branch_taken':
      return [chunk('working', `Step ${step} took branch ${String(data.branch ?? 'otherwise')}`, { kind: 'agent_step', status: 'finished', step })];
    case 'agent_message':
      return typeof data.text === 'string' && data.text ? [chunk('working', data.text, { kind: 'agent_thinking_step', status: 'finished', step })] : [];
    case 'tool_started':
      return [
        chunk('working', `Calling ${String(data.tool)}`, {
          kind: 'agent_step',
          status: 'running',
          step,
          tool_info: { id: String(data.call_id), name: String(data.tool), args: objectOr(data.args), status: 'running' },
        }),
      ];
    case 'tool_completed':
      return [
        chunk('working', `${String(data.tool)} ${toolStatusText(String(data.status))}`, {
          kind: 'agent_step',
          status: 'finished',
          step,
          tool_info: { id: String(data.call_id), name: String(data.tool), args: {}, status: String(data.status) },
        }),
      ];
    case 'paused': {
      const pause = (await current(event.seq)).pauses.find((p) => p.request_id === event.request_id);
      return pause ? [pauseChunk(pause, chunk)] : [];
    }
    case 'timed_out':
      return [chunk('working', `No decision on ${event.request_id} in time (${String(data.on_timeout)})`, { kind: 'status_update', status: 'finished', step })];
    case 'decided': {
      const pause = (await current(event.seq)).pauses.find((p) => p.request_id === event.request_id);
      const decision = aipDecision(data.value, data.channel);
      const by = typeof data.by === 'string' ? ` by ${data.by}` : '';
      const comment = typeof data.comment === 'string' && data.comment ? data.comment : undefined;
      return [
        chunk('working', `Request ${event.request_id} ${decision}${by}${comment ? `: ${comment}` : ''}`, {
          kind: 'agent_step',
          status: 'finished',
          step,
          ...(pause ? { tool_info: toolInfo(pause) } : {}),
          hitl: { required: true, decision, request_id: event.request_id, ...(comment ? { operator_input: comment } : {}), ...(typeof data.by === 'string' ? { decided_by: data.by } : {}) },
        }),
      ];
    }
    case 'cancel_requested':
      return [chunk('working', 'Cancellation requested', { kind: 'status_update', status: 'running' })];
    default:
      return [];
  }
}

/** A pending pause: the HITL chunk when approved/rejected/skipped can settle it, otherwise a pointer to /v1. */
function pauseChunk(pause: Pause, chunk: ChunkFn): Record<string, unknown> {
  if (!aipDecidable(pause)) {
    return chunk('input-required', `Waiting for ${pause.type} on step ${pause.step}: ${pause.message} (answer it with POST /v1/approvals/${pause.request_id}/decision)`, {
      kind: 'status_update',
      status: 'running',
      step: pause.step,
      pause: { request_id: pause.request_id, type: pause.type, ...(pause.options ? { options: pause.options } : {}) },
    });
  }
  const timeoutSeconds = pause.timeout_at ? Math.max(0, Math.round((Date.parse(pause.timeout_at) - Date.parse(pause.created_at)) / 1000)) : undefined;
  return chunk('input-required', `Awaiting human approval for request '${pause.request_id}': ${pause.message}`, {
    kind: 'agent_step',
    status: 'running',
    step: pause.step,
    tool_info: toolInfo(pause),
    hitl: {
      required: true,
      decision: 'pending',
      request_id: pause.request_id,
      ...(pause.timeout_at ? { timeout_at: pause.timeout_at, timeout_seconds: timeoutSeconds } : {}),
      ...(pause.assignees.length > 0 ? { assignees: pause.assignees } : {}),
    },
  });
}

/** AIP's decisions are approved / rejected / skipped: pauses offering approve and reject. */
export function aipDecidable(pause: Pause): boolean {
  if (pause.tool && pause.tool.hitl !== 'confirmation') return false;
  return (pause.options ?? []).includes(APPROVE_OPTION) && (pause.options ?? []).includes(REJECT_OPTION);
}

function toolInfo(pause: Pause): Record<string, unknown> {
  if (pause.tool) return { id: pause.tool.call_id, name: pause.tool.name, args: pause.tool.args };
  return { id: pause.request_id, name: pause.step, args: objectOr(pause.context) };
}

/** holdpoint's decision values in AIP's words. */
function aipDecision(value: unknown, channel: unknown): string {
  if (value === APPROVE_OPTION) return 'approved';
  if (value === REJECT_OPTION) return 'rejected';
  if (value === 'skipped') return channel === 'timeout' ? 'timeout_skip' : 'skipped';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function finalChunk(run: RunView, chunk: ChunkFn): Record<string, unknown> {
  switch (run.status) {
    case 'completed':
      return chunk('completed', resultText(run.result), { kind: 'final_response' }, { is_final: true });
    case 'cancelled':
      return chunk('canceled', `Run cancelled${run.cancel_requested?.reason ? `: ${run.cancel_requested.reason}` : ''}`, { kind: 'final_response' }, { is_final: true, status: 'error' });
    default: {
      const kind = run.steps.some((s) => s.error?.type === 'step_limit_exceeded') ? 'step_limit_exceeded' : 'final_response';
      const where = run.error?.step ? ` at step ${run.error.step}` : '';
      return chunk('failed', `Run failed${where}: ${run.error?.message ?? 'unknown error'}`, { kind }, { is_final: true, status: 'error' });
    }
  }
}

/** The run's result as text: a string as it is, an agent's answer by its text, anything else as JSON. */
function resultText(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result && typeof result === 'object' && typeof (result as { text?: unknown }).text === 'string') return (result as { text: string }).text;
  if (result === null || result === undefined) return 'Run completed';
  return JSON.stringify(result);
}

/** Tokens the run's agent steps used, summed; undefined when no model ran. */
function usageOf(run: RunView): { input_tokens: number; output_tokens: number; total_tokens: number } | undefined {
  let input = 0;
  let output = 0;
  let seen = false;
  for (const step of run.steps) {
    if (step.type !== 'agent') continue;
    const usage = (step.output as { usage?: { input_tokens?: number; output_tokens?: number } } | undefined)?.usage;
    if (!usage) continue;
    seen = true;
    input += usage.input_tokens ?? 0;
    output += usage.output_tokens ?? 0;
  }
  return seen ? { input_tokens: input, output_tokens: output, total_tokens: input + output } : undefined;
}

function toolStatusText(status: string): string {
  switch (status) {
    case 'ran':
      return 'ran';
    case 'rejected':
      return 'was rejected';
    case 'skipped':
      return 'was skipped';
    case 'failed':
      return 'failed';
    default:
      return status;
  }
}

function objectOr(value: unknown): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  return value === undefined || value === null ? {} : { value };
}
