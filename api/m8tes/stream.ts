import type { FeedEvent } from '../../src/contracts/events';
import { numericId } from '../../src/contracts/numeric-id';
import type { Principal } from '../../src/contracts/principal';
import type { RunView } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import type { SseStream } from '../streaming/sse';
import { gateOf, presentRequest, statusOf } from './gates';
import { outputText, presentRun } from './present';

/**
 * A run as m8tes streams it: `data: {"type": ...}` frames in the AI SDK's vocabulary, from the run's
 * numbered event log (replayed from its start, then live).
 *
 * - `metadata` first, with the run's integer id (the SDK's `stream.run_id`);
 * - the agent's text as `text-start`/`text-delta`/`text-end`, its plans as `plan-*`, its tool calls as
 *   `tool-call-start`/`-delta`/`-end` and `tool-result-end`;
 * - a pause as `permission_request` (request_id, tool_use_id, tool_name, tool_input); while the run waits
 *   on it, `awaiting_approval`, and the stream closes (m8tes closes on an open gate; rejoin with
 *   `GET /runs/{id}/stream` once it is decided). A decided pause: `permission_resolved`.
 * - the end: `done` (completed), `error` then `done` (failed), `cancelled`.
 *
 * Keep-alives are SSE comments. A stream that breaks closes without a terminal frame, which the SDK
 * reports as `StreamInterruptedError(run_id)`: the run goes on.
 */
export async function streamRun(core: Core, stream: SseStream, start: RunView, actor: Principal, log: Logger): Promise<void> {
  const runId = start.run_id;
  const id = numericId(runId);
  let view = start;
  const current = async (seq: number): Promise<RunView> => {
    if (view.last_event_seq < seq) view = await core.runs.get(runId, actor);
    return view;
  };
  const send = (data: Record<string, unknown>) => stream.send({ data });
  let texts = 0;
  const announced = new Set<string>();

  await send({ type: 'metadata', payload: { run_id: id, teammate_id: numericId(start.workflow), status: 'running', holdpoint_run_id: runId, workflow: start.workflow } });
  try {
    for await (const event of core.feed.events(runId, start.workflow, 0, stream.signal)) {
      const data = event.data ?? {};
      switch (event.type) {
        case 'agent_message': {
          if (typeof data.text !== 'string' || !data.text) break;
          const kind = data.plan === true ? 'plan' : 'text';
          const frameId = `${kind}_${event.seq}`;
          await send({ type: `${kind}-start`, id: frameId });
          await send({ type: `${kind}-delta`, id: frameId, delta: data.text });
          await send({ type: `${kind}-end`, id: frameId });
          if (kind === 'text') texts += 1;
          break;
        }
        case 'tool_started': {
          const callId = String(data.call_id);
          await send({ type: 'tool-call-start', toolCallId: callId, toolName: String(data.tool) });
          await send({ type: 'tool-call-delta', toolCallId: callId, delta: JSON.stringify(data.args ?? {}) });
          await send({ type: 'tool-call-end', toolCallId: callId });
          break;
        }
        case 'tool_completed':
          await send({ type: 'tool-result-end', toolCallId: String(data.call_id), toolName: String(data.tool), status: String(data.status), result: null });
          break;
        case 'paused': {
          const run = await current(event.seq);
          const pause = run.pauses.find((p) => p.request_id === event.request_id);
          if (!pause) break;
          await send(gateFrame(id, pause, run));
          announced.add(pause.request_id);
          if (pause.status !== 'pending' || run.status !== 'paused') break;
          // The run waits: announce every gate it waits on, say so, and close (m8tes' contract).
          for (const other of run.pending.filter((p) => !announced.has(p.request_id))) await send(gateFrame(id, other, run));
          await send({ type: 'awaiting_approval', run_id: id, status: 'awaiting_approval', request_id: pause.request_id, tool_use_id: gateOf(pause).toolUseId, pending: run.pending.map((p) => p.request_id) });
          stream.close('the run waits for a person; rejoin with GET /runs/{id}/stream once it is decided');
          return;
        }
        case 'decided': {
          const run = await current(event.seq);
          const pause = run.pauses.find((p) => p.request_id === event.request_id);
          await send({
            type: 'permission_resolved',
            run_id: id,
            request_id: event.request_id,
            ...(pause ? { status: statusOf(pause), tool_use_id: gateOf(pause).toolUseId } : {}),
            decided_by: typeof data.by === 'string' ? data.by : null,
          });
          break;
        }
        case 'permission_mode_changed':
          await send({ type: 'metadata', payload: { run_id: id, permission_mode: data.to, previous_permission_mode: data.from } });
          break;
        case 'run_completed':
        case 'run_failed':
        case 'run_cancelled': {
          const run = await current(event.seq);
          // Gates the end closed unanswered (a cancel, a failure) are resolved too.
          for (const pause of run.pauses.filter((p) => announced.has(p.request_id) && p.status === 'cancelled')) {
            await send({ type: 'permission_resolved', run_id: id, request_id: pause.request_id, status: 'cancelled', tool_use_id: gateOf(pause).toolUseId, decided_by: null });
          }
          await finish(event, run, texts, send);
          stream.close('end of the run');
          return;
        }
        default:
          break;
      }
    }
    // The feed ended without a last event (the run was ended outside holdpoint): say how it stands.
    if (!stream.closed) {
      const run = await core.runs.get(runId, actor);
      await finish(undefined, run, texts, send);
      stream.close('end of the run');
    }
  } catch (err) {
    if (stream.closed) return;
    log.warn({ err, runId }, 'm8tes run stream failed');
    // No terminal frame: the SDK raises StreamInterruptedError naming the run, which goes on.
    stream.close('the stream broke; the run goes on (GET /runs/{id})');
  }
}

function gateFrame(id: number, pause: RunView['pauses'][number], run: RunView): Record<string, unknown> {
  const request = presentRequest(pause, run);
  return { type: 'permission_request', run_id: id, ...request };
}

async function finish(event: FeedEvent | undefined, run: RunView, texts: number, send: (data: Record<string, unknown>) => Promise<void>): Promise<void> {
  const id = numericId(run.run_id);
  if (run.status === 'completed') {
    // A workflow without an agent (or whose answer was never streamed) still says what it produced.
    const text = outputText(run.result);
    if (texts === 0 && text) {
      await send({ type: 'text-start', id: 'result' });
      await send({ type: 'text-delta', id: 'result', delta: text });
      await send({ type: 'text-end', id: 'result' });
    }
    await send({ type: 'done', run_id: id, status: 'completed', stop_reason: 'end_turn', completion_state: 'complete', run: presentRun(run) });
    return;
  }
  if (run.status === 'cancelled') {
    await send({ type: 'cancelled', run_id: id, status: 'cancelled', reason: run.cancel_requested?.reason ?? null, cancelled_by: run.cancel_requested?.by ?? null });
    return;
  }
  const message = run.error?.message ?? (event ? 'the run failed' : 'the run ended outside holdpoint');
  await send({ type: 'error', run_id: id, error: message, error_code: run.error?.type ?? 'failed' });
  await send({ type: 'done', run_id: id, status: 'failed', stop_reason: 'error', completion_state: 'failed' });
}
