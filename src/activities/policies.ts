import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
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
    [POLICY_GRANT_ACTIVITY]: async ({ user_id, tool, source, by }) => {
      try {
        return await store.grant(user_id, tool, source, by);
      } catch (err) {
        // The scope refused it (full, or not a tool name): trying again would be refused again.
        if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
          throw ApplicationFailure.nonRetryable(err.cause.message, err.cause.type ?? 'refused');
        }
        throw err;
      }
    },
  };
}
