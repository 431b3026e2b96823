import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ErrorType, HoldpointError } from '../contracts/errors';
import { getRefusalsQuery, recordRefusalSignal, type RefusalRecord } from '../contracts/messages';
import type { AuditEntry } from '../contracts/run';
import { REFUSALS_ID_SUFFIX, REFUSALS_WORKFLOW_TYPE } from '../contracts/temporal';
import type { Logger } from '../logger';

/** Error types that mean "a decision was attempted and refused": each is written to the refusal log. */
const REFUSAL_TYPES: ReadonlySet<string> = new Set([
  ErrorType.Forbidden,
  ErrorType.InvalidDecision,
  ErrorType.InvalidRequest,
  ErrorType.AlreadyDecided,
  ErrorType.StepMismatch,
  ErrorType.NotPaused,
  ErrorType.DigestMismatch,
  ErrorType.IdempotencyConflict,
  ErrorType.RunEnded,
]);

/** Writes refused decisions to `<run_id>.refusals`, starting that log on the first one. */
export class RefusalLog {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly logger: Logger,
  ) {}

  /** Records the refusal if `error` is one; never throws (the caller's answer is the refusal itself). */
  async record(runId: string, error: unknown, attempt: Omit<RefusalRecord, 'reason'>): Promise<void> {
    if (!(error instanceof HoldpointError) || !REFUSAL_TYPES.has(error.type)) return;
    try {
      await this.client.workflow.signalWithStart(REFUSALS_WORKFLOW_TYPE, {
        workflowId: `${runId}${REFUSALS_ID_SUFFIX}`,
        taskQueue: this.taskQueue,
        args: [{ run_id: runId }],
        signal: recordRefusalSignal,
        signalArgs: [{ ...attempt, reason: { type: error.type, message: error.message } }],
        staticSummary: `refused decisions of ${runId}`,
      });
    } catch (err) {
      this.logger.warn({ err, runId }, 'could not record a refused decision in the refusal log');
    }
  }

  /** The run's refusal log, empty when nothing was ever refused. */
  async read(runId: string, timeoutMs: number): Promise<AuditEntry[]> {
    const handle = this.client.workflow.getHandle(`${runId}${REFUSALS_ID_SUFFIX}`);
    try {
      return await this.client.withDeadline(Date.now() + timeoutMs, () => handle.query(getRefusalsQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return [];
      // A closed log's result holds its entries; no worker is needed to read it.
      try {
        return (await this.client.withDeadline(Date.now() + timeoutMs, () => handle.result())) as AuditEntry[];
      } catch {
        throw err;
      }
    }
  }
}
