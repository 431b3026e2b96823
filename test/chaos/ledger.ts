import { createServer, type Server } from 'node:http';
import type { LedgerCall } from './handlers';

export interface LedgerEntry extends LedgerCall {
  at: number;
}

/**
 * The drill's stand-in for a payment provider: task handlers in every worker process announce each
 * attempt (`/begin`) and make their side effect (`/effect`) here, keyed by the activity's
 * idempotency key. An effect whose key was already applied is acknowledged and not applied again,
 * as an idempotent API does; the checks read what was attempted and what was applied.
 */
export class Ledger {
  /** Every attempt, in order. */
  readonly begun: LedgerEntry[] = [];
  /** Every effect call, repeats included. */
  readonly calls: LedgerEntry[] = [];
  /** The applied effects: the first call per key. */
  readonly effects = new Map<string, LedgerEntry>();
  private server: Server | undefined;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let call: LedgerCall;
        try {
          call = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LedgerCall;
        } catch {
          res.writeHead(400).end();
          return;
        }
        const entry = { ...call, at: Date.now() };
        if (req.url === '/begin') this.begun.push(entry);
        else if (req.url === '/effect') {
          this.calls.push(entry);
          if (!this.effects.has(call.key)) this.effects.set(call.key, entry);
        } else {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', () => done()));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }

  /** Attempts `worker` began and has not finished with an effect call yet. */
  inFlight(worker: string): LedgerEntry[] {
    const finished = new Set(this.calls.filter((c) => c.worker === worker).map((c) => `${c.key}#${c.attempt}`));
    return this.begun.filter((b) => b.worker === worker && !finished.has(`${b.key}#${b.attempt}`));
  }

  /** What happened for these runs: attempts, effect calls, applied effects, and applied effects per (run, phase). */
  tally(runIds: ReadonlySet<string>): { attempts: number; calls: number; applied: LedgerEntry[] } {
    return {
      attempts: this.begun.filter((b) => runIds.has(b.run)).length,
      calls: this.calls.filter((c) => runIds.has(c.run)).length,
      applied: [...this.effects.values()].filter((e) => runIds.has(e.run)),
    };
  }
}
