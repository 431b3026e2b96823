import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { ApiKeyRing } from '../../src/auth/api-keys';
import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { RunEventType } from '../../src/contracts/events';
import type { Principal } from '../../src/contracts/principal';
import type { Core } from '../../src/core';
import { assigneeKeys, keysFor } from '../../src/lib/assignees';
import type { Logger } from '../../src/logger';
import { httpStatus, toHoldpointError } from '../errors';
import type { StreamRegistry } from './registry';

export interface WsOptions {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  registry: StreamRegistry;
  heartbeatMs: number;
  /** How long a socket may stay unauthenticated. @default 10s */
  authTimeoutMs?: number;
}

/** Close codes: 4401 no or bad key (as HTTP's 401), 4403 not allowed, 1001 the gateway is going away. */
export const WS_CLOSE = { unauthenticated: 4401, forbidden: 4403, goingAway: 1001, stalled: 4408 } as const;

/** Bytes a client may leave unread before its subscriptions wait; past `STALL_MS` of that it is cut off. */
const MAX_BUFFERED = 1 << 20;
const STALL_MS = 60_000;

const SubscriptionId = z.string().min(1).max(100);
const ClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('auth'), key: z.string().min(1).max(1_000) }),
  z.strictObject({ type: z.literal('ping') }),
  z.strictObject({
    type: z.literal('subscribe'),
    id: SubscriptionId,
    run_id: z.string().min(1).max(255).optional(),
    after: z.number().int().min(0).optional(),
    events: z
      .strictObject({
        workflow: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/).optional(),
        types: z.array(RunEventType).max(50).optional(),
        assignee: z.string().regex(/^(mine|(user:|group:)?[A-Za-z0-9][A-Za-z0-9_.@-]{0,127})$/).optional(),
      })
      .optional(),
    cursor: z.string().min(1).max(1_000).optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), id: SubscriptionId }),
]);
type ClientMessage = z.infer<typeof ClientMessage>;

/**
 * holdpoint's WebSocket at `/v1/ws`: subscribe to runs (`{"type": "subscribe", "id", "run_id", "after"}`)
 * or to the cross-run feed (`{"type": "subscribe", "id", "events": {workflow?, types?, assignee?},
 * "cursor"?}`), unsubscribe by id; the same events and resumption as the SSE routes. The key goes in
 * the upgrade request's `X-API-Key` / `Authorization: Bearer` header, or in a first
 * `{"type": "auth", "key"}` message; a socket without one is closed (4401) with the reason.
 */
export function createWsHandler(options: WsOptions): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  return (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => new Connection(ws, req, options).start());
  };
}

