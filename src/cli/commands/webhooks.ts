import type { Delivery } from '../../client';
import { flag, int, list as listOf, oneOf, required, str, type Command } from '../command';
import { Exit } from '../exit';
import { fields, table } from '../format';

const list: Command = {
  group: 'webhooks',
  name: 'list',
  args: '',
  summary: 'Every webhook (admin).',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const hooks = await ctx.client().webhooks.list();
    ctx.print(hooks, () =>
      hooks.length === 0 ? 'No webhooks.' : table(['ID', 'URL', 'EVENTS', 'WORKFLOW', 'ACTIVE', 'DESCRIPTION'], hooks.map((w) => [w.id, w.url, w.events.join(','), w.workflow ?? '*', w.active ? 'yes' : 'no', w.description])),
    );
    return Exit.Ok;
  },
};

const create: Command = {
  group: 'webhooks',
  name: 'create',
  args: '',
  summary: 'Register a webhook (admin); prints its signing secret, which is shown only this once.',
  options: {
    endpoint: { type: 'string', value: 'URL', help: 'where deliveries go (required; --url is the gateway\'s)' },
    events: { type: 'string', value: 'LIST', multiple: true, help: 'event types, comma-separated (default: all)' },
    workflow: { type: 'string', value: 'NAME', help: 'only runs of this workflow' },
    description: { type: 'string', value: 'TEXT', help: 'what it is for' },
    signature: { type: 'string', value: 'SCHEME', help: 'standard (default) or m8tes' },
    inactive: { type: 'boolean', help: 'register it switched off' },
    'idempotency-key': { type: 'string', value: 'KEY', help: 'a retried create with the same key answers the same webhook' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, values) {
    const events = listOf(values, 'events');
    const signature = oneOf(values, 'signature', ['standard', 'm8tes'] as const);
    const key = str(values, 'idempotency-key');
    const hook = await ctx.client().webhooks.create(
      {
        url: required(values, 'endpoint', create),
        ...(events ? { events: events as never } : {}),
        ...(str(values, 'workflow') ? { workflow: str(values, 'workflow') } : {}),
        ...(str(values, 'description') ? { description: str(values, 'description') } : {}),
        ...(signature ? { signature } : {}),
        ...(flag(values, 'inactive') ? { active: false } : {}),
      },
      key ? { idempotencyKey: key } : {},
    );
    ctx.print(hook, () =>
      fields([
        ['id', hook.id],
        ['url', hook.url],
        ['events', hook.events.join(', ')],
        ['workflow', hook.workflow ?? '*'],
        ['active', hook.active ? 'yes' : 'no'],
        ['secret', hook.secret ? `${hook.secret}  (shown once: store it now)` : hook.replayed ? '(made by an earlier request with this key; not shown again)' : undefined],
      ]),
    );
    return Exit.Ok;
  },
};

const remove: Command = {
  group: 'webhooks',
  name: 'delete',
  args: '<webhook-id>',
  summary: 'Delete a webhook (admin).',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, _values, [id]) {
    const gone = await ctx.client().webhooks.delete(id!);
    ctx.print(gone, () => `deleted ${gone.webhook.id} (${gone.webhook.url})`);
    return Exit.Ok;
  },
};

const deliveries: Command = {
  group: 'webhooks',
  name: 'deliveries',
  args: '<webhook-id>',
  summary: "A webhook's delivery log, newest first: each message's attempts and outcome.",
  options: {
    status: { type: 'string', value: 'STATUS', help: 'pending | delivering | delivered | failed | skipped' },
    limit: { type: 'string', value: 'N', help: 'show at most N (default 20)' },
    all: { type: 'boolean', help: 'every delivery, page after page' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, values, [id]) {
    const status = oneOf(values, 'status', ['pending', 'delivering', 'delivered', 'failed', 'skipped'] as const);
    const max = flag(values, 'all') ? Infinity : (int(values, 'limit') ?? 20);
    const rows: Delivery[] = await ctx.client().webhooks.deliveries(id!, { ...(status ? { status } : {}), limit: Math.min(100, max) }).take(max);
    ctx.print(rows, () =>
      rows.length === 0
        ? 'No deliveries.'
        : table(
            ['MESSAGE', 'EVENT', 'RUN', 'SEQ', 'STATUS', 'ATTEMPTS', 'HTTP', 'CREATED', 'ERROR'],
            rows.map((d) => [d.message_id, d.event_type, d.run_id, d.seq, d.status, d.attempts, d.response_status, d.created_at, d.error]),
          ),
    );
    return Exit.Ok;
  },
};

export const webhookCommands: Command[] = [list, create, remove, deliveries];
