import type { Definition } from '../contracts/definition';

/** Seeds 000/003: gather data → analysis → a person approves (or the window closes) → deploy → report. */
export const deployApproval: Definition = {
  name: 'deploy-approval',
  title: 'Deploy with approval',
  description: 'Checks a release, shows the risk analysis to an approver, and deploys only once approved.',
  version: '1',
  input_schema: {
    type: 'object',
    properties: {
      app: { type: 'string', minLength: 1 },
      version: { type: 'string', minLength: 1 },
      environment: { enum: ['staging', 'production'] },
    },
    required: ['app', 'version', 'environment'],
  },
  steps: [
    {
      name: 'gather_data',
      type: 'task',
      handler: 'gatherDeploymentData',
      input: { app: 'state.app', version: 'state.version', environment: 'state.environment' },
    },
    {
      name: 'detailed_analysis',
      type: 'task',
      handler: 'analyseDeployment',
      input: { data: 'steps.gather_data.output' },
    },
    {
      name: 'approval',
      type: 'confirmation',
      title: 'Approve the deployment',
      message:
        'Deploy {{ state.app }} v{{ state.version }} to {{ state.environment }}? Risk: {{ steps.detailed_analysis.output.risk }}. {{ steps.detailed_analysis.output.summary }}',
      context: '{ "checks": steps.gather_data.output.checks, "analysis": steps.detailed_analysis.output }',
      assignees: ['group:release-managers'],
      reject_requires_comment: true,
      escalation: { remind_after: '30m', reassign_after: '45m', reassign_to: ['group:engineering-managers'] },
      timeout: '1h',
      on_timeout: 'reject',
    },
    {
      name: 'deploy',
      type: 'task',
      handler: 'deployRelease',
      input: { app: 'state.app', version: 'state.version', environment: 'state.environment' },
      timeout: '10m',
      retry: { maximum_attempts: 3 },
    },
    {
      name: 'report',
      type: 'task',
      handler: 'reportDeployment',
      input: {
        release: 'state',
        analysis: 'steps.detailed_analysis.output',
        approvedBy: 'steps.approval.decision.by',
        deployment: 'steps.deploy.output',
      },
    },
  ],
  result: 'steps.report.output',
};
