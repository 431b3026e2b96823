import { PERMISSION_MODES } from './interaction';
import type { AwaitSettledRequest, CancelRequest, DecisionRequest, EventsQuery, PermissionModeRequest } from './decision';
import { MAX_WAIT_MS, nullMeansAbsent } from './message-rules';

/**
 * The run's messages (decide, awaitSettled, requestCancel, setPermissionMode, getEvents) checked
 * inside the workflow without zod. The zod schemas in `decision.ts` stay the published contract
 * (the gateway, /schemas, the OpenAPI document); zod cannot run in the workflow sandbox cheaply —
 * it cannot be preloaded (it completes its objects lazily and preloaded modules are frozen), so
 * every run would evaluate it and build its schemas again, about a fifth of a start's workflow CPU.
 * These checks accept exactly what the schemas accept, return the same value, and refuse with the
 * same first issue in the same words; `test/unit/message-checks.test.ts` compares them with the
 * schemas over generated messages.
 */

/** The first thing wrong with a message: a field and words, or fields it does not take. */
export type MessageIssue = { path: (string | number)[]; message: string } | { unknownKeys: string[]; takes: string[] };

export type Checked<T> = { ok: true; value: T } | { ok: false; issue: MessageIssue };

/** A field's check: its parsed value, or the first issue (paths relative to the field). */
type FieldCheck = (value: unknown) => { value: unknown } | { path: (string | number)[]; message: string };

/** The value's kind in zod's words ("received …"). */
function received(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? 'number' : String(value);
  return typeof value;
}

const expected = (what: string, value: unknown) => ({ path: [], message: `Invalid input: expected ${what}, received ${received(value)}` });

function string(o: { min?: number; max?: number; pattern?: RegExp; patternMessage?: string; refine?: (s: string) => string | undefined; map?: (s: string) => string } = {}): FieldCheck {
  return (value) => {
    if (typeof value !== 'string') return expected('string', value);
    if (o.min !== undefined && value.length < o.min) return { path: [], message: `Too small: expected string to have >=${o.min} characters` };
    if (o.max !== undefined && value.length > o.max) return { path: [], message: `Too big: expected string to have <=${o.max} characters` };
    if (o.pattern && !o.pattern.test(value)) return { path: [], message: o.patternMessage ?? `Invalid string: must match pattern ${String(o.pattern)}` };
    const refused = o.refine?.(value);
    if (refused) return { path: [], message: refused };
    return { value: o.map ? o.map(value) : value };
  };
}

function integer(min: number, max?: number): FieldCheck {
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return expected('number', value);
    if (!Number.isInteger(value)) return expected('int', value);
    if (value > Number.MAX_SAFE_INTEGER) return { path: [], message: `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}` };
    if (value < Number.MIN_SAFE_INTEGER) return { path: [], message: `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}` };
    if (value < min) return { path: [], message: `Too small: expected number to be >=${min}` };
    if (max !== undefined && value > max) return { path: [], message: `Too big: expected number to be <=${max}` };
    return { value };
  };
}

const boolean: FieldCheck = (value) => (typeof value === 'boolean' ? { value } : expected('boolean', value));
const anything: FieldCheck = (value) => ({ value });
const oneOf = (options: readonly string[], message: string): FieldCheck => (value) =>
  typeof value === 'string' && options.includes(value) ? { value } : { path: [], message };

function arrayOf(item: FieldCheck, max: number, map: (items: unknown[]) => unknown[]): FieldCheck {
  return (value) => {
    if (!Array.isArray(value)) return expected('array', value);
    if (value.length > max) return { path: [], message: `Too big: expected array to have <=${max} items` };
    const out: unknown[] = [];
    for (const [i, element] of value.entries()) {
      const checked = item(element);
      if ('message' in checked) return { path: [i, ...checked.path], message: checked.message };
      out.push(checked.value);
    }
    return { value: map(out) };
  };
}

interface Field {
  check: FieldCheck;
  required?: boolean;
}

/**
 * A strict object: fields in the schema's order (the first field's issue wins), then fields it does
 * not take, then the whole-message rule (which sees only a message whose fields are all valid).
 */
