/* global fetch, sessionStorage, crypto, location */
/** The /v1 calls the inbox makes, with the key the person signed in with. */

const STORAGE_KEY = 'holdpoint.inbox.key';

/** The key lives in this tab's session storage only: never localStorage, never a cookie. */
export const session = {
  get: () => sessionStorage.getItem(STORAGE_KEY),
  /** @param {string} key */
  set: (key) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

/** Where /v1 is: beside the page (`/inbox` → `/v1`, `/prefix/inbox` → `/prefix/v1`). */
export const API_BASE = `${location.pathname.replace(/\/inbox\/?$/, '')}/v1`;

/** A refusal or failure, with the API's own words in `message`. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} type
   * @param {string} message
   * @param {Record<string, unknown>} [details]
   */
  constructor(status, type, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.details = details ?? {};
  }
}

/**
 * An error answer as an ApiError: the body's `error.message` word for word when there is one.
 * @param {number} status
 * @param {any} payload
 */
export function errorOf(status, payload) {
  const error = payload && typeof payload === 'object' ? payload.error : undefined;
  if (error && typeof error.message === 'string') return new ApiError(status, String(error.type ?? 'error'), error.message, error.details);
  return new ApiError(status, 'http', `The gateway answered ${status} without saying why.`);
}

/**
 * @param {string} key
 * @param {string} path under /v1
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string>, signal?: AbortSignal }} [init]
 * @returns {Promise<any>}
 */
export async function call(key, path, { method = 'GET', body, headers = {}, signal } = {}) {
  let response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      signal,
      cache: 'no-store',
      credentials: 'omit',
      headers: { accept: 'application/json', 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'The gateway did not answer. Check the connection and try again.');
  }
  const payload = await response.json().catch(() => undefined);
  if (!response.ok) throw errorOf(response.status, payload);
  return payload;
}

/** @param {string} key */
export function inboxApi(key) {
  return {
    /** What waits for the caller: their own, their groups', and unassigned requests. */
    list: () => call(key, '/approvals?assignee=mine&limit=100'),
    /** @param {string} id */
    get: (id) => call(key, `/approvals/${encodeURIComponent(id)}`),
    /**
     * @param {string} id
     * @param {Record<string, unknown>} body
     * @param {string} idempotencyKey
     */
    decide: (id, body, idempotencyKey) =>
      call(key, `/approvals/${encodeURIComponent(id)}/decision?wait=0`, { method: 'POST', body, headers: { 'idempotency-key': idempotencyKey } }),
  };
}

/** A random idempotency key (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newIdempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `inbox-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
