import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { INBOX_CSP } from '../../api/inbox';
import type { Step } from '../../src/contracts/definition';
import { definition, echo, testHandlers } from '../harness/definitions';
import { closed, keyOf, start, startStack, type TestStack } from '../harness/stack';

/** Where the browser tests leave their screenshots (kept after the run; .data is not committed). */
const SHOTS = join(__dirname, '..', '..', '.data', 'screenshots');

const refundGate: Step = {
  name: 'refund',
  type: 'confirmation',
  message: 'Refund {{ state.amount }} EUR to {{ state.customer }}?',
  context: '{ "amount": state.amount, "customer": state.customer, "reason": state.reason }',
  assignees: ['group:finance'],
  reject_requires_comment: true,
  timeout: '2h',
  on_timeout: 'reject',
};

/** An input step (a JSON value checked against its schema), then a question step. */
const formSteps: Step[] = [
  {
    name: 'address',
    type: 'input',
    message: 'Where should the replacement for {{ state.customer }} go?',
    assignees: ['group:finance'],
    input_schema: { type: 'object', properties: { zip: { type: 'string', pattern: '^[0-9]{5}$' } }, required: ['zip'], additionalProperties: false },
  },
  {
    name: 'plan',
    type: 'question',
    message: 'Which plan does {{ state.customer }} move to?',
    assignees: ['group:finance'],
    questions: [{ question: 'Which plan?', header: 'Plan', options: [{ label: 'Monthly' }, { label: 'Annual', description: 'two months free' }] }],
  },
];

/** A letter two people of finance must approve (an edit is one approval, of the edited letter). */
const reviewSteps: Step[] = [
  echo('draft', '{ "text": "Dear " & state.customer & ", teh renewal is due." }'),
  { name: 'review', type: 'output_review', message: 'Check the letter to {{ state.customer }}', review: 'draft', assignees: ['group:finance'], approvals_required: 2 },
];

interface Pending {
  request_id: string;
  digest: string;
}

