import type { ErrorType } from '../contracts/errors';
import type { ApiErrorBody, Run } from './types';

/**
 * The client's three failures, each telling the caller what to do next:
 * - {@link HoldpointApiError}: the gateway answered and refused (fix the request, or the state changed);
 * - {@link HoldpointConnectionError}: no usable answer (the gateway is down, slow, or not holdpoint); retry later;
 * - {@link HoldpointWaitTimeoutError}: `runs.wait` gave up before the run got where it was asked to.
 */

/** The gateway refused a request: its status, stable error type, message, and the field it names. */
export class HoldpointApiError extends Error {
  override readonly name = 'HoldpointApiError';
  /** The HTTP status (400, 401, 403, 404, 409, 422, 503...). */
  readonly status: number;
  /** The API's machine-readable type (`invalid_request`, `already_decided`, ...); `http_error` when the answer was not a holdpoint error. */
  readonly type: ErrorType | 'http_error';
  /** The offending field (`body.value`, `query.cursor`), when the error names one. */
  readonly field: string | undefined;
  /** Everything else the error carries (who decided, the run's status, every schema issue...). */
  readonly details: Record<string, unknown>;
  /** The gateway's id of the request (its logs carry it). */
  readonly requestId: string | undefined;
  readonly method: string;
  readonly url: string;

  constructor(init: { status: number; type: ErrorType | 'http_error'; message: string; details?: Record<string, unknown>; requestId?: string | undefined; method: string; url: string }) {
    super(init.message);
    this.status = init.status;
    this.type = init.type;
    this.details = init.details ?? {};
    this.field = typeof this.details.field === 'string' ? this.details.field : undefined;
    this.requestId = init.requestId;
    this.method = init.method;
    this.url = init.url;
  }

  /** A client error (4xx): retrying the same request will not help. */
  get isRefusal(): boolean {
    return this.status >= 400 && this.status < 500;
  }

  /** Builds the error from a non-2xx answer: holdpoint's JSON error if it is one, the status line otherwise. */
  static async from(response: Response, method: string, url: string): Promise<HoldpointApiError> {
    const text = await response.text().catch(() => '');
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const body = parseJson(text) as Partial<ApiErrorBody> | undefined;
    const error = body?.error;
    if (error && typeof error.type === 'string' && typeof error.message === 'string') {
      return new HoldpointApiError({ status: response.status, type: error.type as ErrorType, message: error.message, details: error.details ?? {}, requestId, method, url });
    }
    const excerpt = text.trim().slice(0, 200);
    return new HoldpointApiError({
      status: response.status,
      type: 'http_error',
      message: `${method} ${url} answered ${response.status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''}`,
      requestId,
      method,
      url,
    });
  }
}

/** The gateway could not be reached, did not answer in time, or answered something that is not the API's. */
export class HoldpointConnectionError extends Error {
  override readonly name = 'HoldpointConnectionError';
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'timeout' | 'bad_response',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `runs.wait` reached its deadline first; `run` is the run as last seen. */
export class HoldpointWaitTimeoutError extends Error {
  override readonly name = 'HoldpointWaitTimeoutError';
  constructor(
    message: string,
    readonly run: Run,
  ) {
    super(message);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
