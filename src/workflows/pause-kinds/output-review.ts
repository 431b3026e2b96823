import { APPROVE_OPTION } from '../../contracts/options';
import type { Pause, Vote } from '../../contracts/run';
import { canonicalJson } from '../../lib/digest';
import { currentRound, editOf } from '../../lib/review-rounds';
import { reviewDigest } from '../pauses';

/**
 * How an output review that needs several approvers counts votes from behavior 5 (see
 * RunState.castVote): an edit is its author's approval of the edited output, and one that changes what
 * the review shows starts a new round. Before behavior 5 the first edit settled the review.
 */

interface Behaving {
  readonly behavior: number;
}

function inRounds(run: Behaving, pause: Pause): boolean {
  return pause.type === 'output_review' && run.behavior >= 5;
}

/** What a vote counts as: from behavior 5 an output review's edit is an approval; any other value is itself. */
export function countsAs(run: Behaving, pause: Pause, value: unknown): unknown {
  return inRounds(run, pause) && editOf(value) ? APPROVE_OPTION : value;
}

/** How many votes of the current round count as `kind` (approve or reject). */
export function roundCount(run: Behaving, pause: Pause, kind: unknown): number {
  return currentRound(pause).filter((v) => countsAs(run, pause, v.value) === kind).length;
}

/** Whether a vote would start a new round: an output review's edit (behavior 5) that changes what it shows. */
export function startsRound(run: Behaving, pause: Pause, value: unknown): boolean {
  const edit = inRounds(run, pause) ? editOf(value) : undefined;
  return edit !== undefined && canonicalJson(edit.edit) !== canonicalJson(pause.review?.output);
}

/** The review shows the edit (the pause's last vote) from now on, under a new digest, and counts votes from it. */
export function startRound(pause: Pause, vote: Vote): void {
  const { original, edited_by, ...review } = pause.review!;
  const output = editOf(vote.value)!.edit;
  const task = edited_by === undefined ? review.output : original;
  // An edit back to what the task returned undoes the edits: still a new round (the votes were on
  // other content), but nothing edited ships.
  pause.review =
    canonicalJson(output) === canonicalJson(task) ? { ...review, output } : { ...review, output, original: task, edited_by: vote.by ?? 'an unnamed sender' };
  pause.digest = reviewDigest(pause);
  pause.round_from = pause.votes.length - 1;
}
