import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { slackSignatureProblem } from '../../api/integrations/slack/verify';
import { busPartitionOf } from '../../src/contracts/event-bus';
import type { NotifiedEvent, RunNotice } from '../../src/contracts/notify';
import { webhookEventsFor, type WebhookRecord } from '../../src/contracts/webhooks';
import { settledLine } from '../../src/slack/blocks';
import { messageId, webhookJobs } from '../../src/webhooks/payloads';
import { webhookSecret } from '../../src/webhooks/secrets';
import { signatureHeaders } from '../../src/webhooks/signing';
import { rangeOf, TargetPolicy } from '../../src/webhooks/targets';

const webhook: WebhookRecord = {
  id: 'wh_1',
  url: 'https://example.com/hook',
  events: ['approval.requested', 'run.completed'],
  active: true,
  signature: 'standard',
  secret_generation: 1,
  created_by: 'admin',
  created_at: '2026-11-21T00:00:00.000Z',
  updated_at: '2026-11-21T00:00:00.000Z',
};
const run: RunNotice = { run_id: 'wfr_1', workflow: 'lead-router', status: 'paused', task: 'Route', started_at: '2026-11-21T00:00:00.000Z' };
const paused: NotifiedEvent = {
  event: { seq: 4, at: '2026-11-21T00:00:01.000Z', type: 'paused', step: 'approval', request_id: 'wfr_1.approval.1' },
  pause: {
    request_id: 'wfr_1.approval.1',
    step: 'approval',
    type: 'confirmation',
    message: 'Route?',
    options: ['approve', 'reject'],
    assignees: ['group:sales-ops'],
    status: 'pending',
    created_at: '2026-11-21T00:00:01.000Z',
    on_timeout: 'fail',
    digest: 'sha256:00',
    slack_channels: ['#x'],
  },
};

describe('webhook messages', () => {
  it('maps run events to webhook events', () => {
    expect(webhookEventsFor({ type: 'paused' })).toEqual(['run.paused', 'approval.requested']);
    expect(webhookEventsFor({ type: 'timed_out' })).toEqual(['approval.expired']);
    expect(webhookEventsFor({ type: 'step_started' })).toEqual([]);
  });

  it('makes one message per subscribed event, with a stable id and without Slack details', () => {
    const jobs = webhookJobs(webhook, run, [paused, { event: { seq: 5, at: 'x', type: 'decided' } }]);
    expect(jobs.map((j) => j.event_type)).toEqual(['approval.requested']);
    expect(jobs[0]!.message_id).toBe(messageId('wh_1', 'wfr_1', 4, 'approval.requested'));
    expect(jobs[0]!.message_id).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
    expect(jobs[0]!.body).toMatchObject({ type: 'approval.requested', timestamp: paused.event.at, data: { run_id: 'wfr_1', approval: { request_id: 'wfr_1.approval.1' } } });
    expect(JSON.stringify(jobs[0]!.body)).not.toContain('slack_channels');
    expect(webhookJobs({ ...webhook, active: false }, run, [paused])).toEqual([]);
    expect(webhookJobs({ ...webhook, workflow: 'billing-cancel' }, run, [paused])).toEqual([]);
  });

  it('derives a secret per webhook and generation, and signs both ways verifiably', () => {
    const secret = webhookSecret('k'.repeat(32), webhook);
    expect(secret).toMatch(/^whsec_/);
    expect(webhookSecret('k'.repeat(32), { ...webhook, secret_generation: 2 })).not.toBe(secret);
    expect(webhookSecret('j'.repeat(32), webhook)).not.toBe(secret);
    const body = '{"hello":"world"}';
    const at = new Date();
    const standard = signatureHeaders('standard', secret, 'msg_1', at, body);
    expect(new Webhook(secret).verify(body, standard)).toEqual({ hello: 'world' });
    const m8tes = signatureHeaders('m8tes', secret, 'msg_1', at, body);
    expect(m8tes['Webhook-Signature']).toBe(`v1=${createHmac('sha256', secret).update(`msg_1.${m8tes['Webhook-Timestamp']}.${body}`).digest('hex')}`);
  });
});

