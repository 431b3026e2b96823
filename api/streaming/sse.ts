import type { Request, Response } from 'express';
import type { StreamRegistry } from './registry';

export interface SseOptions {
  /** An idle stream gets a comment this often, so proxies keep it open. */
  heartbeatMs: number;
  registry: StreamRegistry;
  /** A client that has not taken what was written for this long is cut off (its buffer would grow). */
  stallMs?: number;
}

export interface SseFrame {
  id?: string | number;
  event?: string;
  data: unknown;
  /** `data` is written as it is (a string such as `[DONE]`), not as JSON. */
  raw?: boolean;
}

/**
 * One Server-Sent Events response. `send` waits while the client's socket is full, so a slow client
 * slows its own producer instead of growing the gateway's memory; one that stops reading is cut off.
 * `signal` aborts when the client goes away or the gateway shuts down.
 */
export class SseStream {
  private readonly abort = new AbortController();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unregister: () => void;
  private readonly stallMs: number;
  private ended = false;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    options: SseOptions,
  ) {
    this.stallMs = options.stallMs ?? Math.max(60_000, options.heartbeatMs * 4);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx and friends: do not buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    // Reconnect after two seconds (EventSource's retry field).
    res.write('retry: 2000\n\n');
    this.heartbeat = setInterval(() => {
      if (!res.writableNeedDrain) res.write(`: keep-alive ${new Date().toISOString()}\n\n`);
    }, options.heartbeatMs);
    this.heartbeat.unref();
    this.unregister = options.registry.add(() => this.close('the gateway is shutting down'));
    const gone = () => this.finish();
    req.on('close', gone);
    res.on('close', gone);
    // The client may have gone while the route was still deciding to stream (authorising, reading the
    // run): its 'close' has fired already and will not again, so the stream would live on unheard.
    if (req.socket?.destroyed || res.destroyed) this.finish();
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Writes one frame; resolves once the socket can take more. */
  async send(frame: SseFrame): Promise<void> {
    if (this.ended) return;
    let text = '';
    if (frame.id !== undefined) text += `id: ${frame.id}\n`;
    if (frame.event) text += `event: ${frame.event}\n`;
    text += `data: ${frame.raw ? String(frame.data) : JSON.stringify(frame.data)}\n\n`;
    if (this.res.write(text)) return;
    await this.drained();
  }

  comment(text: string): void {
    if (!this.ended && !this.res.writableNeedDrain) this.res.write(`: ${text.replace(/\n/g, ' ')}\n\n`);
  }

  /** Ends the stream, with a last comment saying why. */
  close(reason?: string): void {
    if (this.ended) return;
    if (reason) this.comment(reason);
    this.res.end();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.unregister();
    this.abort.abort();
  }

  private drained(): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(() => {
        // The client stopped reading: do not hold its backlog.
        this.res.destroy();
        finish();
      }, this.stallMs);
      timer.unref();
      const finish = () => {
        clearTimeout(timer);
        this.res.off('drain', finish);
        this.res.off('close', finish);
        done();
      };
      this.res.once('drain', finish);
      this.res.once('close', finish);
    });
  }
}

/** Whether the caller asked for an event stream (`Accept: text/event-stream`). */
export function wantsEventStream(req: Request): boolean {
  return (req.get('accept') ?? '').split(',').some((part) => part.trim().toLowerCase().startsWith('text/event-stream'));
}
