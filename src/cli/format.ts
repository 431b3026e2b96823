/** Output for people: aligned tables, short durations, one-line values. */

export type Cell = string | number | boolean | null | undefined;

/** Columns padded to their widest cell; long cells cut to `maxWidth` with an ellipsis. */
export function table(headers: string[], rows: Cell[][], maxWidth = 60): string {
  const text = (cell: Cell) => {
    const s = cell === null || cell === undefined ? '-' : String(cell).replace(/\s*\n\s*/g, ' ');
    return s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s;
  };
  const cells = [headers, ...rows.map((r) => r.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** `key: value` lines, keys aligned; undefined values left out. */
export function fields(pairs: [string, Cell][]): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v === null ? '-' : String(v)}`).join('\n');
}

/** `2d 3h`, `3h 12m`, `4m 05s`, `12s` (rounded down: time left never looks longer than it is). */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Time left until an instant: `3h 12m`, `overdue 5m 10s`, or `-` without one. */
export function timeLeft(until: string | undefined, now = Date.now()): string {
  if (!until) return '-';
  const left = Date.parse(until) - now;
  return left >= 0 ? duration(left) : `overdue ${duration(-left)}`;
}

/** A value on one line: strings as they are, the rest as compact JSON. */
export function inline(value: unknown): string {
  if (value === undefined) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `--wait 30s`, `--timeout 2m`, `500ms`, `1h`, or seconds (`30`). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit]!);
}
