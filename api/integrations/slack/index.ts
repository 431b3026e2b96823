import type { WebClient } from '@slack/web-api';
import express, { Router } from 'express';
import type { ApiKeyRing } from '../../../src/auth/api-keys';
import { ErrorType, HoldpointError } from '../../../src/contracts/errors';
import { SlackButtonValue, SlackError, SlackInteraction, SlackInteractionBody, SlackSignatureHeaders } from '../../../src/contracts/http/slack';
import type { Principal } from '../../../src/contracts/principal';
import { SLACK_ACTION_PREFIX } from '../../../src/contracts/slack';
import type { Core } from '../../../src/core';
import type { Logger } from '../../../src/logger';
import type { SlackUserMap } from '../../../src/slack/users';
import { toHoldpointError } from '../../errors';
import { answer, RouteTable, WRITTEN, type FaceOptions } from '../../route';
import { invalidRequest } from '../../validate';
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
  /** Tests: check every answer against its declared schema. */
  checkResponse?: FaceOptions['checkResponse'];
}

/**
 * Slack's interactivity endpoint (`POST /integrations/slack/interactions`, the app's Request URL).
 * Verifies Slack's signature, answers at once (Slack wants an answer within 3 s), then decides as the
 * Slack user's principal with the same rules as everywhere; a refusal comes back to the clicker as an
 * ephemeral message. The posted request is rewritten by its Slack thread workflow once decided.
 */
export function slackTable(options: SlackRouteOptions): RouteTable {
  const log = options.logger.child({ component: 'slack' });
  const table = new RouteTable({
    name: 'slack',
    description: "Slack approvals: the Slack app's interactivity endpoint (button clicks decide requests). Slack signs its requests; no API key.",
    basePath: '/integrations/slack',
    invalid: invalidRequest,
    ...(options.checkResponse ? { checkResponse: options.checkResponse } : {}),
  });
  table.add({
    method: 'post',
    path: '/interactions',
    // Slack cannot send an API key; it signs each request with the app's signing secret instead.
    public: true,
    summary: "A click on a holdpoint button in Slack (the Slack app's Request URL)",
    description:
      'Slack signs each request: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<X-Slack-Request-Timestamp>:<raw body>")>`. ' +
      'A request without a valid signature, or older than five minutes, is refused (401); without `SLACK_SIGNING_SECRET` the endpoint answers 503. ' +
      "A signed request is answered at once with an empty 200 (Slack wants an answer within 3 s); the click then decides the request as the Slack user's holdpoint principal (`HOLDPOINT_SLACK_USERS`), and a refusal reaches the clicker as an ephemeral message.",
    headers: SlackSignatureHeaders,
    body: SlackInteractionBody,
    bodyType: 'raw',
    responses: {
      200: { description: 'Taken (empty); the decision follows', kind: 'empty' },
      400: { description: 'Not a form with a JSON `payload` (a Slack interaction)', schema: SlackError },
      401: { description: 'Not signed by Slack, or signed too long ago', schema: SlackError },
      503: { description: 'Slack is not configured (SLACK_SIGNING_SECRET is unset)', schema: SlackError },
    },
    handler: ({ headers, body, res }) => {
      if (!options.signingSecret) {
        return answer(503, { error: { type: ErrorType.Unavailable, message: 'Slack is not configured (SLACK_SIGNING_SECRET is unset)' } });
      }
      const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      const problem = slackSignatureProblem(options.signingSecret, raw, headers['x-slack-request-timestamp'], headers['x-slack-signature']);
      if (problem) {
        log.warn({ problem }, 'refused a Slack request');
        return answer(401, { error: { type: ErrorType.Unauthenticated, message: `not a request from Slack: ${problem}` } });
      }
      let interaction: SlackInteraction;
      try {
        const payload = new URLSearchParams(raw.toString('utf8')).get('payload');
        interaction = SlackInteraction.parse(JSON.parse(payload ?? ''));
      } catch {
        return answer(400, { error: { type: ErrorType.InvalidRequest, message: 'body: expected a form with a JSON "payload" (a Slack interaction)', details: { field: 'payload' } } });
      }
      res.status(200).end();
      void handle(interaction, options, log);
      return WRITTEN;
    },
  });
  return table;
}

/** The table as a router: Slack signs the raw body, so it is read raw, before any other parser. */
export function slackRouter(table: RouteTable): Router {
  const router = Router();
  router.use(express.raw({ type: () => true, limit: '1mb' }));
  router.use(table.router());
  return router;
}

async function handle(interaction: SlackInteraction, options: SlackRouteOptions, log: Logger): Promise<void> {
  if (interaction.type !== 'block_actions') return;
  const channel = interaction.channel?.id ?? interaction.container?.channel_id;
  for (const action of interaction.actions ?? []) {
    if (!action.action_id.startsWith(`${SLACK_ACTION_PREFIX}:`)) continue;
    let value: SlackButtonValue;
    try {
      value = SlackButtonValue.parse(JSON.parse(action.value ?? ''));
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
