import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RunEvent } from './events';

/**
 * Webhook contracts that workflow code uses: event names, the hub's record of a webhook, and the
 * delivery workflow's messages. Zod-free (the zod schemas of the REST bodies are in `webhooks.ts`).
 */

/** What a webhook can subscribe to; each is raised by one kind of run event (see `webhookEventsFor`). */
export const WEBHOOK_EVENT_TYPES = [
  'run.started',
  'run.paused',
  /** m8tes' name for a run that waits for an answer or an approval (raised with `run.paused`). */
  'run.awaiting_input',
  'approval.requested',
  'approval.reminded',
  'approval.escalated',
  'approval.voted',
  'approval.decided',
  'approval.expired',
  'run.completed',
  'run.failed',
  'run.cancelled',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a webhook made without `events` hears: holdpoint's own names (another face's aliases would repeat them). */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEventType[] = WEBHOOK_EVENT_TYPES.filter((t) => t !== 'run.awaiting_input');

/** How deliveries are signed (see `SignatureScheme` in webhooks.ts). */
export type SignatureSchemeName = 'standard' | 'm8tes';

/** The webhook events a run event raises, in holdpoint's own names (see `allWebhookEventsFor` for the rest). */
export function webhookEventsFor(event: Pick<RunEvent, 'type'>): WebhookEventType[] {
  switch (event.type) {
    case 'run_started':
      return ['run.started'];
    case 'paused':
      return ['run.paused', 'approval.requested'];
    case 'reminded':
      return ['approval.reminded'];
    case 'escalated':
      return ['approval.escalated'];
    case 'voted':
      return ['approval.voted'];
    case 'decided':
      return ['approval.decided'];
    case 'timed_out':
      return ['approval.expired'];
    case 'run_completed':
      return ['run.completed'];
    case 'run_failed':
      return ['run.failed'];
    case 'run_cancelled':
      return ['run.cancelled'];
    default:
      return [];
  }
}

/**
 * Every webhook event a run event raises: holdpoint's own (`webhookEventsFor`) and the names another
 * face's receivers expect for the same moment (m8tes' `run.awaiting_input` is holdpoint's `run.paused`).
 */
export function allWebhookEventsFor(event: Pick<RunEvent, 'type'>): WebhookEventType[] {
  const own = webhookEventsFor(event);
  return event.type === 'paused' ? [...own, 'run.awaiting_input'] : own;
}

/**
 * A webhook as the hub keeps it. The secret is never stored: it is derived from the deployment's
 * secret key, the webhook's id and `secret_generation` (bumped by a rotation).
 */
export interface WebhookRecord {
  id: string;
  url: string;
  events: WebhookEventType[];
  workflow?: string;
  active: boolean;
  signature: SignatureSchemeName;
  description?: string;
  /**
   * An end user's webhook (m8tes' `user_id`): only runs acting for that end user reach it. Unset: the
   * account's, which every run reaches, except that an `m8tes` dialect webhook skips end users' runs
   * (m8tes keeps the two scopes apart).
   */
  user_id?: string;
  /** The vocabulary of the body beyond its signature: `m8tes` speaks m8tes' integer run ids (set by the m8tes face). */
  dialect?: 'm8tes';
  secret_generation: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

// ── delivery ────────────────────────────────────────────────────────────────

/** The workflow that delivers one webhook's events of one run, in order, and keeps their log. */
export const WEBHOOK_DELIVERY_WORKFLOW_TYPE = 'holdpointWebhookDelivery';
export const DELIVERY_MEMO_KEY = 'holdpoint_delivery';

export function deliveryWorkflowId(taskQueue: string, webhookId: string, runId: string): string {
  return `${taskQueue}.webhook.${webhookId}.${runId}`;
}

export function deliveryWorkflowPrefix(taskQueue: string, webhookId: string): string {
  return `${taskQueue}.webhook.${webhookId}.`;
}

/** One message to deliver. Its `message_id` is the `webhook-id` header on every attempt and redelivery. */
export interface WebhookJob {
  message_id: string;
  event_type: WebhookEventType;
  run_id: string;
  /** The run event's sequence number (orders the run's deliveries). */
  seq: number;
  created_at: string;
  /** The JSON body, as the webhook's signature scheme shapes it. */
  body: unknown;
}

export type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'skipped';

/** One delivery in the log. */
export interface DeliveryRecord {
  message_id: string;
  webhook_id: string;
  event_type: WebhookEventType;
  run_id: string;
  seq: number;
  status: DeliveryStatus;
  /** Attempts made (all of them, retries included). */
  attempts: number;
  response_status?: number;
  /** The first 500 characters of the receiver's answer (or of the error). */
  response_excerpt?: string;
  error?: string;
  created_at: string;
  delivered_at?: string;
  /** When the next attempt is due (a delivery being retried). */
  next_retry_at?: string;
  /** How often it was redelivered on request. */
  redeliveries?: number;
}

/** Retry policy of deliveries, from the worker's configuration. */
export interface DeliverySettings {
  initial_interval_ms: number;
  maximum_interval_ms: number;
  /** Give a delivery up (status `failed`) after retrying this long. */
  give_up_after_ms: number;
}

export interface DeliveryWorkflowInput {
  webhook_id: string;
  run_id: string;
  settings: DeliverySettings;
  /** Set by continue-as-new. */
  carried?: { queue: WebhookJob[]; log: DeliveryRecord[]; jobs: WebhookJob[] };
}

/** What the delivery activity reports. */
export interface DeliveryOutcome {
  /** `skipped`: the webhook was deleted or deactivated before delivery. */
  status: 'delivered' | 'skipped';
  attempts: number;
  response_status?: number;
  response_excerpt?: string;
  reason?: string;
}

/** Carried in a failed attempt's ApplicationFailure details. */
export interface DeliveryFailureDetails {
  response_status?: number;
  response_excerpt?: string;
  /** Which attempt failed. */
  attempt?: number;
}

export const DELIVER_ACTIVITY = '__holdpoint_deliverWebhook';
export type DeliverActivities = {
  [DELIVER_ACTIVITY]: (job: WebhookJob & { webhook_id: string }) => Promise<DeliveryOutcome>;
};

export const enqueueDeliveriesSignal = defineSignal<[WebhookJob[]]>('enqueue');
export const redeliverSignal = defineSignal<[{ message_id: string }]>('redeliver');
export const getDeliveriesQuery = defineQuery<DeliveryRecord[]>('getDeliveries');
