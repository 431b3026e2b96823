const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A length of time written as a number and a unit: `"500ms"`, `"90s"`, `"15m"`, `"24h"`, `"7d"`, `"2w"`.
 * One strict spelling, so a definition never means seconds in one place and milliseconds in another.
 * (The zod schema, `Duration`, lives with the definition schemas.)
 */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Milliseconds in a duration; NaN for a string that is not one. */
export function durationToMs(value: string): number {
  const match = DURATION_PATTERN.exec(value);
  if (!match) return Number.NaN;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}
