import { DEFAULT_HOLD_MS, path, waitParam, type Http } from './http';
import { Paginated } from './paging';
import type { Approval, ApprovalPage, BulkAnswer, BulkDecision, DecisionAnswer, DecisionBody, InboxQuery } from './types';

export interface DecideOptions {
  /** How long the gateway may wait for the run's next pause or its end before answering (ms). @default the gateway's (20 s) */
  wait?: number;
  /** A retried decision with the same key answers what the first one did (sent as `Idempotency-Key`). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** The approvals inbox: what waits for whom, one request in full, and deciding it. */
export class Approvals {
  constructor(private readonly http: Http) {}

  /** Inbox items across pages (`status` defaults to pending; `assignee: 'mine'` for the caller's). */
  list(query: InboxQuery = {}): Paginated<Approval, ApprovalPage> {
    return new Paginated((cursor) => this.http.json<ApprovalPage>({ method: 'GET', path: '/approvals', query: { ...query, cursor } }));
  }

  /** One request: its message, context, digest, who may decide, votes and decision. */
  get(requestId: string): Promise<Approval> {
    return this.http.json({ method: 'GET', path: path`/approvals/${requestId}` });
  }

  /**
   * Decides a request. Send the `digest` the request showed (`approval.digest`) to be refused with
   * 409 `digest_mismatch` if what it asks has changed since; answers the request as decided and its run.
   */
  decide(requestId: string, decision: DecisionBody, options: DecideOptions = {}): Promise<DecisionAnswer> {
    return this.http.json({
      method: 'POST',
      path: path`/approvals/${requestId}/decision`,
      query: { wait: waitParam(options.wait) },
      headers: { 'idempotency-key': options.idempotencyKey },
      body: decision,
      holdMs: options.wait ?? DEFAULT_HOLD_MS,
      signal: options.signal,
    });
  }

  /** Up to 100 decisions at once; each answers on its own (`results[i].ok`), the call itself succeeds. */
  decideMany(decisions: BulkDecision[]): Promise<BulkAnswer> {
    return this.http.json({ method: 'POST', path: '/approvals/decisions', body: { decisions } });
  }
}
