import type { TaskHandler } from '../tasks';

/**
 * Example handlers for the `deploy-approval` definition (seed 003's gather → analysis → report flow).
 * They simulate a CI system and a deployer so the example runs anywhere.
 */

interface Release {
  app: string;
  version: string;
  environment: string;
}

export const gatherDeploymentData: TaskHandler = ({ app, version, environment }: Release) => ({
  app,
  version,
  environment,
  checks: { tests: 'passed', security_scan: 'passed', migrations: version.endsWith('.0') ? 'pending' : 'none' },
  changed_services: [app],
});

export const analyseDeployment: TaskHandler = ({ data }: { data: { environment: string; checks: Record<string, string> } }) => {
  const failing = Object.entries(data.checks).filter(([, v]) => v !== 'passed' && v !== 'none');
  const risk = data.environment === 'production' ? (failing.length > 0 ? 'high' : 'medium') : 'low';
  return {
    risk,
    findings: failing.map(([check, state]) => `${check}: ${state}`),
    summary: failing.length === 0 ? 'All pre-deployment checks passed.' : `${failing.length} check(s) need attention.`,
  };
};

export const deployRelease: TaskHandler = ({ app, version, environment }: Release) => ({
  deployed: true,
  message: `Successfully deployed ${app} v${version} to ${environment}`,
});

export const reportDeployment: TaskHandler = (input: { release: Release; analysis: { risk: string }; approvedBy?: string; deployment: { message: string } }) => ({
  summary: `${input.deployment.message}. Risk was ${input.analysis.risk}; approved by ${input.approvedBy ?? 'unknown'}.`,
  release: input.release,
});
