import type { z } from 'zod';
import { ErrorType, HoldpointError } from '../src/contracts/errors';

/** Where a value came from, used as the first segment of a field name in error messages. */
export type Source = 'body' | 'query' | 'params' | 'headers';

/** A schema failure as holdpoint's 400: names the first bad field (all issues are in the details). */
export function invalidRequest(error: z.ZodError, source: Source): never {
  const issues = error.issues.map((issue) => ({
    field: issue.code === 'unrecognized_keys' ? [source, ...issue.path.map(String), issue.keys[0] ?? ''].join('.') : [source, ...issue.path.map(String)].join('.'),
    message: issue.code === 'unrecognized_keys' ? `is not a field this route takes (${issue.keys.map((k) => `"${k}"`).join(', ')})` : issue.message,
  }));
  const first = issues[0]!;
  throw new HoldpointError(ErrorType.InvalidRequest, `${first.field}: ${first.message}`, { field: first.field, issues });
}

/** Parses with a schema, or throws a 400 naming the first bad field (all issues are in the details). */
export function parse<S extends z.ZodType>(schema: S, value: unknown, source: Source): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  return invalidRequest(result.error, source);
}
