import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { getAuditQuery, getRefusalsQuery } from '../contracts/messages';
import type { AuditEntry } from '../contracts/run';
import { REFUSALS_ID_SUFFIX } from '../contracts/temporal';
import { verifyChain, type ChainVerification } from '../lib/audit-chain';

const EventType = temporal.api.enums.v1.EventType;

/** A decision as Temporal's history received it (an accepted `decide` update, or a `decide` signal). */
export interface ReceivedDecision {
  channel: 'update' | 'signal';
  by?: string;
  value?: unknown;
  action?: string;
  idempotency_key?: string;
}

export interface AuditReport extends ChainVerification {
  /** Decisions in history that the trail does not account for, and audited decisions history never received. */
  history: { ok: boolean; received: number; problems: string[] };
}

/** Reads a run's trail and every execution's history, and checks one against the other. */
export async function verifyRunAudit(client: Client, runId: string): Promise<AuditReport> {
  const handle = client.workflow.getHandle(runId);
  const own = await handle.query(getAuditQuery);
  const refusals = await client.workflow
    .getHandle(`${runId}${REFUSALS_ID_SUFFIX}`)
    .query(getRefusalsQuery)
    .catch(() => [] as AuditEntry[]);
  const received = await receivedDecisions(client, runId);
  const entries = [...own, ...refusals];
  return { ...verifyChain(entries), history: crossCheck(own, received) };
}

/** Every decision the run's executions received, oldest execution first (continue-as-new is followed back). */
async function receivedDecisions(client: Client, runId: string): Promise<ReceivedDecision[]> {
  const converter = client.options.loadedDataConverter.payloadConverter;
  const decode = (payloads: temporal.api.common.v1.IPayload[] | null | undefined): Record<string, unknown> =>
    (payloads?.[0] ? converter.fromPayload(payloads[0]) : {}) as Record<string, unknown>;
  const histories: temporal.api.history.v1.IHistoryEvent[][] = [];
  let executionRunId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(runId, executionRunId).fetchHistory();
    const events = history.events ?? [];
    histories.unshift(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) break;
    executionRunId = previous;
  }
  const decisions: ReceivedDecision[] = [];
  for (const event of histories.flat()) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) {
      const request = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
      if (request?.name === 'decide') decisions.push({ channel: 'update', ...pick(decode(request.args?.payloads)) });
    } else if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === 'decide') decisions.push({ channel: 'signal', ...pick(decode(signal.input?.payloads)) });
    }
  }
  return decisions;
}

function pick(args: Record<string, unknown>): Omit<ReceivedDecision, 'channel'> {
  return {
    ...(typeof args.by === 'string' ? { by: args.by } : {}),
    ...(args.value !== undefined ? { value: args.value } : {}),
    ...(typeof args.action === 'string' ? { action: args.action } : {}),
    ...(typeof args.idempotency_key === 'string' ? { idempotency_key: args.idempotency_key } : {}),
  };
}

/**
 * Each audited decision (vote, decision, skip, refused signal) must match a decision history received,
 * one for one, and each received decision must show up in the trail (a repeated idempotent decision
 * shows up once).
 */
export function crossCheck(trail: readonly AuditEntry[], received: readonly ReceivedDecision[]): AuditReport['history'] {
  const unmatched = [...received];
  const problems: string[] = [];
  const take = (entry: AuditEntry, value: unknown) => {
    const index = unmatched.findIndex((d) => d.channel === entry.channel && (d.by ?? null) === (entry.by ?? null) && same(d.action === 'skip' ? 'skipped' : d.value, value));
    if (index === -1) problems.push(`audit entry ${entry.seq} (${entry.type} ${JSON.stringify(value)} by ${entry.by ?? 'nobody'} via ${entry.channel}) matches no decision in history`);
    else unmatched.splice(index, 1);
  };
  for (const entry of trail) {
    if (entry.channel !== 'update' && entry.channel !== 'signal') continue;
    // A quorum's settling vote is recorded once, as `decided`; every other vote as `voted`.
    if (['refused', 'voted', 'decided', 'skipped'].includes(entry.type)) take(entry, entry.value);
  }
  for (const d of unmatched) {
    const repeated = d.idempotency_key !== undefined && received.filter((r) => r.idempotency_key === d.idempotency_key).length > 1;
    if (!repeated) problems.push(`history received a ${d.channel} decision ${JSON.stringify(d.value ?? d.action)} by ${d.by ?? 'nobody'} that the audit trail does not record`);
  }
  return { ok: problems.length === 0, received: received.length, problems };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
