import { randomUUID } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { SessionId } from '../../src/contracts/http/agentos';
import type { Principal } from '../../src/contracts/principal';
import type { Logger } from '../../src/logger';
import type { UpgradeHandler } from '../server';
import { assertPaused, decisionsFor } from './continue';
import { AgentOsError } from './http';
import type { AgentOsOptions } from './index';
import { agentOsStatus, type LayoutCache } from './layout';
import { runOf, scopeOf, stateFrom, workflowOf } from './lookup';
import { follow, resume, type Frame } from './stream';

/**
 * AgentOS' WebSocket at `/workflows/ws`: authenticate with the bare key, then start, continue and
 * reconnect to runs. Control messages are JSON; the events of a run this socket started or continued
 * are SSE-formatted text (`event: X\ndata: {...}\n\n`), and those of a reconnect are plain JSON, as
 * AgentOS sends them.
 */

const Start = z.object({ workflow_id: z.string().optional(), message: z.string().default(''), session_id: SessionId.optional(), user_id: z.string().max(255).optional(), version: z.number().int().min(1).optional() });
const Continue = z.object({ workflow_id: z.string(), run_id: z.string(), session_id: z.string().optional(), step_requirements: z.array(z.record(z.string(), z.unknown())) });
const Reconnect = z.object({ run_id: z.string(), workflow_id: z.string().optional(), session_id: z.string().optional(), last_event_index: z.number().int().min(-1).optional() });

/** Bytes a client may leave unread before its streams wait; past a minute of that it is cut off. */
const MAX_BUFFERED = 1 << 20;

export function createAgentOsWs(options: AgentOsOptions, layouts: LayoutCache): UpgradeHandler {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  return (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => new AgentOsSocket(ws, options, layouts).start());
}

