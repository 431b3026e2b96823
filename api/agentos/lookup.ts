import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import type { Definition } from '../../src/contracts/definition';
import type { RunEvent } from '../../src/contracts/events';
import type { Principal } from '../../src/contracts/principal';
import type { RunView } from '../../src/contracts/run';
import type { Core, ResolvedDefinition } from '../../src/core';
import { EventTranslator, type TranslationScope } from './events';
import { notFound } from './http';
import { sessionOf, type LayoutCache } from './layout';
import type { Frame } from './stream';

/** Finding workflows and runs by AgentOS' ids, with AgentOS' not-found answers. */

export async function workflowOf(core: Core, id: string, version: number | undefined, actor: Principal): Promise<ResolvedDefinition> {
  try {
    return await core.definitions.get(id, version, actor);
  } catch (err) {
    if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw version === undefined ? notFound('Workflow') : err;
    throw err;
  }
}

/** A run of this workflow (and of this session, when one is named); anything else is "Run not found". */
export async function runOf(core: Core, workflow: string | undefined, runId: string, actor: Principal, session?: string): Promise<RunView> {
  let run: RunView;
  try {
    run = await core.runs.get(runId, actor);
  } catch (err) {
    if (err instanceof HoldpointError && err.type === ErrorType.NotFound) throw notFound('Run');
    throw err;
  }
  if ((workflow !== undefined && run.workflow !== workflow) || (session !== undefined && sessionOf(run) !== session)) throw notFound('Run');
  return run;
}

/** What a run is, for translating its events. */
export async function scopeOf(layouts: LayoutCache, run: RunView, actor: Principal): Promise<TranslationScope> {
  return { runId: run.run_id, sessionId: sessionOf(run), workflow: run.workflow, layout: await layouts.forRun(run, actor) };
}

/**
 * The run's input state from AgentOS' `message`: AgentOS parses it as JSON when the workflow declares
 * an input schema (and so do we); without one the message is the task alone.
 */
export function stateFrom(definition: Definition, message: string): Record<string, unknown> | undefined {
  if (!definition.input_schema) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HoldpointError(ErrorType.InvalidRequest, `message: workflow "${definition.name}" has an input schema, so the message must be a JSON object matching it`, { field: 'message' });
  }
  return parsed as Record<string, unknown>;
}

/** The run's whole log as AgentOS events (what AgentOS stores as a run's `events`). */
export async function eventsOf(core: Core, actor: Principal, scope: TranslationScope, run: RunView): Promise<Frame[]> {
  const translator = new EventTranslator(scope);
  const frames: Frame[] = [];
  let after = 0;
  for (;;) {
    const page: RunEvent[] = await core.runs.events(run.run_id, actor, after, 1_000);
    for (const event of page) frames.push(...(await translator.translate(event, async () => run)).events.map((e) => e.data));
    if (page.length < 1_000) return frames;
    after = page[page.length - 1]!.seq;
  }
}
