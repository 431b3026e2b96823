/** A minimal Server-Sent Events client for tests: frames as they arrive, with deadlines on every wait. */

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  /** Comment lines (`: ...`) seen before this frame. */
  comments: string[];
}

export interface SseConnection {
  status: number;
  headers: Headers;
  /** The next frame, or undefined once the stream has ended. Throws after `deadlineMs`. */
  next(deadlineMs?: number): Promise<SseFrame | undefined>;
  /** Frames until `until` returns true for one (included), or the stream ends. */
  collect(until: (frame: SseFrame) => boolean, deadlineMs?: number): Promise<SseFrame[]>;
  /** Comments seen so far (heartbeats). */
  comments: string[];
  ended: boolean;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}, init: { method?: string; body?: unknown } = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { accept: 'text/event-stream', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    signal: abort.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  let pending: SseFrame = { comments: [] };
  let ended = false;
  let wake: (() => void) | undefined;

  const pump = async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let index: number;
        while ((index = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, index).replace(/\r$/, '');
          buffer = buffer.slice(index + 1);
          if (line === '') {
            if (pending.id !== undefined || pending.event !== undefined || pending.data !== undefined) frames.push(pending);
            pending = { comments: [] };
            wake?.();
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            pending.comments.push(line.slice(1).trim());
            wake?.();
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') pending.id = value;
            else if (field === 'event') pending.event = value;
            else if (field === 'data') pending.data = pending.data === undefined ? value : `${pending.data}\n${value}`;
          }
        }
      }
    } catch {
      // aborted
    }
    ended = true;
    wake?.();
  };
  void pump();

  const connection: SseConnection = {
    status: response.status,
    headers: response.headers,
    comments,
    get ended() {
      return ended && frames.length === 0;
    },
    async next(deadlineMs = 15_000) {
      const deadline = Date.now() + deadlineMs;
      while (frames.length === 0) {
        if (ended) return undefined;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no SSE frame within ${deadlineMs} ms`);
        await new Promise<void>((done) => {
          const timer = setTimeout(done, left);
          wake = () => {
            clearTimeout(timer);
            done();
          };
        });
        wake = undefined;
      }
      return frames.shift();
    },
    async collect(until, deadlineMs = 15_000) {
      const out: SseFrame[] = [];
      const deadline = Date.now() + deadlineMs;
      for (;;) {
        const frame = await connection.next(Math.max(1, deadline - Date.now()));
        if (!frame) return out;
        out.push(frame);
        if (until(frame)) return out;
      }
    },
    close: () => abort.abort(),
  };
  return connection;
}

/** Parses a frame's JSON data. */
export function dataOf<T = Record<string, unknown>>(frame: SseFrame | undefined): T {
  if (!frame?.data) throw new Error(`frame has no data: ${JSON.stringify(frame)}`);
  return JSON.parse(frame.data) as T;
}
