import type { Definition, Step } from '../../src/contracts/definition';
import type { TaskHandlers } from '../../src/activities/tasks';

/** Small definitions that exercise one feature each; their handlers live below. */

export const echo = (name: string, input?: string | Record<string, string>): Step => ({
  name,
  type: 'task',
  handler: 'echo',
  ...(input ? { input } : {}),
});

export function definition(name: string, steps: Step[], extra: Partial<Definition> = {}): Definition {
  return { name, steps, ...extra };
}

/** Handlers for test definitions (deterministic, some failing on purpose) and how often each ran. */
export function testHandlers(): { handlers: TaskHandlers; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
  const handlers: TaskHandlers = {
    echo: (input: unknown) => {
      count('echo');
      return input ?? null;
    },
    failTwice: (_input: unknown, ctx: { attempt: number }) => {
      count('failTwice');
      if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt} failed`);
      return { succeededOn: ctx.attempt };
    },
    alwaysFail: () => {
      count('alwaysFail');
      const err = new Error('the payment provider said no');
      err.name = 'PaymentDeclined';
      throw err;
    },
  };
  return { handlers, calls };
}
