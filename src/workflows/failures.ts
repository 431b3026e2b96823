import { ApplicationFailure } from '@temporalio/workflow';

type FailureOptions = Parameters<typeof ApplicationFailure.create>[0];

/**
 * A failure a caller sees (a refused update, a failed run): its type, message and details, and no
 * stack trace — the workflow code's file paths mean nothing to a caller and clutter the Web UI.
 */
export function refusal(options: FailureOptions): ApplicationFailure {
  const failure = ApplicationFailure.create({ nonRetryable: true, ...options });
  failure.stack = '';
  return failure;
}
