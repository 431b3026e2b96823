import type { TaskHandlers } from '../tasks';
import { cancelSubscription, listSubscriptions, lookupCustomer } from './billing';
import { analyseDeployment, deployRelease, gatherDeploymentData, reportDeployment } from './deployments';
import { assignLead, classifyLead, escalateLead } from './leads';

/** The handlers the shipped example definitions use. Register your own beside them in the worker. */
export const exampleHandlers: TaskHandlers = {
  classifyLead,
  assignLead,
  escalateLead,
  gatherDeploymentData,
  analyseDeployment,
  deployRelease,
  reportDeployment,
  lookupCustomer,
  listSubscriptions,
  cancelSubscription,
};
