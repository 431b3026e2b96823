import { Client, Connection } from '@temporalio/client';
import type { Logger } from '../logger';

export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string | undefined;
}

/**
 * Connects a client, retrying while the server is not up yet (containers start in any order) and
 * saying so every few seconds. One connection per process, shared by every request.
 */
export async function connectClient(target: TemporalTarget, logger: Logger, timeoutMs = 60_000): Promise<Client> {
  const connection = await retryConnect(
    () => Connection.connect({ address: target.address, ...(target.apiKey ? { apiKey: target.apiKey, tls: true } : {}) }),
    target.address,
    logger,
    timeoutMs,
  );
  return new Client({ connection, namespace: target.namespace });
}

/** Retries `connect` until it succeeds or `timeoutMs` passes, saying every few seconds that it waits. */
export async function retryConnect<T>(connect: () => Promise<T>, address: string, logger: Logger, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastNotice = 0;
  for (;;) {
    try {
      return await connect();
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`cannot reach Temporal at ${address} after ${timeoutMs / 1000}s: ${(err as Error).message}. Is TEMPORAL_ADDRESS right?`, {
          cause: err,
        });
      }
      if (Date.now() - lastNotice > 5_000) {
        logger.info({ address }, 'waiting for Temporal to accept connections');
        lastNotice = Date.now();
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
