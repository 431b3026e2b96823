import {
  isGrpcServiceError,
  QueryNotRegisteredError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType, HoldpointError, isErrorType } from '../contracts/errors';

/**
 * Turns what the Temporal client throws into our taxonomy. Unknown errors pass through untouched so the
 * gateway's boundary logs them as bugs.
 */
export function fromTemporal(err: unknown, runId: string): unknown {
  if (err instanceof HoldpointError) return err;
  if (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) {
    // Updates to a closed run fail as "not found" with this message; the run exists, it has ended.
    if (/already completed/i.test(err instanceof Error ? `${err.message} ${(err as { details?: string }).details ?? ''}` : '')) {
      return new HoldpointError(ErrorType.RunEnded, `run ${runId} has ended; it takes no more decisions or cancellation`, { run_id: runId });
    }
    return notFound(runId);
  }
  if (err instanceof QueryNotRegisteredError) return notFound(runId);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message, details } = err.cause;
    if (isErrorType(type)) return new HoldpointError(type, message, (details?.[0] as Record<string, unknown> | undefined) ?? {});
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HoldpointError(
      ErrorType.Unavailable,
      `no worker answered for run ${runId} in time; the request may still be applied when a worker polls again. Read the run before retrying (a retry with the same idempotency key is safe).`,
      { run_id: runId },
    );
  }
  // Transient states of a busy or recovering cluster (its database restarting, a workflow task being
  // retried): nothing was applied, and the same request (with its idempotency key) may be sent again.
  const text = err instanceof Error ? `${err.message} ${(err as { details?: string }).details ?? ''} ${err.cause instanceof Error ? err.cause.message : ''}` : '';
  if (/Workflow Task in failed state|wasn't processed by worker|shard status unknown/i.test(text)) {
    return new HoldpointError(ErrorType.Unavailable, `Temporal could not take the request for run ${runId} just now (${text.trim().slice(0, 200)}); send it again (with the same idempotency key, if it had one)`, {
      run_id: runId,
    });
  }
  if (isGrpcServiceError(err) && (err.code === GRPC_UNAVAILABLE || err.code === GRPC_DEADLINE_EXCEEDED)) {
    return new HoldpointError(ErrorType.Unavailable, `Temporal did not answer in time for run ${runId}: ${err.details ?? err.message}`, {
      run_id: runId,
    });
  }
  return err;
}

/** Temporal itself found no execution (not a run's own "no such pause" refusal). */
export function isTemporalNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND);
}

export function notFound(runId: string): HoldpointError {
  return new HoldpointError(ErrorType.NotFound, `no run ${runId}`, { run_id: runId });
}


const GRPC_NOT_FOUND = 5;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;
