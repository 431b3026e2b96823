import type { Definition } from '../contracts/definition';
import { assistant } from './assistant';
import { billingAgent } from './billing-agent';
import { billingCancel } from './billing-cancel';
import { deployAgent, deployAgentCondition } from './deploy-agent';
import { deployApproval } from './deploy-approval';
import { leadRouter } from './lead-router';

/** The example workflows that ship with holdpoint. */
export const shippedDefinitions: readonly Definition[] = [leadRouter, deployApproval, billingCancel, billingAgent, deployAgent, deployAgentCondition, assistant];
