import { createHash } from 'node:crypto';
import { WithStartWorkflowOperation, type Client, type UpdateDefinition } from '@temporalio/client';
import { ErrorType, HoldpointError } from '../contracts/errors';
import {
  changeWebhookUpdate,
  createWebhookUpdate,
  deleteWebhookUpdate,
  getHubStateQuery,
  HUB_WORKFLOW_TYPE,
  hubWorkflowId,
  type HubState,
  type WebhookChanges,
} from '../contracts/hub';
import type { Principal } from '../contracts/principal';
import {
  DELIVERY_MEMO_KEY,
  deliveryWorkflowId,
  deliveryWorkflowPrefix,
  getDeliveriesQuery,
  redeliverSignal,
  WEBHOOK_DELIVERY_WORKFLOW_TYPE,
  DEFAULT_WEBHOOK_EVENTS,
  type DeliveryRecord,
  type DeliverySettings,
  type Webhook,
  type WebhookCreate,
  type WebhookPatch,
  type WebhookRecord,
} from '../contracts/webhooks';
import { webhookSecret } from '../webhooks/secrets';
import type { TargetPolicy } from '../webhooks/targets';
import { authorize } from './authorize';
import { newRunId } from './ids';
import { fromTemporal } from './temporal-errors';
import { label, visiblePage } from './visibility';

export interface WebhookServiceOptions {
  client: Client;
  taskQueue: string;
  /** HOLDPOINT_SECRET_KEY; without it webhooks cannot be created (their secrets derive from it). */
  secretKey: string | undefined;
  targets: TargetPolicy;
  /** The workers' retry policy, used when a redelivery has to start a delivery workflow again. */
  delivery: DeliverySettings;
  readTimeoutMs: number;
  clock?: () => Date;
}

export interface DeliveryPage {
  deliveries: DeliveryRecord[];
  next_cursor: string | null;
}

/**
 * Webhooks: kept in the task queue's hub (an entity workflow), changed by its updates, delivered by
 * one delivery workflow per webhook and run. The secret is derived, shown once, never stored.
 */
export class WebhookService {
  private readonly clock: () => Date;

  constructor(private readonly options: WebhookServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  async list(actor: Principal): Promise<Webhook[]> {
    authorize(actor, 'manage');
    return (await this.hub()).webhooks.map((w) => present(w));
  }

  async get(id: string, actor: Principal): Promise<Webhook> {
    authorize(actor, 'manage');
    return present(await this.find(id));
  }

  /**
   * Creates a webhook and answers it with its secret, the only time the secret is shown. `scope` is what
   * a face adds: an end user whose runs alone reach it, and the dialect its bodies speak (m8tes).
   */
  async create(
    body: WebhookCreate,
    actor: Principal,
    idempotencyKey?: string,
    scope: { user_id?: string | undefined; dialect?: WebhookRecord['dialect'] } = {},
  ): Promise<{ webhook: Webhook; created: boolean }> {
    authorize(actor, 'manage');
    const secretKey = this.secretKey();
    await this.options.targets.check(body.url);
    const at = this.clock().toISOString();
    const id = idempotencyKey ? `wh_${createHash('sha256').update(`${actor.id}\n${idempotencyKey}`).digest('base64url').slice(0, 22)}` : `wh_${newRunId(this.clock().getTime()).slice(4)}`;
    const record: WebhookRecord = {
      id,
      url: body.url,
      events: [...(body.events ?? DEFAULT_WEBHOOK_EVENTS)],
      ...(body.workflow ? { workflow: body.workflow } : {}),
      active: body.active ?? true,
      signature: body.signature ?? 'standard',
      ...(body.description ? { description: body.description } : {}),
      ...(scope.user_id ? { user_id: scope.user_id } : {}),
      ...(scope.dialect ? { dialect: scope.dialect } : {}),
      secret_generation: 1,
      created_by: actor.id,
      created_at: at,
      updated_at: at,
    };
    const stored = await this.change(createWebhookUpdate, record);
    return { webhook: { ...present(stored), secret: webhookSecret(secretKey, stored) }, created: stored.created_at === at };
  }

  /** Changes a webhook; a rotation answers the new secret (the old one stops working at once). */
  async update(id: string, patch: WebhookPatch, actor: Principal): Promise<Webhook> {
    authorize(actor, 'manage');
    if (patch.url !== undefined) await this.options.targets.check(patch.url);
    const secretKey = patch.rotate_secret ? this.secretKey() : undefined;
    const changes: WebhookChanges = {
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.events !== undefined ? { events: patch.events } : {}),
      ...(patch.workflow !== undefined ? { workflow: patch.workflow } : {}),
      ...(patch.active !== undefined ? { active: patch.active } : {}),
      ...(patch.signature !== undefined ? { signature: patch.signature } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.rotate_secret ? { rotate_secret: true } : {}),
    };
    const stored = await this.change(changeWebhookUpdate, { id, changes, at: this.clock().toISOString() });
    return { ...present(stored), ...(secretKey ? { secret: webhookSecret(secretKey, stored) } : {}) };
  }

  async delete(id: string, actor: Principal): Promise<Webhook> {
    authorize(actor, 'manage');
    return present(await this.change(deleteWebhookUpdate, { id }));
  }

