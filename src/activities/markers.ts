import { MARK_ACTIVITY, type MarkActivities } from '../contracts/markers';

/** The marker activity: records its input in the run's history and does nothing else. */
export function createMarkActivities(): MarkActivities {
  return { [MARK_ACTIVITY]: async (input) => input };
}
