import { Validator, type Schema } from '@cfworker/json-schema';

/**
 * JSON Schema checks that are safe inside the workflow sandbox: @cfworker/json-schema interprets the
 * schema instead of generating code, so it needs no `eval` and is deterministic.
 */

export interface SchemaViolation {
  /** Where in the value: `value`, `value.email`, `value.items[2]`. */
  path: string;
  message: string;
}

export function checkAgainstSchema(schema: Record<string, unknown>, value: unknown, root = 'value'): SchemaViolation[] {
  const result = new Validator(schema as Schema, '2020-12', false).validate(value);
  if (result.valid) return [];
  // The validator reports every failing keyword up the tree ("properties", "allOf"...); the deepest,
  // most specific messages are the ones a person can act on.
  const leaves = result.errors.filter(
    (e) => !['properties', 'items', 'allOf', 'anyOf', 'oneOf', '$ref', 'additionalProperties'].includes(e.keyword) || result.errors.length === 1,
  );
  const chosen = leaves.length > 0 ? leaves : result.errors;
  const seen = new Set<string>();
  const violations: SchemaViolation[] = [];
  for (const error of chosen) {
    const violation = { path: toPath(root, error.instanceLocation), message: error.error };
    const key = `${violation.path}\u0000${violation.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      violations.push(violation);
    }
  }
  return violations;
}

export function describeViolations(violations: SchemaViolation[]): string {
  return violations.map((v) => `${v.path}: ${v.message}`).join('; ');
}

function toPath(root: string, instanceLocation: string): string {
  const pointer = instanceLocation.replace(/^#/, '');
  if (pointer === '' || pointer === '/') return root;
  return pointer
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, token) => (/^\d+$/.test(token) ? `${path}[${token}]` : `${path}.${token}`), root);
}