  /**
   * The webhook's delivery log, newest first: one visibility call per page of delivery workflows
   * (one per run), each carrying its log in its memo; a running one is asked for its live log
   * (queued deliveries, the one being retried with its attempts, last error and next retry).
   */
  async deliveries(id: string, params: { limit: number; cursor?: string | undefined; status?: string | undefined }, actor: Principal): Promise<DeliveryPage> {
    authorize(actor, 'manage');
    await this.find(id);
    const clauses = [
      `WorkflowType = '${WEBHOOK_DELIVERY_WORKFLOW_TYPE}'`,
      `WorkflowId STARTS_WITH '${label('webhook', deliveryWorkflowPrefix(this.options.taskQueue, id))}'`,
      `ExecutionStatus != 'ContinuedAsNew'`,
    ];
    const page = await visiblePage(this.options.client, clauses, params.limit, params.cursor, DELIVERY_MEMO_KEY);
    const deliveries: DeliveryRecord[] = [];
    for (const run of page.runs) {
      const memo = run.memo as unknown as { deliveries?: DeliveryRecord[] } | undefined;
      let records = (memo?.deliveries ?? []).map((d) => ({ ...d }));
      if (run.open) {
        // A running delivery workflow knows what is queued and in flight; its memo only what ended.
        records = (await this.liveLog(run.runId)) ?? records;
      }
      deliveries.push(...records);
    }
    const filtered = params.status ? deliveries.filter((d) => d.status === params.status) : deliveries;
    filtered.sort((a, b) => b.created_at.localeCompare(a.created_at) || b.seq - a.seq);
    return { deliveries: filtered, next_cursor: page.next_cursor };
  }

  /** Delivers a message again, with the same `webhook-id`. */
  async redeliver(id: string, messageId: string, runId: string | undefined, actor: Principal): Promise<DeliveryRecord> {
    authorize(actor, 'manage');
    await this.find(id);
    const found = await this.locate(id, messageId, runId);
    const { client, taskQueue } = this.options;
    try {
      await client.workflow.signalWithStart(WEBHOOK_DELIVERY_WORKFLOW_TYPE, {
        workflowId: deliveryWorkflowId(taskQueue, id, found.run_id),
        taskQueue,
        args: [{ webhook_id: id, run_id: found.run_id, settings: this.options.delivery }],
        signal: redeliverSignal,
        signalArgs: [{ message_id: messageId }],
      });
    } catch (err) {
      throw fromTemporal(err, found.run_id);
    }
    return { ...found, status: 'pending', redeliveries: (found.redeliveries ?? 0) + 1 };
  }

  private async locate(id: string, messageId: string, runId: string | undefined): Promise<DeliveryRecord> {
    const notFound = () =>
      new HoldpointError(ErrorType.NotFound, `webhook ${id} has no delivery ${messageId}${runId ? ` for run ${runId}` : ''}`, { message_id: messageId });
    if (runId) {
      const memo = await this.options.client.workflow
        .getHandle(deliveryWorkflowId(this.options.taskQueue, id, runId))
        .describe()
        .then((d) => d.memo?.[DELIVERY_MEMO_KEY] as { deliveries?: DeliveryRecord[] } | undefined)
        .catch(() => undefined);
      const found = memo?.deliveries?.find((d) => d.message_id === messageId);
      if (!found) throw notFound();
      return found;
    }
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await this.deliveries(id, { limit: 100, cursor }, { id: 'system', roles: ['admin'], groups: [] });
      const found = page.deliveries.find((d) => d.message_id === messageId);
      if (found) return found;
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    throw notFound();
  }

  private async liveLog(workflowId: string): Promise<DeliveryRecord[] | undefined> {
    const handle = this.options.client.workflow.getHandle(workflowId);
    return this.options.client
      .withDeadline(Date.now() + this.options.readTimeoutMs, () => handle.query(getDeliveriesQuery))
      .then((log) => log.map((d) => ({ ...d })))
      .catch(() => undefined);
  }

  private secretKey(): string {
    if (!this.options.secretKey) {
      throw new HoldpointError(
        ErrorType.Unavailable,
        'webhooks need HOLDPOINT_SECRET_KEY (the same value on gateways and workers); their signing secrets are derived from it',
        { setting: 'HOLDPOINT_SECRET_KEY' },
      );
    }
    return this.options.secretKey;
  }

  private async hub(): Promise<HubState> {
    const handle = this.options.client.workflow.getHandle(hubWorkflowId(this.options.taskQueue));
    try {
      return await this.options.client.withDeadline(Date.now() + this.options.readTimeoutMs, () => handle.query(getHubStateQuery));
    } catch (err) {
      const mapped = fromTemporal(err, hubWorkflowId(this.options.taskQueue));
      // No hub yet: no webhook was ever made on this task queue.
      if (mapped instanceof HoldpointError && mapped.type === ErrorType.NotFound) return { version: 0, webhooks: [], listeners: [] };
      throw mapped;
    }
  }

  private async find(id: string): Promise<WebhookRecord> {
    const webhook = (await this.hub()).webhooks.find((w) => w.id === id);
    if (!webhook) throw new HoldpointError(ErrorType.NotFound, `no webhook ${id}`, { webhook_id: id });
    return webhook;
  }

  /** One hub update, starting the hub first if this task queue has none yet. */
  private async change<A>(update: UpdateDefinition<WebhookRecord, [A]>, arg: A): Promise<WebhookRecord> {
    const { client, taskQueue } = this.options;
    try {
      return await client.workflow.executeUpdateWithStart(update, {
        args: [arg],
        startWorkflowOperation: new WithStartWorkflowOperation(HUB_WORKFLOW_TYPE, {
          workflowId: hubWorkflowId(taskQueue),
          taskQueue,
          args: [{}],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    } catch (err) {
      throw fromTemporal(err, hubWorkflowId(taskQueue));
    }
  }
}

export function present(w: WebhookRecord): Webhook {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    workflow: w.workflow ?? null,
    active: w.active,
    signature: w.signature,
    description: w.description ?? null,
    ...(w.user_id ? { user_id: w.user_id } : {}),
    created_by: w.created_by,
    created_at: w.created_at,
    updated_at: w.updated_at,
  };
}
