import { z } from 'zod';

/**
 * Slack's interactivity endpoint (the Slack app's Request URL): what Slack posts when someone clicks a
 * holdpoint button, and what the endpoint answers. Slack signs each request instead of sending a key.
 */

/** The signature headers Slack adds (checked by the endpoint itself, over the raw body). */
export const SlackSignatureHeaders = z.looseObject({
  'x-slack-signature': z.string().optional().describe('`v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>`'),
  'x-slack-request-timestamp': z.string().optional().describe('Unix seconds; requests older than five minutes are refused'),
});
export type SlackSignatureHeaders = z.infer<typeof SlackSignatureHeaders>;

/**
 * The raw body, as Slack sent it: verified byte for byte before it is read, so it is not parsed here.
 * It is a form, `payload=<the interaction as JSON>` (read as `SlackInteraction`).
 */
export const SlackInteractionBody = z.unknown().describe('The form Slack posts (`application/x-www-form-urlencoded`): `payload=<the interaction as JSON>`, signed over these exact bytes');

/** The fields of a Slack interaction (`block_actions`) holdpoint reads; Slack sends many more. */
export const SlackInteraction = z
  .object({
    type: z.string(),
    trigger_id: z.string().optional(),
    user: z.object({ id: z.string(), username: z.string().optional() }),
    channel: z.object({ id: z.string() }).optional(),
    container: z.object({ channel_id: z.string().optional() }).optional(),
    actions: z.array(z.object({ action_id: z.string(), value: z.string().optional(), action_ts: z.string().optional() })).optional(),
  })
  .meta({ id: 'SlackInteraction' });
export type SlackInteraction = z.infer<typeof SlackInteraction>;

/** A holdpoint button's value: the request, the option it stands for, and the digest of what was posted. */
export const SlackButtonValue = z.object({ request_id: z.string().min(1), option: z.string().min(1), digest: z.string().optional() }).meta({ id: 'SlackButtonValue' });
export type SlackButtonValue = z.infer<typeof SlackButtonValue>;

/** The endpoint's errors (holdpoint's error shape). */
export const SlackError = z
  .object({
    error: z.object({
      type: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'SlackError' });
export type SlackError = z.infer<typeof SlackError>;
