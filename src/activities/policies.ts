import type { Client } from '@temporalio/client';
import { POLICY_CHECK_ACTIVITY, POLICY_GRANT_ACTIVITY, type PolicyActivities } from '../contracts/interaction';
import { ToolPolicyStore } from '../temporal/tool-policies';

/**
 * The gate's policy activities (local activities of the run): whether a tool is pre-approved for the
 * run's end user or account, asked at each gate so a policy change applies to the next gate of every
 * run; and recording the policy an approval with `remember` makes.
 */
export function createPolicyActivities({ client, taskQueue }: { client: Client; taskQueue: string }): PolicyActivities {
  const store = new ToolPolicyStore(client, taskQueue);
  return {
    [POLICY_CHECK_ACTIVITY]: async ({ user_id, tool }) => {
      const policy = await store.allowing(user_id, tool);
      return policy ? { allowed: true, policy } : { allowed: false };
    },
    [POLICY_GRANT_ACTIVITY]: ({ user_id, tool, source, by }) => store.grant(user_id, tool, source, by),
  };
}
