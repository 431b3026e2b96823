/* global document */
/** DOM building and formatting. Values only ever become text nodes (the CSP forbids HTML sinks). */

/**
 * `el('button', { type: 'button', class: 'primary', onclick }, 'Approve')`
 * @param {string} tag
 * @param {Record<string, any>} [attrs] `on<event>` keys become listeners; false/null/undefined are left out
 * @param {...(Node | string | number | null | undefined | false | Array<Node | string | null | undefined | false>)} children
 * @returns {any}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : c)));
  return node;
}

/** @param {unknown} value */
export function json(value) {
  return JSON.stringify(value, null, 2);
}

/**
 * What is left until `deadline`, down to the second: "1d 04h 12m", "1h 59m 58s", "4m 05s", "12s".
 * @param {number} ms
 */
export function formatLeft(ms) {
  if (ms <= 0) return 'time is up';
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${two(hours)}h ${two(minutes)}m left`;
  if (hours > 0) return `${hours}h ${two(minutes)}m ${two(seconds)}s left`;
  if (minutes > 0) return `${minutes}m ${two(seconds)}s left`;
  return `${seconds}s left`;
}

/** A `<time>` that the page's clock keeps counting down. @param {string | undefined} deadline */
export function countdown(deadline) {
  if (!deadline) return el('span', { class: 'left none' }, 'no time limit');
  const node = el('time', { class: 'left', datetime: deadline, dataset: { deadline } });
  updateCountdown(node, Date.now());
  return node;
}

/**
 * @param {any} node a `[data-deadline]` element
 * @param {number} now
 */
export function updateCountdown(node, now) {
  const left = Date.parse(node.dataset.deadline) - now;
  const text = formatLeft(left);
  if (node.textContent !== text) node.textContent = text;
  node.classList.toggle('soon', left > 0 && left < 3_600_000);
  node.classList.toggle('over', left <= 0);
}

/** @param {string} iso */
export function formatTime(iso) {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "group:finance" → "finance (group)", "user:alice" → "alice", "*" → "anyone with the approver role" @param {string} key */
export function describeAssignee(key) {
  if (key === '*') return 'anyone with the approver role';
  if (key.startsWith('group:')) return `${key.slice(6)} (group)`;
  return key.startsWith('user:') ? key.slice(5) : key;
}
