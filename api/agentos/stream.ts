import type { Principal } from '../../src/contracts/principal';
import type { RunView } from '../../src/contracts/run';
import type { Core } from '../../src/core';
import { EventTranslator, type TranslationScope, type Translated, type ViewAt } from './events';
import { agentOsStatus } from './layout';

/**
 * Following a run as AgentOS streams it: its log, translated from the first event (so indices are
 * stable), sent from where the caller stands, until the run pauses or ends. SSE and the WebSocket
 * differ only in how they write a frame.
 */

export type Frame = Translated['data'];
export type Sink = (frame: Frame) => Promise<void>;
/** Meta frames (`replay`, `catch_up`, `subscribed`) carry no index and are not run events. */
export type MetaSink = (frame: Record<string, unknown> & { event: string }) => Promise<void>;

/** Reads the run again only when an event is newer than the copy at hand. */
export function viewCache(core: Core, runId: string, actor: Principal, initial?: RunView): ViewAt {
  let view = initial;
  return async (seq) => {
    if (!view || view.last_event_seq < seq) view = await core.runs.get(runId, actor);
    return view;
  };
}

export interface FollowFrom {
  /** Send what comes after this sequence number of the log (a continue sends what its decision caused). */
  afterSeq?: number;
}

/**
 * Sends the run's events after `from` until it waits at a pause nobody has decided yet (`paused`) or
 * ends (`ended`); `stopped` when the caller went away.
 */
export async function follow(core: Core, actor: Principal, scope: TranslationScope, send: Sink, signal: AbortSignal, from: FollowFrom = {}): Promise<'paused' | 'ended' | 'stopped'> {
  const translator = new EventTranslator(scope);
  const viewAt = viewCache(core, scope.runId, actor);
  const after = from.afterSeq ?? 0;
  for await (const event of core.feed.events(scope.runId, scope.workflow, 0, signal)) {
    const { events, pausedAt } = await translator.translate(event, viewAt);
    if (event.seq <= after) continue;
    for (const e of events) await send(e.data);
    if (pausedAt && (await waitsAt(viewAt, event.seq, pausedAt))) return 'paused';
  }
  return signal.aborted ? 'stopped' : 'ended';
}

async function waitsAt(viewAt: ViewAt, seq: number, requestId: string): Promise<boolean> {
  const run = await viewAt(seq);
  return run.pending.some((p) => p.request_id === requestId);
}

export interface ResumeOptions {
  /** Events up to this index were seen already (`-1`: none). */
  lastIndex: number;
  /** A run that waits or has ended is replayed from its first event whatever the index (AgentOS' WebSocket does). */
  replayAll?: boolean;
  /** The `subscribed` message's wording differs between AgentOS' SSE and WebSocket. */
  subscribedMessage: string;
}

/**
 * AgentOS' reconnect: a run that waits or has ended is replayed (a `replay` frame, then the events
 * after `lastIndex`); a running one is caught up (`catch_up`, the missed events, `subscribed`) and
 * then followed live until it pauses or ends.
 */
export async function resume(core: Core, actor: Principal, scope: TranslationScope, send: Sink, meta: MetaSink, signal: AbortSignal, options: ResumeOptions): Promise<void> {
  const first = await core.runs.get(scope.runId, actor);
  const translator = new EventTranslator(scope);
  const viewAt = viewCache(core, scope.runId, actor, first);
  const upTo = first.last_event_seq;
  const live = first.status === 'running';
  const seen: Frame[] = [];
  let caughtUp = false;

  const catchUp = async () => {
    caughtUp = true;
    const total = translator.count;
    const missed = seen.filter((f) => (options.replayAll && !live) || f.event_index > options.lastIndex);
    if (!live) {
      const status = agentOsStatus(first.status);
      await meta(
        options.replayAll
          ? { event: 'replay', run_id: scope.runId, status, total_events: total, message: `Run ${status}. Replaying all events.` }
          : {
              event: 'replay',
              run_id: scope.runId,
              status,
              total_events: missed.length,
              total_buffered: total,
              last_event_index_requested: options.lastIndex,
              message: `Run ${status}. Replaying ${missed.length} missed events (of ${total} total).`,
            },
      );
    } else {
      await meta({ event: 'catch_up', run_id: scope.runId, status: 'running', missed_events: missed.length, current_event_count: total, message: `Catching up on ${missed.length} missed events.` });
    }
    for (const frame of missed) await send(frame);
    if (live) await meta({ event: 'subscribed', run_id: scope.runId, status: 'running', current_event_count: total, message: options.subscribedMessage });
  };

  if (upTo === 0) await catchUp();
  if (caughtUp && !live) return;
  for await (const event of core.feed.events(scope.runId, scope.workflow, 0, signal)) {
    const { events, pausedAt } = await translator.translate(event, viewAt);
    if (!caughtUp) {
      seen.push(...events.map((e) => e.data));
      if (event.seq < upTo) continue;
      await catchUp();
      if (!live) return;
      continue;
    }
    for (const e of events) await send(e.data);
    if (pausedAt && (await waitsAt(viewAt, event.seq, pausedAt))) return;
  }
}
