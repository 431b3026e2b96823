/**
 * JSONata's rules for values, reproduced line for line from jsonata 2.x (fn.boolean, fn.string and its
 * JSON replacer, isDeepEqual, isFunction) for the synchronous evaluator in jsonata-sync.ts. Where
 * JSONata would throw, these throw {@link DEFER} instead, and the caller leaves the expression to it.
 */

/** Thrown where the value must come from JSONata itself (it would throw, or the case is not modelled). */
export const DEFER: unique symbol = Symbol('jsonata-sync defer');

/** JSONata's `isFunction`: also true of plain data that carries its internal function flags. */
export function isFunctionLike(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object') return false;
  const flags = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return flags._jsonata_function === true || flags._jsonata_lambda === true;
}

export function isFiniteNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

/** JSONata's `$boolean` (fn.boolean), including its array rule; `undefined` stays `undefined`. */
export function castToBoolean(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 1) return castToBoolean(value[0]);
    // JSONata casts every item (so an item it cannot cast throws even after a true one).
    return value.length > 1 && value.map((item) => castToBoolean(item)).some(Boolean);
  }
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return false;
    if (!Number.isFinite(value)) throw DEFER; // JSONata: D1001
    return value !== 0;
  }
  if (value !== null && typeof value === 'object' && !isFunctionLike(value)) return Object.keys(value).length > 0;
  return value === true;
}

/** JSONata's `$string` (fn.string) of a defined value: JSON with numbers to 15 significant digits. */
export function toJsonataString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isFunctionLike(value)) return '';
  if (typeof value === 'number' && !Number.isFinite(value)) throw DEFER; // JSONata: D3001
  const text = JSON.stringify(value, formatForString);
  if (typeof text !== 'string') throw DEFER;
  return text;
}

/** The replacer JSONata's `$string` passes to JSON.stringify. */
function formatForString(_key: string, value: unknown): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return value;
    if (!Number.isFinite(value)) throw DEFER; // JSONata: D1001
    return Number.isInteger(value) ? value : Number(value.toPrecision(15));
  }
  return value && isFunctionLike(value) ? '' : value;
}

/** JSONata's `isDeepEqual`, as written there (own property names, arrays item by item). */
export function deepEqual(lhs: unknown, rhs: unknown): boolean {
  if (lhs === rhs) return true;
  if (typeof lhs !== 'object' || typeof rhs !== 'object' || lhs === null || rhs === null) return false;
  if (Array.isArray(lhs) && Array.isArray(rhs)) {
    return lhs.length === rhs.length && lhs.every((item, i) => deepEqual(item, rhs[i]));
  }
  const lkeys = Object.getOwnPropertyNames(lhs).sort();
  const rkeys = Object.getOwnPropertyNames(rhs).sort();
  if (lkeys.length !== rkeys.length || lkeys.some((key, i) => key !== rkeys[i])) return false;
  return lkeys.every((key) => deepEqual((lhs as Record<string, unknown>)[key], (rhs as Record<string, unknown>)[key]));
}
