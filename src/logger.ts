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
