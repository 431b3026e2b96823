import { HoldpointApiError, HoldpointConnectionError } from './errors';

/** How the client reaches the gateway. */
export interface HoldpointClientOptions {
  /** The gateway's URL, e.g. `http://127.0.0.1:3000` (`/v1` is added to every path). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string | undefined;
  /** Another `fetch` (a proxy agent, a test double, a framework's). @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /**
   * Milliseconds a request may take; a request that waits on the gateway (`wait`) gets that wait on
   * top. For streams it bounds connecting only. @default 30000
   */
  timeout?: number | undefined;
  /** Headers sent with every request (a user agent, a request id). */
  headers?: Record<string, string> | undefined;
  /** Streams: reconnect delays after a drop (doubling per failed attempt) and how many failures in a row to bear. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; maxAttempts?: number } | undefined;
  /** Streams: with nothing (not even a keep-alive) for this long, the connection counts as dropped. @default 60000 */
  streamIdleTimeout?: number | undefined;
}

export type QueryValue = string | number | boolean | readonly string[] | null | undefined;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to `/v1`, already encoded (see {@link path}). */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  body?: unknown;
  headers?: Record<string, string | undefined> | undefined;
  /** How long the gateway may hold the request on purpose (`wait`): added to the timeout. */
  holdMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The transport: URLs, auth, deadlines, and refusals turned into {@link HoldpointApiError}. */
export class Http {
  readonly baseUrl: string;
  private readonly fetcher: typeof fetch;
  readonly timeoutMs: number;

  constructor(readonly options: HoldpointClientOptions) {
    if (!options.baseUrl) throw new TypeError('HoldpointClient: baseUrl is required (e.g. "http://127.0.0.1:3000")');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    const fetcher = options.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (!fetcher) throw new TypeError('HoldpointClient: no global fetch here; pass options.fetch');
    this.fetcher = fetcher;
    this.timeoutMs = options.timeout ?? DEFAULT_TIMEOUT_MS;
  }

  /** A JSON request; resolves with the parsed body of a 2xx answer, throws otherwise. */
  async json<T>(spec: RequestSpec): Promise<T> {
    return (await this.exchange<T>(spec)).body;
  }

  /** Like {@link json}, with the status and headers (`Idempotent-Replayed`). */
  async exchange<T>(spec: RequestSpec): Promise<Answer<T>> {
    const url = this.url(spec.path, spec.query);
    const deadline = withDeadline(this.timeoutMs + (spec.holdMs ?? 0), spec.signal);
    try {
      const response = await this.send(spec.method, url, spec, 'application/json', deadline);
      if (!response.ok) throw await HoldpointApiError.from(response, spec.method, url);
      const text = await response.text();
      let body: unknown = undefined;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch (err) {
          throw new HoldpointConnectionError(`${spec.method} ${url} answered ${response.status} with a body that is not JSON`, 'bad_response', { cause: err });
        }
      }
      return { status: response.status, headers: response.headers, body: body as T };
    } catch (err) {
      throw deadline.translate(err, spec.method, url);
    } finally {
      deadline.clear();
    }
  }

  /** Opens an event stream; resolves once the gateway has answered 200 with `text/event-stream`. */
  async stream(spec: RequestSpec): Promise<Response> {
    const url = this.url(spec.path, spec.query);
    const deadline = withDeadline(this.timeoutMs, spec.signal);
    try {
      const response = await this.send(spec.method, url, spec, 'text/event-stream', deadline);
      if (!response.ok) throw await HoldpointApiError.from(response, spec.method, url);
      if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        throw new HoldpointConnectionError(`${spec.method} ${url} answered ${response.status} without an event stream`, 'bad_response');
      }
      return response;
    } catch (err) {
      throw deadline.translate(err, spec.method, url);
    } finally {
      // Connected: from here the caller's signal alone ends the stream (it still aborts the body).
      deadline.stopTimer();
    }
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      params.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    const qs = params.toString();
    return `${this.baseUrl}/v1${path}${qs ? `?${qs}` : ''}`;
  }

  private send(method: string, url: string, spec: RequestSpec, accept: string, deadline: Deadline): Promise<Response> {
    const headers: Record<string, string> = { accept, ...this.options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    for (const [name, value] of Object.entries(spec.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
    const init: RequestInit = { method, headers, signal: deadline.signal };
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(spec.body);
    }
    return this.fetcher(url, init);
  }
}

/** Encodes each interpolated value as one path segment: path`/workflow-runs/${id}`. */
export function path(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

/** A server-side wait as the API spells it (`1500ms`). */
export function waitParam(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : `${Math.max(0, Math.round(ms))}ms`;
}

/** When no `wait` is given the gateway waits its default (20 s unless configured): allow for it. */
export const DEFAULT_HOLD_MS = 60_000;

interface Deadline {
  signal: AbortSignal;
  clear(): void;
  stopTimer(): void;
  /** Maps what fetch threw to the client's errors; the caller's own abort passes through. */
  translate(err: unknown, method: string, url: string): unknown;
}

/** A signal that aborts at the deadline or when the caller's signal does, whichever comes first. */
function withDeadline(ms: number, outer: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new HoldpointConnectionError(`no answer within ${ms} ms`, 'timeout'));
  }, ms);
  const follow = () => controller.abort(outer?.reason);
  if (outer?.aborted) follow();
  else outer?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', follow);
    },
    stopTimer: () => clearTimeout(timer),
    translate: (err, method, url) => {
      if (err instanceof HoldpointApiError || err instanceof HoldpointConnectionError) return err;
      if (timedOut) return new HoldpointConnectionError(`${method} ${url}: no answer within ${ms} ms`, 'timeout', { cause: err });
      if (outer?.aborted) return err;
      return new HoldpointConnectionError(`cannot reach ${url}: ${describe(err)}`, 'unreachable', { cause: err });
    },
  };
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
