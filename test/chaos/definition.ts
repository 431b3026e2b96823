import { randomBytes } from 'node:crypto';
import type { Definition, Step } from '../../src/contracts/definition';
import type { ApiKeyEntry } from '../../src/contracts/principal';
import { DRILL_HANDLER } from './handlers';

/** The drills' workflow: a task step, a pause, another task step (skipped when the pause is rejected). */
export const DRILL_WORKFLOW = 'chaos-drill';

const effect = (name: string): Step => ({
  name,
  type: 'task',
  handler: DRILL_HANDLER,
  input: { phase: `'${name}'`, n: 'state.n' },
  timeout: '20s',
  // A killed worker's attempts are given up after this, then retried elsewhere.
  heartbeat_timeout: '2s',
  retry: { initial_interval: '200ms', maximum_interval: '1s' },
});

export const drillDefinition: Definition = {
  name: DRILL_WORKFLOW,
  title: 'Failure drill run',
  description: 'A side effect, a confirmation, another side effect: what the failure drills run by the hundred.',
  steps: [
    effect('prepare'),
    {
      name: 'approval',
      type: 'confirmation',
      message: 'Let drill run {{ state.n }} go on?',
      options: ['approve', 'reject'],
      on_reject: 'complete',
      assignees: ['group:drill-approvers'],
      timeout: '1h',
    },
    effect('apply'),
  ],
  result: '{"n": state.n, "prepared": steps.prepare.output.phase, "applied": steps.apply.output.phase}',
};

/** How many approvers the flood spreads its decisions over. */
export const APPROVERS = 10;
export const approver = (i: number): string => `drill-approver-${i % APPROVERS}`;
export const OPERATOR = 'drill-operator';
export const ADMIN = 'drill-admin';

/** The drill's callers, each with a fresh key: what HOLDPOINT_API_KEYS gives every gateway. */
export function drillKeys(): ApiKeyEntry[] {
  const key = () => `drill-${randomBytes(16).toString('hex')}`;
  return [
    { key: key(), principal: OPERATOR, roles: ['operator'], groups: [] },
    { key: key(), principal: ADMIN, roles: ['admin'], groups: [] },
    ...Array.from({ length: APPROVERS }, (_, i) => ({ key: key(), principal: approver(i), roles: ['approver' as const], groups: ['drill-approvers'] })),
  ];
}
