import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { GroupName, PrincipalId, Role } from '../contracts/principal';

/**
 * Who a Slack user is in holdpoint. A bare principal id takes its roles and groups from that
 * principal's API key entry; an object gives them here (for people who have no key).
 */
const SlackUserEntry = z.union([
  PrincipalId,
  z.strictObject({ principal: PrincipalId, roles: z.array(Role).min(1).optional(), groups: z.array(GroupName).optional() }),
]);
export type SlackUserEntry = z.infer<typeof SlackUserEntry>;

const SlackUserMapSchema = z.record(z.string().regex(/^[UW][A-Z0-9]{2,30}$/, 'must be a Slack user id such as "U0123ABCD"'), SlackUserEntry);
export type SlackUserMap = z.infer<typeof SlackUserMapSchema>;

/** HOLDPOINT_SLACK_USERS: inline JSON, or the path of a JSON or YAML file. */
export function parseSlackUsers(value: string): SlackUserMap {
  const trimmed = value.trim();
  let raw: unknown;
  let source = 'HOLDPOINT_SLACK_USERS';
  try {
    if (trimmed.startsWith('{')) raw = JSON.parse(trimmed);
    else {
      source = `HOLDPOINT_SLACK_USERS file ${trimmed}`;
      if (!existsSync(trimmed)) throw new Error('no such file');
      raw = parseYaml(readFileSync(trimmed, 'utf8'));
    }
  } catch (err) {
    throw new Error(`${source} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const parsed = SlackUserMapSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${source}: ${issue.path.join('.') || 'value'}: ${issue.message}`);
  }
  return parsed.data;
}
