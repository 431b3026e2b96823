import type { RunEvent } from '../../src/contracts/events';
import type { Principal } from '../../src/contracts/principal';
import type { RunView } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import type { SseStream } from '../streaming/sse';
import { presentPendingAction, presentRunResponse, presentStep } from './present';

/**
 * `stream: true` on start and resume: the run as Reminix streams a workflow, a `step` frame per step
 * change (`{"type": "step", "name", "status", "output"?, "pendingAction"?}`) and, once the run pauses
 * or ends, a `done` frame with the same body the non-streaming call answers. Each frame's `id` is the
 * event's sequence number, so `GET /v1/workflow-runs/{id}/events` can pick up where it stopped.
 */
export async function streamRun(core: Core, stream: SseStream, runId: string, workflow: string, after: number, actor: Principal): Promise<void> {
  let view: RunView | undefined;
  const current = async (seq: number): Promise<RunView> => {
    if (!view || view.last_event_seq < seq) view = await core.runs.get(runId, actor);
    return view;
  };
  for await (const event of core.feed.events(runId, workflow, after, stream.signal)) {
    const frame = await stepFrame(event, current);
    if (frame) await stream.send({ id: event.seq, event: 'step', data: frame });
    const settled = event.type === 'paused' || event.type === 'run_completed' || event.type === 'run_failed' || event.type === 'run_cancelled';
    if (!settled) continue;
    const run = await current(event.seq);
    if (run.status === 'running') continue; // a pause already decided: the run goes on
    await stream.send({ id: event.seq, event: 'done', data: { type: 'done', ...presentRunResponse(run) } });
    return;
  }
}

async function stepFrame(event: RunEvent, current: (seq: number) => Promise<RunView>): Promise<Record<string, unknown> | undefined> {
  if (!event.step) return undefined;
  switch (event.type) {
    case 'step_started':
      return { type: 'step', name: event.step, status: 'running' };
    case 'step_completed':
    case 'step_failed':
    case 'step_skipped': {
      const record = [...(await current(event.seq)).steps].reverse().find((s) => s.name === event.step);
      return record ? { ...presentStep(record), step_type: record.type, type: 'step' } : { type: 'step', name: event.step, status: event.type.slice(5) };
    }
    case 'paused': {
      const pause = (await current(event.seq)).pauses.find((p) => p.request_id === event.request_id);
      return { type: 'step', name: event.step, status: 'paused', ...(pause ? { pendingAction: presentPendingAction(pause) } : {}) };
    }
    default:
      return undefined;
  }
}
