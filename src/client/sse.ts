import { HoldpointApiError } from './errors';

/** One Server-Sent Events frame. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * Frames of an event-stream body, as they arrive (WHATWG parsing: `\n`, `\r\n` or `\r` line ends,
 * comments skipped, multi-line data joined). `onActivity` hears of every chunk, keep-alives included.
 */
export async function* readFrames(body: ReadableStream<Uint8Array>, onActivity: () => void = () => undefined): AsyncGenerator<SseFrame> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let frame: SseFrame = {};
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onActivity();
      buffer += decoder.decode(value, { stream: true });
      for (;;) {
        const end = buffer.search(/\r\n|\r|\n/);
        // A lone `\r` at the end may be the first half of `\r\n`: wait for the next chunk.
        if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) break;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
        if (line === '') {
          if (frame.data !== undefined || frame.event !== undefined || frame.id !== undefined) yield frame;
          frame = {};
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
        else if (field === 'event') frame.event = value;
        else if (field === 'id' && !value.includes('\0')) frame.id = value;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

export interface ResumableSpec<T> {
  /** Opens the stream from where the last one stopped (the spec keeps its own position). */
  connect(signal: AbortSignal): Promise<Response>;
  /** What a frame means: a value to yield (or none), and whether it was the stream's last. */
  frame(frame: SseFrame): { value?: T; last?: boolean };
  /** After the gateway closed the stream cleanly: is there nothing more to come? */
  settled(): Promise<boolean>;
}

export interface ResumableOptions {
  /** Stops the iteration (it then ends without an error). */
  signal?: AbortSignal | undefined;
  initialDelayMs?: number | undefined;
  maxDelayMs?: number | undefined;
  /** Failed connections in a row before the iterator gives up with the last error. @default 10 */
  maxAttempts?: number | undefined;
  idleTimeoutMs?: number | undefined;
}

/**
 * An event stream that survives drops: on a cut connection, a gateway restart or a 5xx it waits
 * (doubling, capped) and reconnects from its last position; 4xx answers are thrown as they are. It
 * ends when the spec says the stream is over, when the caller's signal aborts, or on `break`.
 */
export async function* resumable<T>(spec: ResumableSpec<T>, options: ResumableOptions = {}): AsyncGenerator<T> {
  const { signal } = options;
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 10;
  const idleTimeout = options.idleTimeoutMs ?? 60_000;
  let failures = 0;
  let lastError: unknown;
  while (!signal?.aborted) {
    const connection = new AbortController();
    const follow = () => connection.abort(signal?.reason);
    signal?.addEventListener('abort', follow, { once: true });
    let idle: ReturnType<typeof setTimeout> | undefined;
    const alive = () => {
      clearTimeout(idle);
      idle = setTimeout(() => connection.abort(new Error(`stream idle for ${idleTimeout} ms`)), idleTimeout);
      // Node: the watchdog alone must not keep a process alive (the connection does while it is open).
      (idle as { unref?: () => void }).unref?.();
    };
    let delivered = false;
    try {
      const response = await spec.connect(connection.signal);
      alive();
      for await (const frame of readFrames(response.body!, alive)) {
        const { value, last } = spec.frame(frame);
        if (value !== undefined) {
          delivered = true;
          failures = 0;
          yield value;
        }
        if (last) return;
      }
      if (await spec.settled()) return;
      lastError = new Error('the gateway closed the stream');
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof HoldpointApiError && err.status < 500) throw err;
      lastError = err;
    } finally {
      clearTimeout(idle);
      signal?.removeEventListener('abort', follow);
      connection.abort();
    }
    if (!delivered) failures += 1;
    if (failures > maxAttempts) throw lastError;
    await sleep(Math.min(maxDelay, initialDelay * 2 ** Math.max(0, failures - 1)), signal);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}
