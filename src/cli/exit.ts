/** The exit codes scripts can rely on (printed by `holdpoint --help`). */
export const Exit = {
  /** Done. */
  Ok: 0,
  /** Refused: the API answered 4xx; or a definition is invalid, an audit chain does not verify. */
  Refused: 1,
  /** Usage: an unknown command, option or argument; nothing was sent. */
  Usage: 2,
  /** Unreachable: no answer from the gateway, a timeout, or a 5xx. */
  Unreachable: 3,
  /** Timed out: `runs watch`, `runs wait` or `runs start --wait` reached --timeout first. */
  TimedOut: 4,
} as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  refused: the API answered 4xx (bad input, not allowed, not found, a conflict such as
     already decided or a digest mismatch); also an invalid definition (definitions validate)
     or an audit chain that does not verify (audit verify)
  2  usage: unknown command, option or argument; missing or unreadable config or file
  3  unreachable: cannot reach the gateway, no answer within --request-timeout, or a 5xx answer
  4  timed out: runs watch / runs wait / runs start --wait reached --timeout first`;

/** A mistake in the command line: printed with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

/** A command's own failure with its exit code; `reported`: already explained on stderr. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  constructor(
    message: string,
    readonly code: ExitCode,
    readonly reported = false,
  ) {
    super(message);
  }
}