class Connection {
  private principal: Principal | undefined;
  private readonly subscriptions = new Map<string, AbortController>();
  private alive = true;
  private readonly log: Logger;
  private unregister: () => void = () => undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    req: IncomingMessage,
    private readonly options: WsOptions,
  ) {
    this.log = options.logger.child({ component: 'ws' });
    const presented = header(req, 'x-api-key') ?? bearer(header(req, 'authorization'));
    if (presented !== undefined) {
      this.principal = options.keys.authenticate(presented);
      if (!this.principal) this.ws.close(WS_CLOSE.unauthenticated, 'the API key is not valid');
    }
  }

  start(): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.unregister = this.options.registry.add(() => this.ws.close(WS_CLOSE.goingAway, 'the gateway is shutting down'));
    this.send({ type: 'welcome', authenticated: this.principal !== undefined, ...(this.principal ? { principal: this.principal.id } : {}) });
    const authTimer = this.principal
      ? undefined
      : setTimeout(() => {
          if (!this.principal) this.ws.close(WS_CLOSE.unauthenticated, 'unauthenticated: send the key in a header or as {"type":"auth","key":"..."} first');
        }, this.options.authTimeoutMs ?? 10_000);
    this.heartbeat = setInterval(() => {
      if (!this.alive) return this.ws.terminate();
      this.alive = false;
      this.ws.ping();
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
    this.ws.on('pong', () => (this.alive = true));
    this.ws.on('message', (data: RawData) => void this.receive(data));
    this.ws.on('close', () => {
      if (authTimer) clearTimeout(authTimer);
      clearInterval(this.heartbeat);
      this.unregister();
      for (const sub of this.subscriptions.values()) sub.abort();
      this.subscriptions.clear();
    });
  }

  private async receive(data: RawData): Promise<void> {
    let message: ClientMessage;
    try {
      const parsed = ClientMessage.safeParse(JSON.parse(data.toString()));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new HoldpointError(ErrorType.InvalidRequest, `${issue.path.join('.') || 'message'}: ${issue.message}`, { field: issue.path.join('.') });
      }
      message = parsed.data;
    } catch (err) {
      const error = err instanceof HoldpointError ? err : new HoldpointError(ErrorType.InvalidRequest, 'message: is not valid JSON');
      if (!this.principal) return this.ws.close(WS_CLOSE.unauthenticated, 'unauthenticated: the first message must be {"type":"auth","key":"..."}');
      return this.error(error);
    }
    if (message.type === 'auth') {
      if (this.principal) return this.error(new HoldpointError(ErrorType.InvalidRequest, 'already authenticated'));
      this.principal = this.options.keys.authenticate(message.key);
      if (!this.principal) return this.ws.close(WS_CLOSE.unauthenticated, 'the API key is not valid');
      this.send({ type: 'authenticated', principal: this.principal.id });
      return;
    }
    if (!this.principal) return this.ws.close(WS_CLOSE.unauthenticated, 'unauthenticated: the first message must be {"type":"auth","key":"..."}');
    if (message.type === 'ping') return this.send({ type: 'pong' });
    if (message.type === 'unsubscribe') {
      this.subscriptions.get(message.id)?.abort();
      this.subscriptions.delete(message.id);
      return this.send({ type: 'unsubscribed', id: message.id });
    }
    await this.subscribe(message, this.principal);
  }

  private async subscribe(message: Extract<ClientMessage, { type: 'subscribe' }>, principal: Principal): Promise<void> {
    const { id } = message;
    if (this.subscriptions.has(id)) return this.error(new HoldpointError(ErrorType.InvalidRequest, `subscription "${id}" exists; unsubscribe it first or use another id`, { id }), id);
    if ((message.run_id === undefined) === (message.events === undefined)) {
      return this.error(new HoldpointError(ErrorType.InvalidRequest, 'subscribe to a run ("run_id") or to events of every run ("events"), not both', { field: 'run_id' }), id);
    }
    const abort = new AbortController();
    this.subscriptions.set(id, abort);
    try {
      const { core } = this.options;
      if (message.run_id !== undefined) {
        const { workflow } = await core.runs.identify(message.run_id, principal);
        this.send({ type: 'subscribed', id, run_id: message.run_id, after: message.after ?? 0 });
        for await (const event of core.feed.events(message.run_id, workflow, message.after ?? 0, abort.signal)) {
          await this.deliver({ type: 'event', id, cursor: String(event.seq), event });
        }
        if (!abort.signal.aborted) this.send({ type: 'end', id, reason: 'the run ended' });
      } else {
        await core.runs.authorizeRead(principal);
        const cursor = message.cursor ? core.crossRun.parseCursor(message.cursor, 'cursor') : undefined;
        const filter = message.events!;
        const hubVersion = await core.crossRun.ready();
        this.send({ type: 'subscribed', id, events: filter, hub_version: hubVersion });
        const assignees = filter.assignee === undefined ? undefined : filter.assignee === 'mine' ? keysFor(principal.id, principal.groups) : assigneeKeys([filter.assignee]);
        for await (const item of core.crossRun.events({ workflow: filter.workflow, types: filter.types, assignees }, cursor, abort.signal)) {
          if (item.kind === 'gap') await this.deliver({ type: 'gap', id, cursor: item.cursor, partition: item.partition, missed: item.missed });
          else await this.deliver({ type: 'event', id, cursor: item.cursor, event: item.event });
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) this.error(toHoldpointError(err).error, id);
    } finally {
      if (this.subscriptions.get(id) === abort) this.subscriptions.delete(id);
    }
  }

  /** Sends and waits while the client has a lot unread, so a slow client slows only itself. */
  private async deliver(message: Record<string, unknown>): Promise<void> {
    const stalledSince = Date.now();
    while (this.ws.readyState === this.ws.OPEN && this.ws.bufferedAmount > MAX_BUFFERED) {
      if (Date.now() - stalledSince > STALL_MS) {
        this.ws.close(WS_CLOSE.stalled, 'the client stopped reading');
        return;
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    await new Promise<void>((done) => {
      if (this.ws.readyState !== this.ws.OPEN) return done();
      this.ws.send(JSON.stringify(message), () => done());
    });
  }

  private send(message: Record<string, unknown>): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private error(error: HoldpointError, id?: string): void {
    this.send({
      type: 'error',
      ...(id ? { id } : {}),
      error: { type: error.type, status: httpStatus(error.type), message: error.message, ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}) },
    });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function bearer(value: string | undefined): string | undefined {
  const match = value ? /^Bearer\s+(\S+)\s*$/i.exec(value) : null;
  return match?.[1];
}
