import type { AgentStep, AgentTool, Definition, Step } from '../../src/contracts/definition';
import type { Principal } from '../../src/contracts/principal';
import type { RunStatus, RunView } from '../../src/contracts/run';
import type { Core } from '../../src/core';

/**
 * Where each step of a definition sits, as AgentOS numbers them: `step_index` is the position at the
 * top level (a step inside a condition reports its container's), events inside a condition carry the
 * path `[container, i]`, and a paused run names the top-level step that holds the pause.
 */
export interface StepPlace {
  step: Step;
  /** A number at the top level, `[top, i, ...]` inside condition branches. */
  path: number | number[];
  top: number;
  /** The top-level step holding this one (itself at the top level). */
  container: string;
  /** The condition this step is a branch step of. */
  parent?: string;
}

export class StepLayout {
  private readonly places = new Map<string, StepPlace>();
  /** For each condition, the last step of each branch (`null`: otherwise). */
  private readonly ends = new Map<string, Map<string | null, string>>();

  constructor(
    readonly workflow: string,
    readonly definition: Definition | undefined,
  ) {
    if (definition) this.walk(definition.steps, [], undefined, undefined);
  }

  get title(): string {
    return this.definition?.title ?? this.workflow;
  }

  place(name: string): StepPlace | undefined {
    return this.places.get(name);
  }

  /** `step_index` of a requirement or a paused run: the top-level position. */
  top(name: string): number {
    return this.places.get(name)?.top ?? 0;
  }

  path(name: string): number | number[] {
    return this.places.get(name)?.path ?? 0;
  }

  container(name: string): string {
    return this.places.get(name)?.container ?? name;
  }

  stepTitle(name: string): string {
    return this.places.get(name)?.step.title ?? name;
  }

  agent(name: string): AgentStep | undefined {
    const step = this.places.get(name)?.step;
    return step?.type === 'agent' ? step : undefined;
  }

  tool(agentStep: string, toolName: string): AgentTool | undefined {
    return this.agent(agentStep)?.tools?.find((t) => t.name === toolName);
  }

  /** The last step of the branch a condition took (undefined when it took none, or has no such branch). */
  branchEnd(condition: string, branch: string | null): string | undefined {
    return this.ends.get(condition)?.get(branch);
  }

  hasOtherwise(condition: string): boolean {
    const step = this.places.get(condition)?.step;
    return step?.type === 'condition' && step.otherwise !== undefined;
  }

  private walk(steps: Step[], prefix: number[], container: string | undefined, parent: string | undefined): void {
    steps.forEach((step, i) => {
      const path = [...prefix, i];
      const top = path[0]!;
      this.places.set(step.name, {
        step,
        path: path.length === 1 ? top : path,
        top,
        container: container ?? step.name,
        ...(parent ? { parent } : {}),
      });
      if (step.type !== 'condition') return;
      const ends = new Map<string | null, string>();
      for (const [key, branch] of Object.entries(step.branches)) {
        this.walk(branch, path, container ?? step.name, step.name);
        if (branch.length > 0) ends.set(key, branch[branch.length - 1]!.name);
      }
      if (step.otherwise) {
        this.walk(step.otherwise, path, container ?? step.name, step.name);
        if (step.otherwise.length > 0) ends.set(null, step.otherwise[step.otherwise.length - 1]!.name);
      }
      this.ends.set(step.name, ends);
    });
  }
}

/**
 * Layouts by workflow and registered version. Versions never change once registered and start-up
 * definitions live as long as the process, so entries never go stale; the map is bounded all the same.
 */
export class LayoutCache {
  private readonly layouts = new Map<string, StepLayout>();

  constructor(private readonly core: Core) {}

  /** The layout of the definition a run pinned (a run whose definition is gone gets an empty one). */
  async forRun(run: Pick<RunView, 'workflow' | 'definition_revision'>, actor: Principal): Promise<StepLayout> {
    const key = `${run.workflow}@${run.definition_revision ?? 'static'}`;
    const cached = this.layouts.get(key);
    if (cached) return cached;
    const resolved = await this.core.definitions.get(run.workflow, run.definition_revision, actor).catch(() => undefined);
    const layout = new StepLayout(run.workflow, resolved?.definition);
    if (!resolved) return layout;
    if (this.layouts.size >= 500) this.layouts.delete(this.layouts.keys().next().value!);
    this.layouts.set(key, layout);
    return layout;
  }
}

/** AgentOS' run statuses are upper-case; holdpoint's `failed` is AgentOS' `ERROR`. */
export function agentOsStatus(status: RunStatus): 'RUNNING' | 'PAUSED' | 'COMPLETED' | 'ERROR' | 'CANCELLED' {
  switch (status) {
    case 'running':
      return 'RUNNING';
    case 'paused':
      return 'PAUSED';
    case 'completed':
      return 'COMPLETED';
    case 'failed':
      return 'ERROR';
    case 'cancelled':
      return 'CANCELLED';
  }
}

/** The session a run belongs to: the one it was started in, else its own id (a run on its own is a session). */
export function sessionOf(run: { run_id: string; session_id?: string | undefined }): string {
  return run.session_id ?? run.run_id;
}

/** Ids AgentOS gives parts of a run: a step's run, and an agent step's own run. */
export const stepId = (runId: string, step: string): string => `${runId}.${step}`;
export const agentRunId = (runId: string, step: string): string => `${runId}.${step}.agent`;
