/* global fetch, TextDecoder, setTimeout, clearTimeout, AbortController */
/**
 * The cross-run feed (`GET /v1/events`) over fetch: EventSource cannot send the key as a header.
 * Reconnects after a drop and resumes after the last cursor it saw (`Last-Event-ID`), so nothing is lost.
 */
import { API_BASE, errorOf } from './api.js';

/**
 * @typedef {{ id?: string, event?: string, data?: string, retry?: number }} Frame
 * @typedef {'connecting' | 'live' | 'reconnecting'} FeedState
 * @typedef {{
 *   key: string,
 *   query: string,
 *   onReady: (ready: any) => void,
 *   onEvent: (type: string, data: any) => void,
 *   onState: (state: FeedState) => void,
 *   onRefused: (error: import('./api.js').ApiError) => void,
 * }} FeedOptions
 */

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 15_000;

/** @param {FeedOptions} options */
export function followFeed({ key, query, onReady, onEvent, onState, onRefused }) {
  const abort = new AbortController();
  const { signal } = abort;
  /** @type {string | undefined} */
  let cursor;
  let retryMs = FIRST_RETRY_MS;

  const loop = async () => {
    let first = true;
    while (!signal.aborted) {
      onState(first ? 'connecting' : 'reconnecting');
      first = false;
      try {
        const response = await fetch(`${API_BASE}/events${query}`, {
          signal,
          cache: 'no-store',
          credentials: 'omit',
          headers: { accept: 'text/event-stream', 'x-api-key': key, ...(cursor ? { 'last-event-id': cursor } : {}) },
        });
        if (!response.ok || !response.body) {
          const error = errorOf(response.status, await response.json().catch(() => undefined));
          // A key that no longer works will not start working by retrying.
          if (response.status === 401 || response.status === 403) return onRefused(error);
          throw error;
        }
        for await (const frame of framesOf(response.body)) {
          if (frame.retry !== undefined) retryMs = Math.max(FIRST_RETRY_MS, frame.retry);
          if (frame.id) cursor = frame.id;
          if (frame.data === undefined) continue;
          const data = parseData(frame.data);
          if (frame.event === 'ready') {
            retryMs = FIRST_RETRY_MS;
            onState('live');
            onReady(data);
          } else {
            onEvent(frame.event ?? 'message', data);
          }
        }
      } catch {
        if (signal.aborted) return;
      }
      if (signal.aborted) return;
      onState('reconnecting');
      await delay(retryMs, signal);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  };
  void loop();
  return { stop: () => abort.abort() };
}

/** @param {string} text */
function parseData(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Server-Sent Events frames as the spec reads them: fields per line, a blank line ends a frame.
 * @param {ReadableStream<Uint8Array>} body
 * @returns {AsyncGenerator<Frame>}
 */
async function* framesOf(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  /** @type {Frame} */
  let frame = {};
  /** @type {string[]} */
  let data = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let match;
      while ((match = /\r\n|\r|\n/.exec(buffer))) {
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === '') {
          if (data.length > 0) frame.data = data.join('\n');
          if (frame.data !== undefined || frame.retry !== undefined) yield frame;
          frame = {};
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue; // a keep-alive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const fieldValue = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(fieldValue);
        else if (field === 'event') frame.event = fieldValue;
        else if (field === 'id') frame.id = fieldValue;
        else if (field === 'retry' && /^\d+$/.test(fieldValue)) frame.retry = Number(fieldValue);
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

/**
 * @param {number} ms
 * @param {AbortSignal} signal
 */
function delay(ms, signal) {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        done(undefined);
      },
      { once: true },
    );
  });
}
