import { NativeConnection } from '@temporalio/worker';
import type { Logger } from '../src/logger';
import { retryConnect, type TemporalTarget } from '../src/temporal/connection';

/** Connects a worker, retrying while the server is not up yet (as `connectClient` does). */
export function connectWorker(target: TemporalTarget, logger: Logger, timeoutMs = 60_000): Promise<NativeConnection> {
  return retryConnect(
    () => NativeConnection.connect({ address: target.address, ...(target.apiKey ? { apiKey: target.apiKey, tls: true } : {}) }),
    target.address,
    logger,
    timeoutMs,
  );
}