class AgentOsSocket {
  private principal: Principal | undefined;
  private readonly streams = new Set<AbortController>();
  private readonly log: Logger;
  private alive = true;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: AgentOsOptions,
    private readonly layouts: LayoutCache,
  ) {
    this.log = options.logger.child({ component: 'agentos-ws' });
  }

  start(): void {
    const unregister = this.options.registry.add(() => this.ws.close(1001, 'the gateway is shutting down'));
    const heartbeat = setInterval(() => {
      if (!this.alive) return this.ws.terminate();
      this.alive = false;
      this.ws.ping();
    }, this.options.heartbeatMs);
    heartbeat.unref();
    this.ws.on('pong', () => (this.alive = true));
    this.ws.on('message', (data: RawData) => void this.receive(data));
    this.ws.on('close', () => {
      clearInterval(heartbeat);
      unregister();
      for (const stream of this.streams) stream.abort();
    });
    this.json({ event: 'connected', message: 'Connected to AgentOS. Please authenticate to continue.', requires_auth: true });
  }

  private async receive(data: RawData): Promise<void> {
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(data.toString());
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch {
      return this.json({ event: 'error', error: 'Invalid JSON message' });
    }
    const action = message.action;
    if (action === 'authenticate') return this.authenticate(message.token);
    if (!this.principal) return this.json({ event: 'auth_required', error: 'Authentication required. Send authenticate action with valid bearer token.' });
    try {
      if (action === 'ping') return this.json({ event: 'pong' });
      if (action === 'start-workflow') return await this.startWorkflow(message, this.principal);
      if (action === 'continue-workflow') return await this.continueWorkflow(message, this.principal);
      if (action === 'reconnect') return await this.reconnect(message, this.principal);
      this.json({ event: 'error', error: `Unknown action: ${String(action)}` });
    } catch (err) {
      this.fail(err);
    }
  }

  private authenticate(token: unknown): void {
    if (typeof token !== 'string' || token === '') return this.json({ event: 'auth_error', error: 'Token is required' });
    // As in AgentOS, the socket takes the bare key (`Bearer <key>` is refused).
    const principal = this.options.keys.authenticate(token);
    if (!principal) return this.json({ event: 'auth_error', error: 'Invalid token' });
    this.principal = principal;
    this.json({ event: 'authenticated', message: 'Authentication successful. You can now send commands.' });
  }

  private async startWorkflow(message: Record<string, unknown>, caller: Principal): Promise<void> {
    const body = parse(Start, message);
    if (!body.workflow_id) return this.json({ event: 'error', error: 'workflow_id is required' });
    const { core } = this.options;
    const resolved = await workflowOf(core, body.workflow_id, body.version, caller).catch((err: unknown) => {
      if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw new AgentOsError(404, `Workflow ${body.workflow_id} not found`);
      throw err;
    });
    const { run } = await core.runs.start(
      {
        workflow: resolved.definition.name,
        task: body.message,
        state: stateFrom(resolved.definition, body.message),
        waitMs: 0,
        version: body.version,
        sessionId: body.session_id ?? randomUUID(),
        userId: body.user_id,
      },
      caller,
    );
    const scope = await scopeOf(this.layouts, run, caller);
    await this.stream((signal) => follow(core, caller, scope, (f) => this.sse(f), signal));
  }

  private async continueWorkflow(message: Record<string, unknown>, caller: Principal): Promise<void> {
    const body = parse(Continue, message);
    const { core } = this.options;
    const run = await runOf(core, body.workflow_id, body.run_id, caller, body.session_id);
    if (run.status !== 'paused') return this.json({ event: 'error', error: `Run is not paused (status=${agentOsStatus(run.status)})` });
    assertPaused(run);
    let decisions;
    try {
      decisions = decisionsFor(run, body.step_requirements);
    } catch (err) {
      return this.json({ event: 'error', error: `Invalid step_requirements: ${err instanceof Error ? err.message : String(err)}` });
    }
    for (const decision of decisions) await core.runs.decide(run.run_id, { ...decision, via: 'agentos' }, 0, caller);
    const scope = await scopeOf(this.layouts, run, caller);
    await this.stream((signal) => follow(core, caller, scope, (f) => this.sse(f), signal, { afterSeq: run.last_event_seq }));
  }

  private async reconnect(message: Record<string, unknown>, caller: Principal): Promise<void> {
    const body = parse(Reconnect, message);
    const { core } = this.options;
    const run = await runOf(core, body.workflow_id, body.run_id, caller).catch(() => undefined);
    if (!run) return this.json({ event: 'error', error: `Run ${body.run_id} not found in buffer or database` });
    const scope = await scopeOf(this.layouts, run, caller);
    await this.stream((signal) =>
      resume(core, caller, scope, (f) => this.deliver(JSON.stringify(f)), (m) => this.deliver(JSON.stringify(m)), signal, {
        lastIndex: body.last_event_index ?? -1,
        // A run that waits or has ended is replayed whole over the socket (AgentOS ignores the index there).
        replayAll: true,
        subscribedMessage: 'Subscribed to workflow run. You will receive new events as they occur.',
      }),
    );
  }

  /** Runs one stream of this socket; closing the socket stops it. */
  private async stream(body: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    const abort = new AbortController();
    this.streams.add(abort);
    try {
      await body(abort.signal);
    } finally {
      this.streams.delete(abort);
    }
  }

  private sse(frame: Frame): Promise<void> {
    return this.deliver(`event: ${frame.event}\ndata: ${JSON.stringify(frame)}\n\n`);
  }

  /** Sends and waits while the client has a lot unread, so a slow client slows only its own streams. */
  private async deliver(text: string): Promise<void> {
    const since = Date.now();
    while (this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount > MAX_BUFFERED) {
      if (Date.now() - since > 60_000) return this.ws.close(4408, 'the client stopped reading');
      await new Promise((done) => setTimeout(done, 50)); // back-pressure poll, bounded above
    }
    await new Promise<void>((done) => (this.ws.readyState === this.ws.OPEN ? this.ws.send(text, () => done()) : done()));
  }

  private json(message: Record<string, unknown>): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private fail(err: unknown): void {
    if (err instanceof AgentOsError || err instanceof HoldpointError) {
      const detail = err instanceof AgentOsError ? err.detail : err.message;
      return this.json({ event: 'error', error: typeof detail === 'string' ? detail : JSON.stringify(detail), ...(err instanceof HoldpointError ? { error_type: err.type } : {}) });
    }
    this.log.error({ err }, 'AgentOS socket action failed');
    this.json({ event: 'error', error: 'internal error; the gateway log has the details' });
  }
}

function parse<S extends z.ZodType>(schema: S, message: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(message);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new AgentOsError(422, `${issue.path.join('.') || 'message'}: ${issue.message}`);
}
