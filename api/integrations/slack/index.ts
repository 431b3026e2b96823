import type { WebClient } from '@slack/web-api';
import express, { Router } from 'express';
import { z } from 'zod';
import type { ApiKeyRing } from '../../../src/auth/api-keys';
import { ErrorType, HoldpointError } from '../../../src/contracts/errors';
import type { Principal } from '../../../src/contracts/principal';
import { SLACK_ACTION_PREFIX } from '../../../src/contracts/slack';
import type { Core } from '../../../src/core';
import type { Logger } from '../../../src/logger';
import type { SlackUserMap } from '../../../src/slack/users';
import { toHoldpointError } from '../../errors';
import { slackSignatureProblem } from './verify';

export interface SlackRouteOptions {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  /** SLACK_SIGNING_SECRET; without it the endpoint answers 503. */
  signingSecret: string | undefined;
  /** For ephemeral replies (a refused click); SLACK_BOT_TOKEN. */
  client: WebClient | undefined;
  users: SlackUserMap;
}

const ButtonValue = z.object({ request_id: z.string().min(1), option: z.string().min(1), digest: z.string().optional() });
const Interaction = z.object({
  type: z.string(),
  trigger_id: z.string().optional(),
  user: z.object({ id: z.string(), username: z.string().optional() }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() })).optional(),
});

/**
 * Slack's interactivity endpoint (`POST /integrations/slack/interactions`, the app's Request URL).
 * Verifies Slack's signature, answers at once (Slack wants an answer within 3 s), then decides as the
 * Slack user's principal with the same rules as everywhere; a refusal comes back to the clicker as an
 * ephemeral message. The posted request is rewritten by its Slack thread workflow once decided.
 */
export function slackRouter(options: SlackRouteOptions): Router {
  const router = Router();
  const log = options.logger.child({ component: 'slack' });
  router.post('/interactions', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
    if (!options.signingSecret) {
      res.status(503).json({ error: { type: ErrorType.Unavailable, message: 'Slack is not configured (SLACK_SIGNING_SECRET is unset)' } });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const problem = slackSignatureProblem(options.signingSecret, body, req.get('x-slack-request-timestamp'), req.get('x-slack-signature'));
    if (problem) {
      log.warn({ problem }, 'refused a Slack request');
      res.status(401).json({ error: { type: ErrorType.Unauthenticated, message: `not a request from Slack: ${problem}` } });
      return;
    }
    let interaction: z.infer<typeof Interaction>;
    try {
      const payload = new URLSearchParams(body.toString('utf8')).get('payload');
      interaction = Interaction.parse(JSON.parse(payload ?? ''));
    } catch {
      res.status(400).json({ error: { type: ErrorType.InvalidRequest, message: 'body: expected a form with a JSON "payload" (a Slack interaction)', details: { field: 'payload' } } });
      return;
    }
    res.status(200).end();
    void handle(interaction, options, log);
  });
  return router;
}

async function handle(interaction: z.infer<typeof Interaction>, options: SlackRouteOptions, log: Logger): Promise<void> {
  if (interaction.type !== 'block_actions') return;
  const channel = interaction.channel?.id ?? interaction.container?.channel_id;
  for (const action of interaction.actions ?? []) {
    if (!action.action_id.startsWith(`${SLACK_ACTION_PREFIX}:`)) continue;
    let value: z.infer<typeof ButtonValue>;
    try {
      value = ButtonValue.parse(JSON.parse(action.value ?? ''));
    } catch {
      continue;
    }
    try {
      const principal = principalOf(interaction.user.id, options);
      await options.core.runs.decideRequest(
        value.request_id,
        {
          value: value.option,
          via: 'slack',
          ...(value.digest ? { digest: value.digest } : {}),
          // A click Slack delivers twice is one decision.
          idempotency_key: `slack:${interaction.user.id}:${action.action_ts ?? interaction.trigger_id ?? value.request_id}`,
        },
        0,
        principal,
      );
      log.info({ requestId: value.request_id, option: value.option, by: principal.id }, 'decided from Slack');
    } catch (err) {
      const { error } = toHoldpointError(err);
      log.warn({ requestId: value.request_id, type: error.type, message: error.message }, 'a Slack click was refused');
      if (options.client && channel) {
        await options.client.chat
          .postEphemeral({ channel, user: interaction.user.id, text: `:warning: Your choice "${value.option}" was not recorded: ${error.message}` })
          .catch((e: unknown) => log.warn({ err: e }, 'could not tell the Slack user why'));
      }
    }
  }
}

/** The holdpoint principal behind a Slack user, as HOLDPOINT_SLACK_USERS maps them. */
function principalOf(userId: string, options: SlackRouteOptions): Principal {
  const entry = options.users[userId];
  if (!entry) {
    throw new HoldpointError(ErrorType.Forbidden, `your Slack account (${userId}) is not linked to a holdpoint principal; an admin can add it to HOLDPOINT_SLACK_USERS`, { rule: 'slack_user' });
  }
  const id = typeof entry === 'string' ? entry : entry.principal;
  const keyed = options.keys.principal(id);
  if (typeof entry !== 'string' && entry.roles) return { id, roles: entry.roles, groups: entry.groups ?? keyed?.groups ?? [] };
  if (keyed) return { ...keyed, groups: typeof entry !== 'string' && entry.groups ? entry.groups : keyed.groups };
  throw new HoldpointError(ErrorType.Forbidden, `principal ${id} (your Slack account) has no roles: give them in HOLDPOINT_SLACK_USERS or an API key entry`, { rule: 'slack_user' });
}
