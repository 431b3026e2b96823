import { allHandlersFinished, condition, continueAsNew, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import { refusal } from './failures';
import { ErrorType } from '../contracts/errors';
import type { ToolPolicy } from '../contracts/interaction';
import { getPoliciesQuery, grantPolicyUpdate, grantRefusal, MAX_POLICIES_PER_SCOPE, policiesSummary, policyId, POLICIES_MEMO_KEY, revokePolicyUpdate, scopeLabel, type PoliciesInput } from '../contracts/policies';

const HISTORY_LIMIT = 2_000;

/**
 * The tools pre-approved in one scope (the account, or one end user). A gate in `approval` mode asks
 * it before pausing; granting and revoking are updates; the memo lists the scope's policies while
 * they fit Temporal's memo size, and counts them always.
 */
export async function holdpointToolPolicies(input: PoliciesInput): Promise<never> {
  const policies: ToolPolicy[] = input.carried ?? [];
  const publish = () => upsertMemo({ [POLICIES_MEMO_KEY]: policiesSummary(input.user_id, policies) });

  setHandler(
    grantPolicyUpdate,
    ({ tool, source, by, at }) => {
      const existing = policies.find((p) => p.tool === tool);
      if (existing) return existing;
      const policy: ToolPolicy = { id: policyId(input.user_id, tool), tool, user_id: input.user_id, source, created_by: by, created_at: at };
      policies.push(policy);
      publish();
      return policy;
    },
    {
      validator: ({ tool }) => {
        const refused = grantRefusal(policies, tool, input.user_id);
        if (refused) {
          const { message, ...details } = refused;
          throw refusal({ type: ErrorType.InvalidRequest, message, details: [details], nonRetryable: true });
        }
      },
      description: `Allow a tool in this scope: {"tool", "source", "by", "at"}; the same tool again answers its existing policy. At most ${MAX_POLICIES_PER_SCOPE} per scope.`,
    },
  );
  setHandler(
    revokePolicyUpdate,
    ({ id }) => {
      const index = policies.findIndex((p) => p.id === id);
      const [removed] = policies.splice(index, 1);
      publish();
      return removed!;
    },
    {
      validator: ({ id }) => {
        if (!policies.some((p) => p.id === id)) {
          throw refusal({ type: ErrorType.NotFound, message: `${scopeLabel(input.user_id)} has no policy ${id}`, details: [{ policy_id: id }], nonRetryable: true });
        }
      },
      description: 'Remove a policy: {"id"}.',
    },
  );
  setHandler(getPoliciesQuery, () => policies, { description: 'The tools allowed in this scope.' });

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT);
  await condition(allHandlersFinished);
  return continueAsNew<typeof holdpointToolPolicies>({ user_id: input.user_id, carried: policies });
}