// Issue 9: an approver works from a web page: signs in, sees requests arrive live, decides them.
describe('the approver inbox page (/inbox) in headless Chromium', () => {
  let stack: TestStack;
  let browser: Browser;
  let page: Page;
  /** Every URL the page requested, and anything the browser reported against the page's policy. */
  const requested: string[] = [];
  const problems: string[] = [];
  let navigations = 0;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack({
      handlers: testHandlers().handlers,
      definitions: [
        definition('inbox-page-refund', [refundGate, echo('after', 'steps.refund.decision')]),
        definition('inbox-page-forms', formSteps),
        definition('inbox-page-review', reviewSteps, { result: 'steps.draft.output' }),
      ],
    });
    browser = await puppeteer.launch({ executablePath: process.env.HOLDPOINT_TEST_CHROMIUM!, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 960 });
    page.on('request', (r) => void requested.push(r.url()));
    page.on('pageerror', (err) => void problems.push(String(err)));
    page.on('console', (m) => {
      if (/Content Security Policy|Trusted Type|Uncaught/i.test(m.text())) problems.push(m.text());
    });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  // The page's functions run in the browser; they are strings here, so Node's types stay out of them.
  const js = <T>(expression: string) => page.evaluate(expression) as Promise<T>;
  const textOf = (selector: string) => js<string>(`document.querySelector(${JSON.stringify(selector)})?.innerText ?? ''`);
  const until = (expression: string, timeout = 20_000) => page.waitForFunction(expression, { timeout });
  const item = (id: string) => `button[data-request-id="${id}"]`;
  /** Opens a request from the list, once its detail shows this title. */
  const open = async (id: string, title: string) => {
    await page.click(item(id));
    await until(`document.querySelector('#detail-title')?.textContent === ${JSON.stringify(title)}`);
  };
  const startRefund = async (amount: number, customer: string): Promise<Pending> => {
    const res = await start(stack, 'inbox-page-refund', { input: { task: `Refund ${customer}`, state: { amount, customer, reason: 'charged twice' } } }).expect(200);
    return res.body.output.pendingAction as Pending;
  };
  /** Presses Tab until `condition` holds in the page; answers how many presses it took. */
  const tabTo = async (condition: string, max = 40): Promise<number> => {
    for (let presses = 0; presses <= max; presses++) {
      if (await js<boolean>(condition)) return presses;
      await page.keyboard.press('Tab');
    }
    throw new Error(`${max} presses of Tab never reached: ${condition}`);
  };
  let first: Pending;
  let second: Pending;

  it('serves a static page with a strict content security policy, exact content types and cache headers', async () => {
    const res = await fetch(`${stack.url}/inbox`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toBe(INBOX_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/); // no inline script
    expect(html).not.toMatch(/\s(style|on[a-z]+)=/); // no inline style or handler
    const script = /<script type="module" src="([^"]+)"/.exec(html)![1]!;
    expect(script).toMatch(/^\/inbox\/assets\/[0-9a-f]{12}\/app\.js$/);

    const js_ = await fetch(`${stack.url}${script}`);
    expect(js_.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js_.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // (fetch would add "Cache-Control: no-cache" to a conditional request; supertest sends it as a browser revalidating does.)
    await stack.http().get(script).set('if-none-match', js_.headers.get('etag')!).expect(304);
    const css = await fetch(`${stack.url}${script.replace('app.js', 'inbox.css')}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    // Another version's files, and anything that is not a page asset, are not served.
    expect((await fetch(`${stack.url}/inbox/assets/000000000000/app.js`)).status).toBe(404);
    expect((await fetch(`${stack.url}${script.replace('app.js', 'tsconfig.json')}`)).status).toBe(404);
  });

  it('signs in with a key kept only in the tab’s session, and refuses a wrong key in the API’s words', async () => {
    await page.goto(`${stack.url}/inbox`, { waitUntil: 'load' });
    const wrongKey = 'not-a-real-key-0123456789abcdef';
    const refused = await fetch(`${stack.url}/v1/approvals?assignee=mine&limit=1`, { headers: { 'x-api-key': wrongKey } });
    const refusal = ((await refused.json()) as { error: { message: string } }).error.message;
    await page.type('#key', wrongKey);
    await page.keyboard.press('Enter');
    await until(`document.querySelector('#sign-in-error').textContent !== ''`);
    expect(await textOf('#sign-in-error')).toBe(refusal);

    await page.click('#key', { count: 3 });
    await page.type('#key', keyOf('alice'));
    await page.keyboard.press('Enter');
    await until(`document.querySelector('#live').dataset.state === 'live'`);
    expect(await textOf('#who')).toBe('Signed in as alice · sales-ops, release-managers, billing-ops, finance');
    expect(await js(`({ session: sessionStorage.getItem('holdpoint.inbox.key'), local: localStorage.length, cookie: document.cookie })`)).toEqual({
      session: keyOf('alice'),
      local: 0,
      cookie: '',
    });
    expect(await browser.defaultBrowserContext().cookies()).toEqual([]);
    expect(await js(`document.querySelector('#key').value`)).toBe('');
  });

  it('shows a request the moment it pauses, with no reload', async () => {
    // Runs publish to the cross-run feed once the worker knows someone listens (the page's feed said which hub version).
    const hubVersion = Number(await js<string>(`document.querySelector('#live').dataset.hubVersion`));
    await stack.worker.holdpoint.subscriptions.waitFor(hubVersion);
    const loads = navigations;
    first = await startRefund(120, 'acme');
    await page.waitForSelector(item(first.request_id), { timeout: 20_000 });
    expect(navigations).toBe(loads);
    expect(await textOf(item(first.request_id))).toContain('Refund 120 EUR to acme?');
    expect(await textOf('#announce')).toBe('New request: Refund 120 EUR to acme?');
  });

  it('opens it with its context, the digest it binds, who may decide and the time left counting down', async () => {
    await open(first.request_id, 'Refund 120 EUR to acme?');
    const detail = await textOf('#detail');
    expect(detail).toContain('"amount": 120');
    expect(detail).toContain('"customer": "acme"');
    expect(detail).toContain('"reason": "charged twice"');
    expect(await textOf('#digest')).toBe(first.digest);
    expect(await textOf('#who-may-decide')).toBe('finance (group)');
    expect(detail).toContain('a rejection must say why');
    expect(detail).toContain('whoever started the run may not approve it (started by ops)');
    const left = await textOf('#detail time.left');
    expect(left).toMatch(/^1h 59m \d\ds left$/);
    await until(`document.querySelector('#detail time.left').textContent !== ${JSON.stringify(left)}`, 5_000);
    expect(await js(`[...document.querySelectorAll('button')].every((b) => b.textContent.trim() !== '' || b.hasAttribute('aria-label'))`)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'inbox.png') as `${string}.png`, fullPage: true });
  });

  it('shows a refusal exactly as the API words it', async () => {
    await page.click('#detail [data-choice="reject"]');
    await until(`document.querySelector('#refusal').textContent !== ''`);
    // The same refused decision, straight to the API (a refusal writes nothing to the run).
    const api = await stack.http('alice').post(`/v1/approvals/${first.request_id}/decision?wait=0`).send({ value: 'reject', digest: first.digest }).expect(422);
    expect(api.body.error.details).toMatchObject({ field: 'comment', rule: 'reject_requires_comment' });
    expect(await textOf('#refusal')).toBe(api.body.error.message);
    // The field the refusal names is marked and has the focus; the request still waits.
    expect(await js(`document.activeElement.id`)).toBe('comment');
    expect(await js(`document.querySelector('#comment').getAttribute('aria-invalid')`)).toBe('true');
    expect(await page.$(item(first.request_id))).not.toBeNull();
  });

  it('decides with a comment, and the request leaves the list', async () => {
    await page.type('#comment', 'Checked the ledger: charged twice.');
    await page.click('#detail [data-choice="approve"]');
    await page.waitForSelector(item(first.request_id), { hidden: true, timeout: 15_000 });
    await until(`document.querySelector('#detail').hidden`);
    expect(await textOf('#announce')).toBe('Approved: “Refund 120 EUR to acme?” left your inbox.');
    const decided = await stack.http('admin').get(`/v1/approvals/${first.request_id}`).expect(200);
    expect(decided.body).toMatchObject({ status: 'decided', decision: { value: 'approve', by: 'alice', comment: 'Checked the ledger: charged twice.' } });
    expect(await textOf('#empty')).toContain('Nothing waits for you');
  });

  it('reads on a phone: one column, no horizontal scroll at 375px', async () => {
    second = await startRefund(75, 'globex');
    await page.waitForSelector(item(second.request_id), { timeout: 20_000 });
    await page.setViewport({ width: 375, height: 812 });
    const width = `({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })`;
    expect(await js(width)).toEqual({ scroll: 375, client: 375 });

    await open(second.request_id, 'Refund 75 EUR to globex?');
    // The open request takes the screen; the list is a "Back to list" away.
    expect(await js(`getComputedStyle(document.querySelector('#list-pane')).display`)).toBe('none');
    expect(await js(width)).toEqual({ scroll: 375, client: 375 });
    expect(await js(`Math.max(...[...document.querySelectorAll('#detail *')].map((e) => e.getBoundingClientRect().right)) <= 375`)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'inbox-phone.png') as `${string}.png`, fullPage: true });
    await page.setViewport({ width: 1280, height: 960 });
  });

  it('takes a decision by keyboard alone: Tab, Enter, Escape, with visible focus', async () => {
    // Escape closes the open request and gives the focus back to it in the list; Enter opens it again.
    await page.keyboard.press('Escape');
    await until(`document.querySelector('#detail').hidden && document.activeElement?.dataset?.requestId === ${JSON.stringify(second.request_id)}`, 5_000);
    await page.keyboard.press('Enter');
    await until(`document.activeElement?.id === 'detail-title'`, 5_000);
    expect(await textOf('#detail-title')).toBe('Refund 75 EUR to globex?');

    await tabTo(`document.activeElement?.id === 'comment'`);
    await page.keyboard.type('Customer withdrew the claim.');
    // The buttons come right after the comment in the tab order (approve, then reject).
    expect(await tabTo(`document.activeElement?.dataset?.choice === 'reject'`, 3)).toBe(2);
    const focusRing = await js<{ style: string; width: string }>(`(() => { const s = getComputedStyle(document.activeElement); return { style: s.outlineStyle, width: s.outlineWidth }; })()`);
    expect(focusRing.style).not.toBe('none');
    expect(focusRing.width).not.toBe('0px');
    await page.keyboard.press('Enter');

    await page.waitForSelector(item(second.request_id), { hidden: true, timeout: 15_000 });
    expect(await textOf('#announce')).toBe('Rejected: “Refund 75 EUR to globex?” left your inbox.');
    const decided = await stack.http('admin').get(`/v1/approvals/${second.request_id}`).expect(200);
    expect(decided.body).toMatchObject({ status: 'decided', decision: { value: 'reject', by: 'alice', comment: 'Customer withdrew the claim.' } });
    // Focus is not lost after the request left: it moves to the next request, or to the list's title when none is left.
    await until(
      `(() => { const a = document.activeElement; return document.querySelector('#list-pane button[data-request-id]') ? a?.matches?.('#list-pane button[data-request-id]') : a?.id === 'list-title'; })()`,
      5_000,
    );
  });

  it('answers an input step with JSON and a question step with its options', async () => {
    const run = await start(stack, 'inbox-page-forms', { input: { task: 'Replace a device', state: { customer: 'initech' } } }).expect(200);
    const input = run.body.output.pendingAction as Pending;
    await page.waitForSelector(item(input.request_id), { timeout: 20_000 });
    await open(input.request_id, 'Where should the replacement for initech go?');
    // The form starts from the schema's shape; sent as it is, the API refuses it, and the page says so in its words.
    expect(JSON.parse(await js<string>(`document.querySelector('#value').value`))).toEqual({ zip: '' });
    await page.click('#detail button[type="submit"]');
    await until(`document.querySelector('#refusal').textContent !== ''`);
    const api = await stack.http('alice').post(`/v1/approvals/${input.request_id}/decision?wait=0`).send({ value: { zip: '' }, digest: input.digest }).expect(422);
    expect(await textOf('#refusal')).toBe(api.body.error.message);
    expect(await js(`document.activeElement.id`)).toBe('value');

    await js(`document.querySelector('#value').value = ''`);
    await page.type('#value', '{"zip": "12345"}');
    await page.click('#detail button[type="submit"]');
    await page.waitForSelector(item(input.request_id), { hidden: true, timeout: 15_000 });

    // The run goes on to its question, which arrives on its own.
    const planItem = `button[data-request-id^="${run.body.run_id}.plan."]`;
    await page.waitForSelector(planItem, { timeout: 20_000 });
    const question = await js<string>(`document.querySelector(${JSON.stringify(planItem)}).dataset.requestId`);
    await open(question, 'Which plan does initech move to?');
    expect(await textOf('#detail fieldset legend')).toBe('Plan: Which plan?');
    await page.click('#detail input[type="radio"][value="Annual"]');
    await page.click('#detail button[type="submit"]');
    await page.waitForSelector(item(question), { hidden: true, timeout: 15_000 });

    const answered = await stack.http('admin').get(`/v1/approvals/${question}`).expect(200);
    expect(answered.body).toMatchObject({ status: 'decided', decision: { value: { 'Which plan?': 'Annual' }, by: 'alice' } });
    const address = await stack.http('admin').get(`/v1/approvals/${input.request_id}`).expect(200);
    expect(address.body.decision).toMatchObject({ value: { zip: '12345' }, by: 'alice' });
  });

  it('shows an edited review: the edit, the original, votes in words, and the form again for a vote cast before the edit', async () => {
    const run = await start(stack, 'inbox-page-review', { input: { task: 'Letter', state: { customer: 'Ms. Lee' } } }).expect(200);
    const review = run.body.output.pendingAction as Pending;
    await stack.http('alice').post(`/v1/approvals/${review.request_id}/decision?wait=0`).send({ value: 'approve', digest: review.digest }).expect(200);
    const edit = { text: 'Dear Ms. Lee, the renewal is due.' };
    const edited = await stack.http('bob').post(`/v1/approvals/${review.request_id}/decision?wait=0`).send({ value: { edit } }).expect(200);

    await page.waitForSelector(item(review.request_id), { timeout: 20_000 });
    await open(review.request_id, 'Check the letter to Ms. Lee');
    const detail = await textOf('#detail');
    expect(detail).toContain('Output of “draft” to review, as bob edited it');
    expect(detail).toContain('Dear Ms. Lee, the renewal is due.');
    expect(detail).toContain('The output as “draft” returned it');
    expect(await textOf('#digest')).toBe(edited.body.approval.digest);
    const votes = await js<string[]>(`[...document.querySelectorAll('#detail ul.votes li')].map((li) => li.textContent)`);
    expect(votes).toEqual([expect.stringMatching(/^alice: approve · .*\(on the output before the edit; no longer counts\)$/), expect.stringMatching(/^bob: edit · /)]);
    expect(detail).not.toContain('[object Object]');
    expect(detail).not.toContain('You may not decide');

    // alice approves the letter as bob edited it: the second approval of the edit, which ships.
    await page.click('#detail [data-choice="approve"]');
    await page.waitForSelector(item(review.request_id), { hidden: true, timeout: 15_000 });
    expect(await closed(stack.client, run.body.run_id)).toBe('COMPLETED');
    const done = await stack.http('admin').get(`/v1/workflow-runs/${run.body.run_id}`).expect(200);
    expect(done.body.output).toMatchObject({ status: 'completed', result: edit });
  });

  it('talked only to its own origin, broke no policy, and forgets the key on sign-out', async () => {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(`${stack.url}/`))).toEqual([]);
    expect(problems).toEqual([]);
    await page.click('#sign-out');
    await until(`!document.querySelector('#sign-in').hidden`, 5_000);
    expect(await js(`sessionStorage.length`)).toBe(0);
  });
});
