import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { Logger } from '../src/logger';
import type { StreamRegistry } from './streaming/registry';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The request line and headers together may be this long. Node's default (16 KiB) refused a long
 * query (a 4000-character cursor of non-ASCII text is 24 KB encoded) with a bare 431 before any face
 * could name the parameter; at 64 KiB every documented query fits and is refused, if too long, by its
 * schema. Beyond it Node still answers 431 with no body (the OpenAPI document says so).
 */
export const MAX_HEADER_BYTES = 64 * 1024;

export interface ServeOptions {
  port: number;
  host: string;
  logger: Logger;
  /** The app's open streams, closed first on shutdown. */
  streams: StreamRegistry;
  /** WebSocket endpoints by path. */
  upgrades: Record<string, UpgradeHandler>;
  /** Also stopped on shutdown, after the streams: the feeds' watchers, the lease. */
  onClose?: () => Promise<void>;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** Closes streams with a word to their clients, stops accepting, waits for requests in flight. */
  close(): Promise<void>;
}

/** Listens, routes WebSocket upgrades by path, and shuts down cleanly. */
export function serve(app: Express, options: ServeOptions): Promise<RunningServer> {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, app);
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = options.upgrades[path];
    if (!handler) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    handler(req, socket, head);
  });
  return new Promise((ready, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new Error(`port ${options.port} is in use; set PORT to a free port`) : err),
    );
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      const url = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${port}`;
      let closing: Promise<void> | undefined;
      ready({
        server,
        url,
        close: () =>
          (closing ??= (async () => {
            options.streams.closeAll();
            await options.onClose?.().catch((err: unknown) => options.logger.warn({ err }, 'error while stopping the feeds'));
            await new Promise<void>((done) => {
              server.close(() => done());
              // Keep-alive connections with nothing in flight would hold close() open.
              server.closeIdleConnections();
            });
          })()),
      });
    });
  });
}
