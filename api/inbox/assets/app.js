/* global document, setInterval, setTimeout, clearTimeout, CSS */
/**
 * The approver inbox: sign in with a key (this tab only), follow what waits for you live, open a
 * request, decide it. Every rule is the API's: the page shows its refusals word for word.
 */
import { inboxApi, newIdempotencyKey, session } from './api.js';
import { renderDetail } from './detail.js';
import { updateCountdown } from './dom.js';
import { followFeed } from './feed.js';
import { arrowKeys, byUrgency, renderList } from './list.js';

/** @typedef {import('./detail.js').Item} Item */

/** How long the page trusts the feed over a listing that has not caught up (visibility lags a little). */
const OVERRIDE_MS = 30_000;
/** A slow safety net for changes no event announces to an approver (a run cancelled while paused). */
const SAFETY_REFRESH_MS = 60_000;
/** Events come in bursts (paused, then the step's other events): one listing per burst. */
const DEBOUNCE_MS = 100;

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const ui = {
  signIn: $('sign-in'),
  form: $('sign-in-form'),
  key: $('key'),
  signInError: $('sign-in-error'),
  inbox: $('inbox'),
  listTitle: $('list-title'),
  list: $('items'),
  count: $('count'),
  empty: $('empty'),
  listError: $('list-error'),
  detail: $('detail'),
  live: $('live'),
  who: $('who'),
  signOut: $('sign-out'),
  announce: $('announce'),
};

/**
 * The signed-in session; undefined when signed out.
 * @type {undefined | {
 *   api: ReturnType<typeof inboxApi>, feed: { stop: () => void }, items: Item[], loaded: boolean,
 *   expected: Set<string>, arrived: Map<string, { item: Item, until: number }>, gone: Map<string, number>,
 *   openId?: string, detail?: { markGone: (text: string) => void }, goneMarked: boolean, deciding?: string,
 *   keys: Map<string, { signature: string, key: string }>,
 * }}
 */
let state;

ui.form.addEventListener('submit', (/** @type {Event} */ event) => {
  event.preventDefault();
  void signIn();
});
ui.signOut.addEventListener('click', () => end('You signed out.'));
arrowKeys(ui.list);
document.addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
  if (event.key === 'Escape' && state?.openId && !event.defaultPrevented) {
    event.preventDefault();
    close();
  }
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state) schedule();
});
setInterval(() => {
  const now = Date.now();
  document.querySelectorAll('[data-deadline]').forEach((node) => updateCountdown(node, now));
}, 1_000);
setInterval(() => state && schedule(), SAFETY_REFRESH_MS);

const saved = session.get();
if (saved) begin(saved);
else ui.key.focus();

async function signIn() {
  const key = ui.key.value.trim();
  ui.signInError.textContent = '';
  ui.key.removeAttribute('aria-invalid');
  if (!key) return refuseKey('Enter your API key.');
  const submit = ui.form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    await inboxApi(key).list();
  } catch (error) {
    return refuseKey(/** @type {Error} */ (error).message);
  } finally {
    submit.disabled = false;
  }
  session.set(key);
  ui.key.value = '';
  begin(key);
}

/** @param {string} message */
function refuseKey(message) {
  ui.signInError.textContent = message;
  ui.key.setAttribute('aria-invalid', 'true');
  ui.key.focus();
}

/** @param {string} key */
function begin(key) {
  const feed = followFeed({
    key,
    query: '?assignee=mine',
    onState: (feedState) => {
      ui.live.dataset.state = feedState;
      ui.live.textContent = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' }[feedState];
    },
    onReady: (ready) => {
      ui.live.dataset.hubVersion = String(ready?.hub_version ?? '');
      showWho(ready?.filter?.assignees ?? []);
      // Whatever happened while the feed was away is in the listing.
      schedule();
    },
    onEvent,
    onRefused: (error) => end(error.message),
  });
  state = { api: inboxApi(key), feed, items: [], loaded: false, expected: new Set(), arrived: new Map(), gone: new Map(), goneMarked: false, keys: new Map() };
  ui.signIn.hidden = true;
  ui.inbox.hidden = false;
  ui.signOut.hidden = false;
  ui.listTitle.focus();
  void refresh();
}

