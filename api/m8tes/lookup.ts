import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { numericId } from '../../src/contracts/numeric-id';
import type { Principal } from '../../src/contracts/principal';
import type { RunView } from '../../src/contracts/run';
import type { Core, ListedDefinition } from '../../src/core';
import { refusal } from './errors';

/**
 * m8tes' integer ids onto holdpoint's: a run number is the run's alias (found through visibility,
 * cached by the core), an agent id a workflow name's (`numericId(name)`).
 */

/** The run a path's id names: its integer alias, or a holdpoint `wfr_…` id as it is. */
export async function runIdOf(core: Core, id: string, actor: Principal): Promise<string> {
  if (id.startsWith('wfr_')) return id;
  try {
    return await core.runs.byNumber(Number(id), actor);
  } catch (err) {
    if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw refusal(ErrorType.NotFound, 'run_not_found', `Run ${id} not found`, { run_id: Number(id) });
    throw err;
  }
}

/** The run, read, and refused as not found when `userId` is given and the run acts for someone else. */
export async function readRun(core: Core, id: string, actor: Principal, userId?: string): Promise<RunView> {
  const runId = await runIdOf(core, id, actor);
  let run: RunView;
  try {
    run = await core.runs.get(runId, actor);
  } catch (err) {
    if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw refusal(ErrorType.NotFound, 'run_not_found', `Run ${id} not found`, { run_id: id });
    throw err;
  }
  if (userId !== undefined && run.user_id !== userId) {
    throw refusal(ErrorType.NotFound, 'run_not_found', `Run ${id} not found for user ${userId}`, { run_id: id, user_id: userId });
  }
  return run;
}

/** Every agent (workflow) a run can start from, by its integer id. */
export async function agentsById(core: Core, actor: Principal): Promise<Map<number, ListedDefinition>> {
  const listed = await core.definitions.list(actor);
  return new Map(listed.filter((d) => !d.retired).map((d) => [numericId(d.name), d]));
}

export async function findAgent(core: Core, id: number, actor: Principal): Promise<ListedDefinition> {
  const agent = (await agentsById(core, actor)).get(id);
  if (!agent) throw refusal(ErrorType.NotFound, 'agent_not_found', `Agent ${id} not found: GET /agents/ lists the workflows this gateway runs`, { teammate_id: id });
  return agent;
}
