import { createServer, type IncomingMessage, type Server } from 'node:http';

/** One request a receiver got. */
export interface Received {
  at: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * A webhook receiver for tests: records every request; can fail the next N requests, answer slowly,
 * or go away entirely (connections refused) and come back on the same port.
 */
export class Receiver {
  readonly received: Received[] = [];
  /** Requests to answer with 500 before answering 200 again. */
  failNext = 0;
  private server: Server | undefined;
  private port = 0;
  private waiters: { check: () => boolean; done: () => void }[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.failNext > 0 ? 500 : 200;
        if (this.failNext > 0) this.failNext -= 1;
        this.received.push({ at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : '{"error":"receiver is failing on purpose"}');
        for (const w of [...this.waiters]) if (w.check()) w.done();
      });
    });
    await new Promise<void>((done) => this.server!.listen(this.port, '127.0.0.1', () => done()));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Stops listening (connections are refused) until `start()` again, on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  /** Successful deliveries (answered 200). */
  delivered(): Received[] {
    return this.received.filter((r) => r.status === 200);
  }

  /** Waits until `check` holds (re-checked on every request), with a deadline. */
  until(check: () => boolean, deadlineMs = 20_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        fail(new Error(`receiver condition not met within ${deadlineMs} ms (${this.received.length} requests so far)`));
      }, deadlineMs);
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
