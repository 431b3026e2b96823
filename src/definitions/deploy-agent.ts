import type { Definition, Step } from '../contracts/definition';

/** The release analyst of seed 003: reads the checks, then deploys only with a person's confirmation. */
const analysis = (name: string): Step => ({
  name,
  type: 'agent',
  title: 'Detailed analysis',
  instructions:
    'You are a release analyst. Read the pre-deployment checks, judge the risk, and deploy with deploy_to_production only if the checks allow it. Summarise the deployment process and any issues.',
  prompt: 'Deploy {{ state.app }} version {{ state.version }} to {{ state.environment }}. Checks: {{ $string(steps.gather_data.output.checks) }}',
  model: 'default',
  max_steps: 6,
  tools: [
    {
      name: 'get_release_notes',
      handler: 'analyseDeployment',
      description: 'Assess the risk of the release from its checks.',
      input_schema: { type: 'object', properties: { data: { type: 'object' } }, required: ['data'] },
    },
    {
      name: 'deploy_to_production',
      handler: 'deployRelease',
      description: 'Deploy a release. Needs a person to confirm.',
      input_schema: {
        type: 'object',
        properties: { app: { type: 'string' }, version: { type: 'string' }, environment: { type: 'string' } },
        required: ['app', 'version', 'environment'],
      },
      requires_confirmation: true,
      message: 'Deploy {{ tool.args.app }} v{{ tool.args.version }} to {{ tool.args.environment }}?',
      assignees: ['group:release-managers'],
      reject_requires_comment: true,
      timeout: '1h',
      on_timeout: 'reject',
    },
  ],
  script: [
    { tool_calls: [{ name: 'get_release_notes', args: { data: { environment: '{{ state.environment }}', checks: { tests: 'passed' } } } }] },
    { tool_calls: [{ name: 'deploy_to_production', args: { app: '{{ state.app }}', version: '{{ state.version }}', environment: '{{ state.environment }}' } }] },
    { text: 'Deployment process: checks reviewed, release deployed after confirmation. Outcome: {{tool_result}}' },
  ],
});

const release = {
  type: 'object',
  properties: { app: { type: 'string', minLength: 1 }, version: { type: 'string', minLength: 1 }, environment: { enum: ['staging', 'production'] } },
  required: ['app', 'version', 'environment'],
};

const gather: Step = {
  name: 'gather_data',
  type: 'task',
  handler: 'gatherDeploymentData',
  input: { app: 'state.app', version: 'state.version', environment: 'state.environment' },
};

const report = (analysisStep: string): Step => ({
  name: 'report',
  type: 'task',
  handler: 'reportDeployment',
  input: {
    release: 'state',
    analysis: `{ "risk": steps.${analysisStep}.status = "completed" ? "reviewed by the agent" : "not analysed" }`,
    approvedBy: `steps.${analysisStep}.output.tool_calls[name = "deploy_to_production"].decided_by`,
    deployment: `{ "message": steps.${analysisStep}.output.text ? steps.${analysisStep}.output.text : "no deployment" }`,
  },
});

/**
 * Seed 003: `gather_data → detailed_analysis (an agent with a HITL tool) → report`. The agent's
 * `deploy_to_production` tool pauses the run until a release manager confirms it.
 */
export const deployAgent: Definition = {
  name: 'deploy-agent',
  title: 'Deploy with an agent',
  description: 'Gathers the release data, lets an agent analyse and deploy it (a person confirms the deploy), then reports.',
  version: '1',
  input_schema: release,
  steps: [gather, analysis('detailed_analysis'), report('detailed_analysis')],
  result: 'steps.report.output',
};

/** Seed 003's second flow: the same agent inside a condition (production releases only). */
export const deployAgentCondition: Definition = {
  name: 'deploy-agent-condition',
  title: 'Deploy with an agent, production only',
  description: 'Like deploy-agent, but the agent (and its confirmation) only runs for production releases.',
  version: '1',
  input_schema: release,
  steps: [
    gather,
    { name: 'production_only', type: 'condition', expression: 'state.environment = "production"', branches: { true: [analysis('production_analysis')] } },
    report('production_analysis'),
  ],
  result: 'steps.report.output',
};
