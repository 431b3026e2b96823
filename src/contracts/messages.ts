import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AwaitSettledRequest, CancelRequest, DecisionRequest, EventsQuery, PermissionModeRequest } from './decision';
import type { RunEvent } from './events';
import type { AuditEntry, RunView } from './run';

/**
 * The run workflow's message contract, for the gateway, tests and any other service.
 * Naming rule: the wire name is the export name without its kind suffix (`decideUpdate` → `decide`).
 * From the CLI: `temporal workflow signal --workflow-id <run_id> --name decide --input '{...}'`.
 */

/** Decide a pending pause; rejected by the validator (nothing written to history) when invalid. */
export const decideUpdate = defineUpdate<RunView, [DecisionRequest]>('decide');

/** The same decision, fire-and-forget; an invalid one is recorded as a `decision_rejected` event. */
export const decideSignal = defineSignal<[DecisionRequest]>('decide');

/** Returns the run once it is paused or has ended, waiting at most `wait_ms`. */
export const awaitSettledUpdate = defineUpdate<RunView, [AwaitSettledRequest]>('awaitSettled');

/** Records who cancels and why; the caller then cancels the workflow execution. */
export const requestCancelUpdate = defineUpdate<RunView, [CancelRequest]>('requestCancel');

/** Switches the permission mode of the run's agent steps; `autonomous` allows the tool gates it waits on. */
export const setPermissionModeUpdate = defineUpdate<RunView, [PermissionModeRequest]>('setPermissionMode');

/** The run's current state. */
export const getRunQuery = defineQuery<RunView>('getRun');

/** A page of the run's event log, after a sequence number. */
export const getEventsQuery = defineQuery<RunEvent[], [EventsQuery]>('getEvents');

/** The run's hash-chained audit trail. */
export const getAuditQuery = defineQuery<AuditEntry[]>('getAudit');

/** A refused decision, for a run's refusal log (its own workflow: refusals never touch the run's history). */
export interface RefusalRecord {
  request_id?: string;
  step?: string;
  by?: string;
  value?: unknown;
  comment?: string;
  /** How the attempt arrived: `rest` (a face of the gateway) or `update`. */
  channel: string;
  reason: { type: string; message: string };
}

export const recordRefusalSignal = defineSignal<[RefusalRecord]>('recordRefusal');

export const getRefusalsQuery = defineQuery<AuditEntry[]>('getRefusals');
