import { setTimeout as sleep } from 'node:timers/promises';

/** What kind of request a call is, for the figures. */
export type CallKind = 'start' | 'decide' | 'read' | 'admin';

export interface Call {
  kind: CallKind;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** Sent as Idempotency-Key on every try: what makes retrying a write safe. */
  key?: string;
  /** The principal whose API key is sent. */
  who: string;
  /** The gateway tried first (an index into the gateway list). */
  via: number;
  /** Give up (answer the last failure) after this. */
  deadline: number;
}

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The gateway that answered. */
  gateway: number;
  tries: number;
  at: number;
}

/** Counts over every call, and the requests each gateway holds right now. */
export class CallStats {
  sent: Record<CallKind, number> = { start: 0, decide: 0, read: 0, admin: 0 };
  networkErrors = 0;
  /** Answers by status for 5xx (retried): 503 is the documented "try again"; a 500 is a bug. */
  serverErrors: Record<number, number> = {};
  /** A few bodies of 500 answers, to say what broke. */
  internalErrors: string[] = [];
  inFlight: number[] = [];
  /** Calls that failed on a connection and were answered later (by another gateway or a retry). */
  failovers: { kind: CallKind; gateway: number; failedAt: number; answeredAt: number; answeredBy: number }[] = [];
  inFlightByKind: Record<CallKind, number>[] = [];

  reset(): void {
    this.sent = { start: 0, decide: 0, read: 0, admin: 0 };
    this.networkErrors = 0;
    this.serverErrors = {};
    this.internalErrors = [];
    this.failovers = [];
  }
}

/**
 * A client of several gateways, as a careful production client is written: every write carries an
 * idempotency key; a connection failure, a timeout or a 5xx is retried (with backoff) against the next
 * gateway with the same key; anything else is the answer.
 */
export class DrillClient {
  readonly stats = new CallStats();

  constructor(
    private readonly gateways: () => readonly string[],
    private readonly keys: ReadonlyMap<string, string>,
  ) {}

  async call(c: Call): Promise<Answer> {
    const urls = this.gateways();
    let gateway = c.via % urls.length;
    let lastFailure: string;
    let firstFailure: { gateway: number; at: number } | undefined;
    for (let tries = 1, backoff = 100; ; tries++, backoff = Math.min(backoff * 2, 2_000)) {
      this.stats.sent[c.kind] += 1;
      const held = this.hold(gateway, c.kind);
      let retry: 'other' | 'same';
      try {
        const remaining = Math.max(1_000, c.deadline - Date.now());
        const res = await fetch(`${this.gateways()[gateway]}${c.path}`, {
          method: c.method,
          headers: {
            'x-api-key': this.keys.get(c.who) ?? 'unknown-principal',
            ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(c.key ? { 'idempotency-key': c.key } : {}),
          },
          ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
          // Longer than any `wait` the drills ask for: silence past it means the gateway is gone.
          signal: AbortSignal.timeout(Math.min(remaining, 45_000)),
        });
        const text = await res.text();
        if (res.status < 500) {
          if (firstFailure) this.stats.failovers.push({ kind: c.kind, gateway: firstFailure.gateway, failedAt: firstFailure.at, answeredAt: Date.now(), answeredBy: gateway });
          return { status: res.status, body: parseBody(text), gateway, tries, at: Date.now() };
        }
        this.stats.serverErrors[res.status] = (this.stats.serverErrors[res.status] ?? 0) + 1;
        lastFailure = `${res.status} ${text.slice(0, 300)}`;
        if (res.status === 500 && this.stats.internalErrors.length < 3) this.stats.internalErrors.push(`${c.method} ${c.path.split('?')[0]}: ${text.slice(0, 200)}`);
        retry = 'same';
      } catch (err) {
        this.stats.networkErrors += 1;
        firstFailure ??= { gateway, at: Date.now() };
        lastFailure = err instanceof Error ? `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}` : String(err);
        retry = 'other';
      } finally {
        held();
      }
      if (Date.now() + backoff > c.deadline) throw new Error(`${c.method} ${c.path} failed after ${tries} tries: ${lastFailure}`);
      // A connection failure moves to the next gateway almost at once; a 5xx waits, then tries the next one too.
      await sleep(retry === 'same' ? backoff : Math.min(backoff, 200));
      gateway = (gateway + 1) % urls.length;
    }
  }

  private hold(gateway: number, kind: CallKind): () => void {
    const s = this.stats;
    s.inFlight[gateway] = (s.inFlight[gateway] ?? 0) + 1;
    const byKind = (s.inFlightByKind[gateway] ??= { start: 0, decide: 0, read: 0, admin: 0 });
    byKind[kind] += 1;
    return () => {
      s.inFlight[gateway]! -= 1;
      byKind[kind] -= 1;
    };
  }
}

function parseBody(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return { unparsed: text.slice(0, 500) };
  }
}
