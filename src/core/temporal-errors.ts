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
    if (/already completed/i.test(textOf(err))) {
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
  const text = textOf(err);
  if (updateNotApplied(err)) {
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

/**
 * Temporal itself found no open execution for an update (not a run's own "no such pause" refusal, nor
 * an update to a run that has ended): while a cluster recovers, an update it lost answers so.
 */
export function isTemporalNotFound(err: unknown): boolean {
  return (err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) && !/already completed/i.test(textOf(err));
}

/**
 * Transient states of a busy or recovering cluster in which an update was not applied: the run's
 * workflow task did not take it, is being retried, or its shard is moving. The same update may be sent again.
 */
export function updateNotApplied(err: unknown): boolean {
  return updateNotTaken(err) || /Workflow Task in failed state|shard status unknown/i.test(textOf(err));
}

/** An update the run's workflow task did not take (the run was moving on, or had just ended): nothing was applied. */
export function updateNotTaken(err: unknown): boolean {
  return /wasn't processed by worker/i.test(textOf(err));
}

function textOf(err: unknown): string {
  return err instanceof Error ? `${err.message} ${(err as { details?: string }).details ?? ''} ${err.cause instanceof Error ? err.cause.message : ''}` : '';
}

export function notFound(runId: string): HoldpointError {
  return new HoldpointError(ErrorType.NotFound, `no run ${runId}`, { run_id: runId });
}


const GRPC_NOT_FOUND = 5;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;