describe('webhook targets', () => {
  it('classifies addresses, IPv4-mapped IPv6 by the address it carries', () => {
    expect(rangeOf('8.8.8.8')).toBe('unicast');
    expect(rangeOf('127.0.0.1')).toBe('loopback');
    expect(rangeOf('::ffff:10.0.0.1')).toBe('private');
    expect(rangeOf('fd00::1')).toBe('uniqueLocal');
  });

  it('refuses non-public targets unless the host is allowed', async () => {
    await expect(new TargetPolicy().check('http://127.0.0.1:8080/x')).rejects.toMatchObject({ details: { field: 'url', rule: 'webhook_target_public' } });
    await expect(new TargetPolicy(['127.0.0.1']).check('http://127.0.0.1:8080/x')).resolves.toBeUndefined();
    await expect(new TargetPolicy().check('http://8.8.8.8/x')).resolves.toBeUndefined();
  });
});

describe('Slack', () => {
  it("verifies Slack's request signature and its age", () => {
    const body = Buffer.from('payload=%7B%7D');
    const ts = String(Math.floor(Date.now() / 1000));
    const sign = (secret: string, t: string) => `v0=${createHmac('sha256', secret).update(`v0:${t}:${body.toString()}`).digest('hex')}`;
    expect(slackSignatureProblem('s', body, ts, sign('s', ts))).toBeUndefined();
    expect(slackSignatureProblem('s', body, ts, sign('other', ts))).toBe('the signature does not match');
    const old = String(Math.floor(Date.now() / 1000) - 301);
    expect(slackSignatureProblem('s', body, old, sign('s', old))).toBe('the request is older than five minutes');
    expect(slackSignatureProblem('s', body, undefined, undefined)).toMatch(/missing/);
  });

  it('says how a pause was settled', () => {
    expect(settledLine({ ...paused.pause!, status: 'decided', decision: { value: 'approve', by: 'alice', at: 'T', channel: 'update', via: 'slack' } })).toBe(':white_check_mark: *Approve* by alice via slack at T');
    expect(settledLine({ ...paused.pause!, status: 'timed_out' })).toMatch(/Timed out/);
    expect(settledLine({ ...paused.pause!, status: 'cancelled' })).toMatch(/Cancelled/);
  });
});

describe('the event bus', () => {
  it('keeps a run on one partition and spreads runs over all', () => {
    expect(busPartitionOf('wfr_A', 4)).toBe(busPartitionOf('wfr_A', 4));
    const used = new Set(Array.from({ length: 200 }, (_, i) => busPartitionOf(`wfr_${i}`, 4)));
    expect(used).toEqual(new Set([0, 1, 2, 3]));
    expect(busPartitionOf('wfr_A', 1)).toBe(0);
  });
});

describe('an SSE stream to a client that stops reading', () => {
  it('waits while the socket is full and cuts the client off after the stall limit, holding no backlog', async () => {
    const { EventEmitter } = await import('node:events');
    const { SseStream } = await import('../../api/streaming/sse');
    const { StreamRegistry } = await import('../../api/streaming/registry');
    const req = new EventEmitter();
    const written: string[] = [];
    let destroyed = false;
    const res = Object.assign(new EventEmitter(), {
      writableNeedDrain: false,
      status: () => res,
      setHeader: () => res,
      flushHeaders: () => undefined,
      socket: null,
      // The client's socket is full from the first frame on, and it never drains.
      write: (chunk: string) => {
        written.push(chunk);
        res.writableNeedDrain = true;
        return written.length <= 1;
      },
      end: () => res.emit('close'),
      destroy: () => {
        destroyed = true;
        res.emit('close');
      },
    });
    const registry = new StreamRegistry();
    const stream = new SseStream(req as never, res as never, { heartbeatMs: 60_000, registry, stallMs: 200 });
    expect(registry.size).toBe(1);
    const started = Date.now();
    await stream.send({ id: 1, event: 'paused', data: { seq: 1 } });
    // The producer was held until the client was cut off; nothing queued behind it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(destroyed).toBe(true);
    expect(stream.signal.aborted).toBe(true);
    expect(registry.size).toBe(0);
    await stream.send({ id: 2, event: 'decided', data: { seq: 2 } });
    expect(written.filter((w) => w.startsWith('id:'))).toHaveLength(1);
  });
});