/** Back to the sign-in form; the key leaves the tab. @param {string} message */
function end(message) {
  state?.feed.stop();
  state = undefined;
  session.clear();
  ui.list.replaceChildren();
  ui.detail.replaceChildren();
  ui.detail.hidden = true;
  ui.inbox.classList.remove('detail-open');
  ui.inbox.hidden = true;
  ui.signOut.hidden = true;
  ui.who.hidden = true;
  ui.live.dataset.state = 'off';
  ui.live.textContent = 'Signed out';
  ui.announce.textContent = '';
  ui.signIn.hidden = false;
  ui.signInError.textContent = message;
  ui.key.focus();
}

/** The feed's filter names the caller (`user:<id>`) and their groups. @param {string[]} keys */
function showWho(keys) {
  const me = keys.find((k) => k.startsWith('user:'))?.slice(5);
  const groups = keys.filter((k) => k.startsWith('group:')).map((k) => k.slice(6));
  if (!me) return;
  ui.who.textContent = `Signed in as ${me}${groups.length > 0 ? ` · ${groups.join(', ')}` : ''}`;
  ui.who.hidden = false;
}

/** @param {string} type @param {any} event */
function onEvent(type, event) {
  if (!state) return;
  const id = typeof event?.request_id === 'string' ? event.request_id : undefined;
  if (id && type === 'paused') {
    state.gone.delete(id);
    state.expected.add(id);
  }
  if (id && (type === 'decided' || type === 'timed_out')) {
    state.gone.set(id, Date.now() + OVERRIDE_MS);
    state.arrived.delete(id);
    if (state.openId === id && state.deciding !== id) {
      markGone(type === 'decided' ? `Decided by ${event.data?.by ?? 'someone else'}: this request no longer waits for you.` : 'Timed out: this request no longer waits for anyone.');
    }
    setItems(state.items.filter((i) => i.request_id !== id));
  }
  schedule();
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let pending;
function schedule() {
  clearTimeout(pending);
  pending = setTimeout(() => void refresh(), DEBOUNCE_MS);
}

/** @type {Promise<void> | undefined} */
let refreshing;
let again = false;
/** One listing at a time; a change while one runs asks for one more. */
async function refresh() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      await load();
    } while (again && state);
  })().finally(() => (refreshing = undefined));
  return refreshing;
}

/** The listing, corrected by what the feed already said (it is ahead of visibility by a moment). */
async function load() {
  const s = state;
  if (!s) return;
  let page;
  try {
    page = await s.api.list();
    ui.listError.textContent = '';
  } catch (error) {
    if (s !== state) return;
    const e = /** @type {any} */ (error);
    if (e.status === 401) return end(e.message);
    ui.listError.textContent = e.message;
    return;
  }
  if (s !== state) return;
  const now = Date.now();
  /** @type {Map<string, Item>} */
  const listed = new Map(page.data.filter((/** @type {Item} */ i) => i.status === 'pending').map((/** @type {Item} */ i) => [i.request_id, i]));
  // What this tab decided stays gone for a while, even from reads that began before the decision.
  for (const [id, until] of s.gone) if (until < now) s.gone.delete(id);
  for (const [id, arrival] of s.arrived) {
    if (listed.has(id) || arrival.until < now || s.gone.has(id)) s.arrived.delete(id);
    else listed.set(id, arrival.item);
  }
  // Announced by the feed but not listed yet: read each from its run.
  const missing = [...s.expected].filter((id) => !listed.has(id) && !s.gone.has(id));
  s.expected.clear();
  const fetched = await Promise.all(missing.map((id) => s.api.get(id).catch(() => undefined)));
  if (s !== state) return;
  for (const item of fetched) {
    if (item?.status !== 'pending' || s.gone.has(item.request_id)) continue;
    s.arrived.set(item.request_id, { item, until: now + OVERRIDE_MS });
    listed.set(item.request_id, item);
  }
  // Decided here a moment ago: gone, whatever a listing or a read that started before said.
  for (const id of s.gone.keys()) listed.delete(id);
  setItems([...listed.values()].sort(byUrgency));
}

/** @param {Item[]} items */
function setItems(items) {
  const s = state;
  if (!s) return;
  const before = new Set(s.items.map((i) => i.request_id));
  s.items = items;
  renderList(ui.list, items, { openId: s.openId, onOpen: (id) => void open(id) });
  ui.count.textContent = items.length > 0 ? `(${items.length})` : '';
  ui.empty.hidden = items.length > 0;
  const fresh = items.filter((i) => !before.has(i.request_id));
  if (s.loaded && fresh.length > 0) say(fresh.length === 1 ? `New request: ${fresh[0].title ?? fresh[0].message}` : `${fresh.length} new requests`);
  s.loaded = true;
  if (s.openId && s.deciding !== s.openId && !items.some((i) => i.request_id === s.openId)) {
    markGone('This request no longer waits for you: it was decided, reassigned or ended elsewhere.');
  }
}

