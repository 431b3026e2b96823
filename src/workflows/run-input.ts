import { ApplicationFailure } from '@temporalio/workflow';
import type { RunInput } from '../contracts/run';
import { RUN_BEHAVIOR } from '../contracts/temporal';

/**
 * A run stamped with a behavior this worker's code does not know (a gateway upgraded before its
 * workers): running it the old way would break it, and replaying it later on newer code would not
 * match. Failing the workflow task instead leaves it to Temporal to retry, until a worker of the
 * release that started it takes it.
 */
export class NewerBehavior extends Error {
  override readonly name = 'NewerBehavior';
}

/**
 * A structural check of the workflow's argument. The core validates definitions fully (zod, JSON Schema,
 * expressions) before it starts a run; repeating that here would rebuild every definition schema for
 * every workflow. This catches what a hand-made start (the temporal CLI, another SDK) gets wrong.
 */
export function checkRunInput(raw: unknown): RunInput {
  const problems: string[] = [];
  const input = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const definition = input.definition as Record<string, unknown> | undefined;
  const settings = input.settings as Record<string, unknown> | undefined;
  const behavior = settings?.behavior;
  if (typeof behavior === 'number' && behavior > RUN_BEHAVIOR) {
    // Not an ApplicationFailure: a plain error fails the workflow task, which Temporal retries.
    throw new NewerBehavior(`run started with behavior ${behavior}, but this worker knows behaviors up to ${RUN_BEHAVIOR}: deploy the new workers (runs wait meanwhile)`);
  }
  if (typeof input.run_id !== 'string' || input.run_id === '') problems.push('run_id: must be a non-empty string');
  if (!definition || typeof definition !== 'object') problems.push('definition: must be a definition object');
  else {
    if (typeof definition.name !== 'string') problems.push('definition.name: must be a string');
    if (!Array.isArray(definition.steps) || definition.steps.length === 0) problems.push('definition.steps: must be a non-empty list');
  }
  if (typeof input.definition_hash !== 'string') problems.push('definition_hash: must be a string');
  if (typeof input.task !== 'string') problems.push('task: must be a string');
  if (!input.state || typeof input.state !== 'object' || Array.isArray(input.state)) problems.push('state: must be an object');
  if (typeof input.started_at !== 'string' || Number.isNaN(Date.parse(input.started_at))) problems.push('started_at: must be an ISO date-time');
  if (!settings || typeof settings.max_lifetime_ms !== 'number' || settings.max_lifetime_ms <= 0) problems.push('settings.max_lifetime_ms: must be a positive number');
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid run input (start runs through the holdpoint gateway or core): ${problems.join('; ')}`, 'invalid_input');
  }
  return raw as RunInput;
}
