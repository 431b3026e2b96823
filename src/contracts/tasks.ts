import type { NotifyInput } from './notify';

/** What every task activity returns: the handler's output and the attempt that produced it. */
export interface TaskResult {
  output: unknown;
  attempt: number;
  /** The run's notices that came with the call were passed on (behavior 4; see workflows/notifier.ts). */
  notified?: boolean;
}

/** A task step's activity as workflow code sees it (the type only; workflows never load activity code). */
export type TaskActivity = (input: unknown, notices?: NotifyInput) => Promise<TaskResult>;

/** Carried in a failed task's `ApplicationFailure` details so the run can report attempts. */
export interface TaskFailureDetails {
  attempt: number;
}
