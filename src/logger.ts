import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  format: 'pretty' | 'json';
  name?: string;
  /** stderr keeps stdout for a command's own output (`npm run temporal -- … -o json`). @default stdout */
  stream?: 'stdout' | 'stderr';
}

/** One structured logger per process; components take `logger.child({ component })`. */
export function createLogger({ level, format, name = 'holdpoint', stream = 'stdout' }: LoggerOptions): Logger {
  const fd = stream === 'stderr' ? 2 : 1;
  if (format === 'pretty') {
    const pretty = loadPretty();
    if (pretty) return pino({ name, level }, pretty({ colorize: true, sync: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l', destination: fd }));
  }
  return pino({ name, level }, pino.destination({ fd, sync: true }));
}

/** pino-pretty is a development nicety; production images log JSON and need not ship it. */
function loadPretty(): ((options: Record<string, unknown>) => NodeJS.WritableStream) | undefined {
  try {
    return require('pino-pretty') as (options: Record<string, unknown>) => NodeJS.WritableStream;
  } catch {
    return undefined;
  }
}

const TEMPORAL_LEVELS: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

let runtimeInstalled = false;

/**
 * Routes the Temporal SDK's logs (worker, workflow `log`, activity `log`) into our logger. The SDK
 * allows one runtime per process, so only the first call counts.
 */
export function installTemporalLogging(logger: Logger, level: string, options: { handleSignals?: boolean } = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const temporal = logger.child({ component: 'temporal' });
  Runtime.install({
    // The runtime shuts workers down on SIGINT/SIGTERM by default; an entry point that also stops a
    // server or a dev Temporal takes the signals itself.
    ...(options.handleSignals === false ? { shutdownSignals: [] } : {}),
    logger: new DefaultLogger(TEMPORAL_LEVELS[level] ?? 'INFO', ({ level: l, message, meta }) => {
      const fields = meta ?? {};
      if (l === 'ERROR') temporal.error(fields, message);
      else if (l === 'WARN') temporal.warn(fields, message);
      else if (l === 'INFO') temporal.info(fields, message);
      else temporal.debug(fields, message);
    }),
  });
}