function strictObject<T>(fields: Record<string, Field>, whole?: (value: Record<string, unknown>) => { path: string[]; message: string } | undefined) {
  const names = Object.keys(fields);
  return (raw: unknown): Checked<T> => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, issue: { path: [], message: `Invalid input: expected object, received ${received(raw)}` } };
    const input = raw as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const value = input[name];
      const field = fields[name]!;
      if (value === undefined) {
        if (field.required) {
          const missing = field.check(undefined);
          if ('message' in missing) return { ok: false, issue: { path: [name, ...missing.path], message: missing.message } };
        }
        continue;
      }
      const checked = field.check(value);
      if ('message' in checked) return { ok: false, issue: { path: [name, ...checked.path], message: checked.message } };
      out[name] = checked.value;
    }
    const unknownKeys = Object.keys(input).filter((key) => !(key in fields));
    if (unknownKeys.length > 0) return { ok: false, issue: { unknownKeys, takes: names } };
    const refused = whole?.(out);
    if (refused) return { ok: false, issue: refused };
    return { ok: true, value: out as T };
  };
}

const label = /^[a-z][a-z0-9_-]{0,31}$/;
const name = string({ min: 1, max: 200 });

const group = string({
  min: 1,
  max: 200,
  refine: (g) => (g.startsWith('user:') ? 'is a principal ("user:…"): name the decider in "by"; groups are group names' : undefined),
  map: (g) => g.replace(/^group:/, ''),
});

const decisionFields = strictObject<DecisionRequest>(
  {
    request_id: { check: string({ min: 1 }) },
    step: { check: string({ min: 1 }) },
    value: { check: anything },
    action: { check: (v) => (v === 'skip' ? { value: v } : { path: [], message: 'Invalid input: expected "skip"' }) },
    comment: { check: string({ max: 4_000 }) },
    by: { check: name },
    groups: { check: arrayOf(group, 200, (groups) => [...new Set(groups)]) },
    digest: { check: string({ pattern: /^sha256:[0-9a-f]{64}$/, patternMessage: 'must be a digest as the pause shows it ("sha256:<64 hex>")' }) },
    idempotency_key: { check: string({ min: 1, max: 255 }) },
    via: { check: string({ pattern: label, patternMessage: 'must be a short lower-case label such as "rest" or "slack"' }) },
    remember: { check: boolean },
    wait_ms: { check: integer(0, MAX_WAIT_MS) },
  },
  (d) => {
    if (d.action === undefined && d.value === undefined) return { path: ['value'], message: 'is required' };
    if (d.action === 'skip' && d.value !== undefined) return { path: ['value'], message: 'must be absent when skipping' };
    if (d.request_id === undefined && d.step === undefined) return { path: ['step'], message: 'name the pause with "request_id" or "step"' };
    return undefined;
  },
);

/** `null` is a value only for `value` (an input step may take it), and not when skipping. */
export function checkDecisionMessage(raw: unknown): Checked<DecisionRequest> {
  const cleaned = nullMeansAbsent(raw, ['value']) as Record<string, unknown>;
  if (cleaned && typeof cleaned === 'object' && cleaned.value === null && cleaned.action !== undefined) delete cleaned.value;
  return decisionFields(cleaned);
}

const awaitSettled = strictObject<AwaitSettledRequest>({ wait_ms: { check: integer(0, MAX_WAIT_MS), required: true } });
export const checkAwaitSettledMessage = (raw: unknown): Checked<AwaitSettledRequest> => awaitSettled(nullMeansAbsent(raw));

const cancel = strictObject<CancelRequest>({ by: { check: name }, reason: { check: string({ max: 4_000 }) } });
export const checkCancelMessage = (raw: unknown): Checked<CancelRequest> => cancel(nullMeansAbsent(raw));

const permissionModeMessage = `must be one of ${PERMISSION_MODES.join(', ')}`;
const permissionMode = strictObject<PermissionModeRequest>({
  permission_mode: { check: oneOf(PERMISSION_MODES, permissionModeMessage), required: true },
  by: { check: name },
  via: { check: string({ pattern: label }) },
});
export const checkPermissionModeMessage = (raw: unknown): Checked<PermissionModeRequest> => permissionMode(nullMeansAbsent(raw));

const eventsQuery = strictObject<EventsQuery>({ after: { check: integer(0) }, limit: { check: integer(1, 1_000) } });
export const checkEventsQuery = (raw: unknown): Checked<EventsQuery> => eventsQuery(nullMeansAbsent(raw));

/** The field and words for a refused message (unknown fields by name, with the fields it takes). */
export function describeMessageIssue(issue: MessageIssue): { field: string; message: string } {
  if ('unknownKeys' in issue) {
    const keys = issue.unknownKeys.map((k) => `"${k}"`).join(', ');
    return { field: issue.unknownKeys[0] ?? 'body', message: `unknown field${issue.unknownKeys.length > 1 ? 's' : ''} ${keys}; this message takes ${issue.takes.join(', ')}` };
  }
  const field = issue.path.join('.') || 'body';
  return { field, message: `${field}: ${issue.message}` };
}
