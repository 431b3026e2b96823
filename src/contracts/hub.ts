import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WebhookEventType, WebhookRecord } from './webhook-messages';

/**
 * The hub: one entity workflow per task queue (`<task queue>.hub`) holding who listens to runs from
 * outside — webhooks, and the leases gateways take while someone follows the cross-run feed. Workers
 * keep a copy fresh by watching its history; the notify activity consults that copy. Zod-free.
 */
export const HUB_WORKFLOW_TYPE = 'holdpointHub';

export function hubWorkflowId(taskQueue: string): string {
  return `${taskQueue}.hub`;
}

/** A gateway that has cross-run subscribers; events are published to the bus while any lease is live. */
export interface ListenerLease {
  id: string;
  /** ISO time the lease ends unless renewed. */
  until: string;
}

export interface HubState {
  /** Bumped by every change. */
  version: number;
  webhooks: WebhookRecord[];
  listeners: ListenerLease[];
  /** Task handler names workers of this task queue have declared (definitions registered at runtime are checked against them). */
  handlers?: string[];
}

export interface HubInput {
  /** Set by continue-as-new. */
  carried?: HubState;
}

/** The fields a webhook update may change (the gateway has validated them). */
export interface WebhookChanges {
  url?: string;
  events?: WebhookEventType[];
  /** null clears the filter. */
  workflow?: string | null;
  active?: boolean;
  signature?: WebhookRecord['signature'];
  description?: string | null;
  rotate_secret?: boolean;
}

/** Adds a webhook; the same record again (a retried create) answers the stored one. */
export const createWebhookUpdate = defineUpdate<WebhookRecord, [WebhookRecord]>('createWebhook');
export const changeWebhookUpdate = defineUpdate<WebhookRecord, [{ id: string; changes: WebhookChanges; at: string }]>('changeWebhook');
export const deleteWebhookUpdate = defineUpdate<WebhookRecord, [{ id: string }]>('deleteWebhook');
/** Takes or renews a listener lease; answers the hub's version. */
export const renewListenerUpdate = defineUpdate<number, [ListenerLease]>('renewListener');
export const dropListenerUpdate = defineUpdate<number, [{ id: string }]>('dropListener');
export const getHubStateQuery = defineQuery<HubState>('getHubState');
/** A worker says which task handlers it runs (on start). */
export const declareHandlersUpdate = defineUpdate<number, [{ handlers: string[] }]>('declareHandlers');
