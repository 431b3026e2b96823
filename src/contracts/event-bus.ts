import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { BusEvent } from './events';

/**
 * The event bus behind the cross-run feed: a few entity workflows per task queue
 * (`<task queue>.events.<partition>`), each an append-only, numbered log of the notable events of the
 * runs hashed to it. Runs publish to it only while a gateway holds a listener lease (see hub.ts).
 * Gateways follow it by watching its history and querying what is new: reading writes nothing.
 */
export const EVENT_BUS_WORKFLOW_TYPE = 'holdpointEventBus';

export function busWorkflowId(taskQueue: string, partition: number): string {
  return `${taskQueue}.events.${partition}`;
}

/** Which partition a run's events go to: FNV-1a of the run id. Stable, so one run's events stay in order. */
export function busPartitionOf(runId: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    hash ^= runId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % Math.max(1, partitions);
}

/** An event on a bus partition, numbered 1, 2, 3... across continue-as-new. */
export type BusEntry = BusEvent & { offset: number };

export interface BusPage {
  events: BusEntry[];
  /** The newest offset. */
  head: number;
  /** The oldest offset still kept (older ones were dropped; a cursor before it has a gap). */
  oldest: number;
}

export interface BusInput {
  partition: number;
  /** Set by continue-as-new. */
  carried?: { head: number; entries: BusEntry[]; last_seq: Record<string, number> };
}

export const publishSignal = defineSignal<[BusEvent[]]>('publish');
export const readBusQuery = defineQuery<BusPage, [{ after: number; limit?: number }]>('readBus');
