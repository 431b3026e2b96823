/* global document, CSS */
/** The list of requests waiting for the caller, soonest deadline first. */
import { countdown, el } from './dom.js';

/** @typedef {import('./detail.js').Item} Item */

/**
 * Soonest deadline first (none last), then oldest first.
 * @param {Item} a
 * @param {Item} b
 */
export function byUrgency(a, b) {
  const ta = a.timeout_at ? Date.parse(a.timeout_at) : Infinity;
  const tb = b.timeout_at ? Date.parse(b.timeout_at) : Infinity;
  return ta - tb || a.created_at.localeCompare(b.created_at);
}

/**
 * Renders the items, keeping keyboard focus on the same request when it is still listed (on the
 * list's title when it left).
 * @param {any} list the `<ul>`
 * @param {Item[]} items
 * @param {{ openId: string | undefined, onOpen: (id: string) => void }} options
 */
export function renderList(list, items, { openId, onOpen }) {
  const focused = document.activeElement?.closest?.('[data-request-id]')?.getAttribute('data-request-id');
  list.replaceChildren(...items.map((item) => el('li', {}, itemButton(item, openId, onOpen))));
  if (!focused) return;
  // The focused request left (decided here or elsewhere): focus goes to the list's title, not to nowhere.
  const still = list.querySelector(`[data-request-id="${CSS.escape(focused)}"]`);
  (still ?? document.getElementById('list-title'))?.focus();
}

/**
 * @param {Item} item
 * @param {string | undefined} openId
 * @param {(id: string) => void} onOpen
 */
function itemButton(item, openId, onOpen) {
  // The page does not know who voted: with votes in, it is waiting for others (maybe after yours).
  const note = !item.you_may_decide ? (roundVotes(item).length > 0 ? 'waiting for others' : 'not yours to decide') : !item.you_may_approve ? 'you may only reject' : undefined;
  return el(
    'button',
    {
      type: 'button',
      class: 'item',
      dataset: { requestId: item.request_id },
      'aria-current': item.request_id === openId ? 'true' : false,
      onclick: () => onOpen(item.request_id),
    },
    el('span', { class: 'item-title' }, item.title ?? item.message),
    el('span', { class: 'item-meta' }, el('span', { class: 'kind' }, label(item.type)), ` ${item.workflow} · ${item.step}`),
    el('span', { class: 'item-foot' }, countdown(item.timeout_at), note ? el('span', { class: 'badge' }, note) : null),
  );
}

/**
 * The votes that count now: an edit of an output review starts a new round, and the votes before it
 * were on other content.
 * @param {Item} item
 */
export function roundVotes(item) {
  return item.votes.slice(item.round_from ?? 0);
}

/** @param {string} type */
export function label(type) {
  return type.replaceAll('_', ' ');
}

/** Moves focus among the list's items with the arrow keys, Home and End. @param {any} list */
export function arrowKeys(list) {
  list.addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
    const buttons = [...list.querySelectorAll('button.item')];
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (to === undefined || !buttons[to]) return;
    event.preventDefault();
    buttons[to].focus();
  });
}
