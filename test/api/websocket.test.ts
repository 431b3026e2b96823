import WebSocket from 'ws';
import { keyOf, resume, start, startStack, type TestStack } from '../harness/stack';

/** A test client for /v1/ws: messages as they arrive, awaited with deadlines. */
class Socket {
  readonly messages: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | undefined;
  private wake: (() => void) | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
      this.wake?.();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake?.();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Socket> {
    const ws = new WebSocket(url, { headers });
    const socket = new Socket(ws);
    return new Promise((done, fail) => {
      ws.once('open', () => done(socket));
      ws.once('error', fail);
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Waits for a message matching `match` (and returns it), or for the socket to close. */
  async next(match: (m: Record<string, unknown>) => boolean, deadlineMs = 15_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const index = this.messages.findIndex(match);
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before a matching message`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${deadlineMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((done) => {
        const timer = setTimeout(done, left);
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
  }

  async untilClosed(deadlineMs = 15_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + deadlineMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise<void>((done) => {
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
    return this.closed;
  }
}

describe('the WebSocket at /v1/ws', () => {
  let stack: TestStack;
  let wsUrl: string;
  beforeAll(async () => {
    stack = await startStack();
    wsUrl = `${stack.url.replace('http', 'ws')}/v1/ws`;
  });
  afterAll(() => stack.stop());

  const lead = { input: { task: 'Route this lead', state: { leadId: 'lead-ws' } } };

  it('follows a run with the key in a header, then unsubscribes and hears nothing more of it', async () => {
    const started = await start(stack, 'lead-router', lead).expect(200);
    const runId = started.body.run_id as string;
    const socket = await Socket.open(wsUrl, { 'x-api-key': keyOf('viewer') });
    expect(await socket.next((m) => m.type === 'welcome')).toMatchObject({ authenticated: true, principal: 'viewer' });

    socket.send({ type: 'subscribe', id: 'r1', run_id: runId, after: 0 });
    expect(await socket.next((m) => m.type === 'subscribed')).toMatchObject({ id: 'r1', run_id: runId });
    const paused = await socket.next((m) => m.type === 'event' && (m.event as { type: string }).type === 'paused');
    expect(paused).toMatchObject({ id: 'r1', cursor: '4', event: { seq: 4, run_id: runId, step: 'approval' } });

    socket.send({ type: 'unsubscribe', id: 'r1' });
    await socket.next((m) => m.type === 'unsubscribed' && m.id === 'r1');
    socket.messages.length = 0;
    await resume(stack, runId, { input: { approved: true } }, '?wait=5s').expect(200);
    // A ping round trip after the run ended: had the subscription lived on, its events would be here first.
    socket.send({ type: 'ping' });
    await socket.next((m) => m.type === 'pong');
    expect(socket.messages.filter((m) => m.id === 'r1')).toEqual([]);
    socket.ws.close();
  });

  it('takes the key in a first message, resumes after a sequence number, and says when the run ended', async () => {
    const started = await start(stack, 'lead-router', lead).expect(200);
    const runId = started.body.run_id as string;
    const socket = await Socket.open(wsUrl);
    expect(await socket.next((m) => m.type === 'welcome')).toMatchObject({ authenticated: false });
    socket.send({ type: 'auth', key: keyOf('alice') });
    await socket.next((m) => m.type === 'authenticated');

    socket.send({ type: 'subscribe', id: 'late', run_id: runId, after: 3 });
    expect(await socket.next((m) => m.type === 'event')).toMatchObject({ id: 'late', event: { seq: 4, type: 'paused' } });
    await resume(stack, runId, { input: { resume: { step: 'approval', input: 'reject' } } }, '?wait=0').expect(200);
    const ended = await socket.next((m) => m.type === 'end');
    expect(ended).toMatchObject({ id: 'late', reason: 'the run ended' });
    const events = socket.messages.filter((m) => m.type === 'event').map((m) => (m.event as { seq: number; type: string }));
    expect(events.at(-1)!.type).toBe('run_completed');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => 5 + i));
    socket.ws.close();
  });

  it('carries the cross-run feed with its filters', async () => {
    const socket = await Socket.open(wsUrl, { authorization: `Bearer ${keyOf('bob')}` });
    socket.send({ type: 'subscribe', id: 'mine', events: { assignee: 'mine', types: ['paused'] } });
    const subscribed = await socket.next((m) => m.type === 'subscribed');
    await stack.worker.holdpoint.subscriptions.waitFor(subscribed.hub_version as number);
    const started = await start(stack, 'lead-router', lead).expect(200);
    const event = await socket.next((m) => m.type === 'event' && (m.event as { run_id: string }).run_id === started.body.run_id);
    expect(event).toMatchObject({ id: 'mine', event: { type: 'paused', assignees: ['group:sales-ops'] } });
    expect(String(event.cursor)).toMatch(/^\d+\.\d+$/);
    socket.ws.close();
  });

  it('closes unauthenticated sockets with a reason, and answers bad messages with errors naming the field', async () => {
    const wrongKey = await Socket.open(wsUrl, { 'x-api-key': 'not-a-key-of-anyone-at-all' });
    expect(await wrongKey.untilClosed()).toEqual({ code: 4401, reason: 'the API key is not valid' });

    const noKey = await Socket.open(wsUrl);
    noKey.send({ type: 'subscribe', id: 'x', run_id: 'wfr_X' });
    const closed = await noKey.untilClosed();
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/^unauthenticated/);

    const socket = await Socket.open(wsUrl, { 'x-api-key': keyOf('viewer') });
    socket.send({ type: 'subscribe', id: 'nope', run_id: 'wfr_DOES_NOT_EXIST' });
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ id: 'nope', error: { type: 'not_found', status: 404 } });
    socket.send({ type: 'subscribe', id: 'bad', after: -1, run_id: 'wfr_X' });
    expect(await socket.next((m) => m.type === 'error')).toMatchObject({ error: { type: 'invalid_request', details: { field: 'after' } } });
    socket.ws.close();
  });

  it('closes open sockets with 1001 when the gateway shuts down', async () => {
    const other = await startStack();
    const socket = await Socket.open(`${other.url.replace('http', 'ws')}/v1/ws`, { 'x-api-key': keyOf('viewer') });
    await socket.next((m) => m.type === 'welcome');
    await other.stop();
    expect(await socket.untilClosed()).toEqual({ code: 1001, reason: 'the gateway is shutting down' });
  });
});