/** @param {string} text */
function markGone(text) {
  if (!state?.detail || state.goneMarked) return;
  state.goneMarked = true;
  state.detail.markGone(text);
}

/** Opens a request with everything in full (listings cut large context). @param {string} id */
async function open(id) {
  const s = state;
  if (!s) return;
  s.openId = id;
  markCurrent(id);
  let item = s.items.find((i) => i.request_id === id);
  try {
    item = await s.api.get(id);
  } catch (error) {
    if (!item) {
      ui.listError.textContent = /** @type {Error} */ (error).message;
      return;
    }
  }
  if (s !== state || s.openId !== id || !item) return;
  const shown = item;
  s.goneMarked = false;
  s.detail = renderDetail(ui.detail, shown, { onClose: close, onDecide: (choice, comment, what) => decide(shown, choice, comment, what) });
  ui.detail.hidden = false;
  ui.inbox.classList.add('detail-open');
  ui.detail.querySelector('#detail-title').focus();
  if (shown.status !== 'pending') markGone(`This request is ${shown.status}: it no longer takes decisions.`);
}

/** @param {string} [focusId] the request to put focus on (default: the one that was open) */
function close(focusId) {
  const s = state;
  if (!s) return;
  const was = s.openId;
  s.openId = undefined;
  s.detail = undefined;
  ui.detail.hidden = true;
  ui.detail.replaceChildren();
  ui.inbox.classList.remove('detail-open');
  markCurrent(undefined);
  const target = ui.list.querySelector(`[data-request-id="${CSS.escape(focusId ?? was ?? '')}"]`);
  (target ?? ui.listTitle).focus();
}

/** @param {string | undefined} id */
function markCurrent(id) {
  ui.list.querySelectorAll('[data-request-id]').forEach((/** @type {any} */ b) => {
    if (b.dataset.requestId === id) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  });
}

/**
 * Sends the decision with the digest of what was shown; a refusal is thrown to the form, as worded.
 * @param {Item} item
 * @param {import('./detail.js').Choice} choice
 * @param {string} comment
 * @param {string} what
 */
async function decide(item, choice, comment, what) {
  const s = state;
  if (!s) return;
  const id = item.request_id;
  const body = { ...choice, ...(comment ? { comment } : {}), ...(item.digest ? { digest: item.digest } : {}) };
  // The same decision sent again (after a dropped answer) keeps its key, so it cannot count twice.
  const signature = JSON.stringify(body);
  let idempotency = s.keys.get(id);
  if (idempotency?.signature !== signature) {
    idempotency = { signature, key: newIdempotencyKey() };
    s.keys.set(id, idempotency);
  }
  s.deciding = id;
  let answer;
  try {
    answer = await s.api.decide(id, body, idempotency.key);
  } catch (error) {
    const e = /** @type {any} */ (error);
    if (e.status !== 0) s.keys.delete(id);
    s.deciding = undefined;
    if (e.status === 401) return end(e.message);
    if (e.status === 409) schedule();
    throw error;
  }
  s.keys.delete(id);
  if (s !== state) return;
  const at = s.items.findIndex((i) => i.request_id === id);
  const next = s.items[at + 1] ?? s.items[at - 1];
  const name = item.title ?? item.message;
  if (answer?.approval?.status === 'pending') {
    say(`Your vote is in (${what}): “${name}” waits for more approvers.`);
    setItems(s.items.map((i) => (i.request_id === id ? answer.approval : i)));
  } else {
    s.gone.set(id, Date.now() + OVERRIDE_MS);
    s.arrived.delete(id);
    say(`${what[0]?.toUpperCase() ?? ''}${what.slice(1)}: “${name}” left your inbox.`);
    setItems(s.items.filter((i) => i.request_id !== id));
  }
  s.deciding = undefined;
  close(next?.request_id ?? '');
  schedule();
}

/** A visible, polite announcement. @param {string} text */
function say(text) {
  ui.announce.textContent = text;
}
