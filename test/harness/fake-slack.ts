import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/** A call Slack's Web API stand-in received (method name and its arguments). */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  /** What the stand-in answered (a posted message's `ts` is here). */
  answer: Record<string, unknown>;
}

/**
 * A local stand-in for Slack's Web API (`chat.postMessage`, `chat.update`, `chat.postEphemeral`),
 * answering as Slack does, so Slack's own Node client is what runs. Point SLACK_API_URL at `apiUrl`.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  private server: Server | undefined;
  private ts = 1_700_000_000;
  private waiters: { check: () => boolean; done: () => void }[] = [];

  apiUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
        const raw = Buffer.concat(chunks).toString('utf8');
        const args = parseBody(req.headers['content-type'] ?? '', raw);
        if (req.headers.authorization !== 'Bearer xoxb-test-token') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'invalid_auth' }));
          return;
        }
        const channel = String(args.channel ?? '');
        let answer: Record<string, unknown>;
        if (method === 'chat.postMessage') answer = { ok: true, channel: channel.replace(/^#/, 'C'), ts: `${++this.ts}.000100`, message: { text: args.text } };
        else if (method === 'chat.update') answer = { ok: true, channel, ts: args.ts };
        else if (method === 'chat.postEphemeral') answer = { ok: true, message_ts: `${++this.ts}.000200` };
        else answer = { ok: false, error: 'unknown_method' };
        this.calls.push({ method, args, answer });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
        for (const w of [...this.waiters]) if (w.check()) w.done();
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', () => done()));
    this.apiUrl = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  of(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  until(check: () => boolean, deadlineMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`Slack stand-in: condition not met within ${deadlineMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`)), deadlineMs);
      const waiter = {
        check,
        done: () => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          done();
        },
      };
      this.waiters.push(waiter);
    });
  }
}

function parseBody(type: string, raw: string): Record<string, unknown> {
  if (type.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    try {
      out[k] = k === 'blocks' || k === 'attachments' ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

/** Signs an interaction exactly as Slack does: `v0=` HMAC-SHA256 of `v0:<ts>:<body>` with the signing secret. */
export function signSlack(signingSecret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature, 'content-type': 'application/x-www-form-urlencoded' };
}

/** The body Slack posts when someone clicks a button of a posted message. */
export function clickBody(user: string, channel: string, action: { action_id: string; value: string }): string {
  const payload = {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase() },
    channel: { id: channel },
    container: { type: 'message', channel_id: channel },
    trigger_id: `${Date.now()}.trigger`,
    actions: [{ ...action, type: 'button', block_id: 'b', action_ts: `${Date.now() / 1000}${Math.random().toString().slice(2, 6)}` }],
    response_url: 'http://127.0.0.1:9/unused',
  };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
