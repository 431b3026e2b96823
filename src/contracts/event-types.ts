import type { RunEventType } from './events';

/**
 * Event kinds with a meaning of their own, zod-free so workflow code can use them without building
 * any schema.
 */

/** The last event of every run that holdpoint ends (a run ended from outside Temporal has none). */
export const TERMINAL_EVENT_TYPES: readonly RunEventType[] = ['run_completed', 'run_failed', 'run_cancelled'];

/**
 * Events worth telling the world about: they reach webhooks, Slack and the cross-run feed. Step-level
 * progress (step_started, step_completed, branch_taken) stays in the run's own feed.
 */
export const NOTABLE_EVENT_TYPES: readonly RunEventType[] = [
  'run_started',
  'paused',
  'reminded',
  'escalated',
  'voted',
  'decided',
  'decision_rejected',
  'timed_out',
  'step_failed',
  'cancel_requested',
  'permission_mode_changed',
  'run_completed',
  'run_failed',
  'run_cancelled',
];

export function isTerminalEvent(type: string): boolean {
  return (TERMINAL_EVENT_TYPES as readonly string[]).includes(type);
}

export function isNotableEvent(type: string): boolean {
  return (NOTABLE_EVENT_TYPES as readonly string[]).includes(type);
}
