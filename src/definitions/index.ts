import type { Definition } from '../contracts/definition';
import { billingCancel } from './billing-cancel';
import { deployApproval } from './deploy-approval';
import { leadRouter } from './lead-router';

/** The example workflows that ship with holdpoint. */
export const shippedDefinitions: readonly Definition[] = [leadRouter, deployApproval, billingCancel];
