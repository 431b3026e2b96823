/** What every task activity returns: the handler's output and the attempt that produced it. */
export interface TaskResult {
  output: unknown;
  attempt: number;
}

/** A task step's activity as workflow code sees it (the type only; workflows never load activity code). */
export type TaskActivity = (input: unknown) => Promise<TaskResult>;

/** Carried in a failed task's `ApplicationFailure` details so the run can report attempts. */
export interface TaskFailureDetails {
  attempt: number;
}
