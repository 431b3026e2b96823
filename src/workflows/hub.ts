import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { refusal } from './failures';
import { ErrorType } from '../contracts/errors';
import {
  changeWebhookUpdate,
  createWebhookUpdate,
  declareHandlersUpdate,
  deleteWebhookUpdate,
  dropListenerUpdate,
  getHubStateQuery,
  renewListenerUpdate,
  type HubInput,
  type HubState,
} from '../contracts/hub';
import type { WebhookRecord } from '../contracts/webhook-messages';

/** Continue as new past this many history events: every change is a few events, and leases renew often. */
const HISTORY_LIMIT = 2_000;

/**
 * The hub of a task queue: its webhooks and the gateways' listener leases. Changes are updates
 * (validated, answered with the result); workers and gateways read it by query and watch its history
 * for changes. It never ends; it continues as new to keep its history short.
 */
export async function holdpointHub(input: HubInput): Promise<never> {
  const state: HubState = input.carried ?? { version: 0, webhooks: [], listeners: [] };
  const bump = () => {
    state.version += 1;
    // Leases that ended long ago are noise in every copy of the state.
    const now = Date.now();
    state.listeners = state.listeners.filter((l) => Date.parse(l.until) > now - 3_600_000);
  };
  const find = (id: string): WebhookRecord => {
    const webhook = state.webhooks.find((w) => w.id === id);
    if (!webhook) throw refusal({ type: ErrorType.NotFound, message: `no webhook ${id}`, details: [{ webhook_id: id }], nonRetryable: true });
    return webhook;
  };

  setHandler(getHubStateQuery, () => state, { description: 'Webhooks and listener leases, with a version bumped by every change.' });
  setHandler(
    createWebhookUpdate,
    (record) => {
      const existing = state.webhooks.find((w) => w.id === record.id);
      if (existing) return existing;
      state.webhooks.push(record);
      bump();
      return record;
    },
    {
      validator: (record) => {
        const existing = state.webhooks.find((w) => w.id === record.id);
        if (existing && existing.url !== record.url) {
          throw refusal({ type: ErrorType.IdempotencyConflict, message: `webhook ${record.id} already exists with another URL`, nonRetryable: true });
        }
      },
      description: 'Add a webhook (the gateway has checked it); the same id again answers the stored webhook.',
    },
  );
  setHandler(
    changeWebhookUpdate,
    ({ id, changes, at }) => {
      const webhook = find(id);
      if (changes.url !== undefined) webhook.url = changes.url;
      if (changes.events !== undefined) webhook.events = [...changes.events];
      if (changes.workflow === null) delete webhook.workflow;
      else if (changes.workflow !== undefined) webhook.workflow = changes.workflow;
      if (changes.active !== undefined) webhook.active = changes.active;
      if (changes.signature !== undefined) webhook.signature = changes.signature;
      if (changes.description === null) delete webhook.description;
      else if (changes.description !== undefined) webhook.description = changes.description;
      if (changes.rotate_secret) webhook.secret_generation += 1;
      webhook.updated_at = at;
      bump();
      return webhook;
    },
    { validator: ({ id }) => void find(id), description: 'Change a webhook: url, events, workflow, active, signature, description, rotate_secret.' },
  );
  setHandler(
    deleteWebhookUpdate,
    ({ id }) => {
      const webhook = find(id);
      state.webhooks = state.webhooks.filter((w) => w.id !== id);
      bump();
      return webhook;
    },
    { validator: ({ id }) => void find(id), description: 'Delete a webhook; deliveries still queued for it are skipped.' },
  );
  setHandler(
    renewListenerUpdate,
    (lease) => {
      state.listeners = [...state.listeners.filter((l) => l.id !== lease.id), lease];
      bump();
      return state.version;
    },
    { description: 'A gateway follows the cross-run feed until {"until"}: runs publish to the event bus meanwhile.' },
  );
  setHandler(
    declareHandlersUpdate,
    ({ handlers }) => {
      const known = new Set(state.handlers ?? []);
      const before = known.size;
      for (const h of handlers) known.add(h);
      if (known.size !== before) {
        state.handlers = [...known].sort();
        bump();
      }
      return state.version;
    },
    { description: 'A worker declares the task handlers it runs: {"handlers": [...]}.' },
  );
  setHandler(
    dropListenerUpdate,
    ({ id }) => {
      state.listeners = state.listeners.filter((l) => l.id !== id);
      bump();
      return state.version;
    },
    { description: 'A gateway no longer follows the cross-run feed.' },
  );

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT);
  await condition(allHandlersFinished);
  return continueAsNew<typeof holdpointHub>({ carried: state });
}
