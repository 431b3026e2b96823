/** One request, opened: what it asks, its context, what binds the decision, who decides, and the form. */
import { countdown, describeAssignee, el, formatTime, json } from './dom.js';
import { label, roundVotes } from './list.js';

/**
 * An inbox item as `GET /v1/approvals` answers it (src/contracts/approval.ts).
 * @typedef {{
 *   request_id: string, run_id: string, workflow: string, step: string, type: string, title?: string,
 *   message: string, options?: string[], input_schema?: any, questions?: Question[],
 *   review?: { step: string, output: unknown, original?: unknown, edited_by?: string },
 *   context?: unknown, tool?: { name: string, args: Record<string, unknown>, hitl: string },
 *   status: string, created_at: string, timeout_at?: string, on_timeout: string, digest?: string,
 *   who_may_decide: { assignees: string[], approvals_required: number, rejections_required: number, allow_self_approval: boolean,
 *     reject_requires_comment: boolean, allow_skip: boolean, started_by?: string },
 *   votes: { by?: string, value: unknown, at: string }[], round_from?: number, you_may_decide: boolean, you_may_approve: boolean,
 *   run: { status: string, task: string, state: unknown, started_by?: string, customer?: string, started_at: string },
 * }} Item
 * @typedef {{ question: string, header?: string, options: { label: string, description?: string }[], allow_free_text?: boolean }} Question
 * @typedef {{ value: unknown } | { action: 'skip' }} Choice
 * @typedef {{
 *   onClose: () => void,
 *   onDecide: (choice: Choice, comment: string, what: string) => Promise<void>,
 * }} DetailOptions
 */

/**
 * Renders `item` into `container`; answers the handles the page needs while a decision is under way.
 * @param {any} container
 * @param {Item} item
 * @param {DetailOptions} options
 */
export function renderDetail(container, item, { onClose, onDecide }) {
  const rules = item.who_may_decide;
  const refusal = el('p', { id: 'refusal', class: 'refusal', role: 'alert' });
  const comment = el('textarea', { id: 'comment', name: 'comment', rows: 3, maxlength: 4000, 'aria-describedby': 'comment-hint refusal' });
  const form = el('form', { class: 'decide', novalidate: true, 'aria-labelledby': 'decide-title' });

  /** @param {Choice} choice @param {string} what @param {any} button */
  const decide = async (choice, what, button) => {
    setBusy(true);
    refusal.textContent = '';
    form.querySelectorAll('[aria-invalid]').forEach((/** @type {any} */ f) => f.removeAttribute('aria-invalid'));
    try {
      await onDecide(choice, comment.value.trim(), what);
    } catch (error) {
      setBusy(false);
      showRefusal(/** @type {any} */ (error), button);
    }
  };
  /** @param {boolean} busy */
  const setBusy = (busy) => {
    form.setAttribute('aria-busy', String(busy));
    form.querySelectorAll('button').forEach((/** @type {any} */ b) => (b.disabled = busy));
  };
  /** The API's words, as they are; the field they name is marked and focused. @param {any} error @param {any} button */
  const showRefusal = (error, button) => {
    refusal.textContent = error.message;
    const field = error.details?.field === 'comment' ? comment : error.details?.field === 'value' ? form.querySelector('[data-value-field]') : null;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    } else {
      button?.focus();
    }
  };

  const fields = valueFields(item, decide, (message, field) => {
    refusal.textContent = message;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  });
  form.append(
    ...present(
      el('h3', { id: 'decide-title' }, 'Your decision'),
      standing(item),
      ...fields.nodes,
      el(
        'div',
        { class: 'field' },
        el('label', { for: 'comment' }, 'Comment ', el('span', { class: 'sub' }, rules.reject_requires_comment ? '(required to reject)' : '(optional)')),
        comment,
        el('p', { id: 'comment-hint', class: 'hint' }, 'Recorded with your decision in the run’s audit trail.'),
      ),
      refusal,
      el('div', { class: 'actions' }, ...fields.buttons, rules.allow_skip ? button('Skip this step', 'secondary', (b) => decide({ action: 'skip' }, 'skipped', b), 'skip') : null),
    ),
  );
  form.addEventListener('submit', (/** @type {Event} */ event) => {
    event.preventDefault();
    fields.submit?.();
  });

  container.replaceChildren(
    ...present(
      el(
        'header',
        { class: 'detail-head' },
        el('button', { type: 'button', class: 'quiet close', 'aria-keyshortcuts': 'Escape', onclick: onClose }, '← Back to list'),
        el('p', { class: 'eyebrow' }, `${label(item.type)} · ${item.workflow} · ${item.step}`),
        el('h2', { id: 'detail-title', tabindex: '-1' }, item.title ?? item.message),
        item.title ? el('p', { class: 'message' }, item.message) : null,
      ),
      el('p', { id: 'gone', class: 'gone', role: 'status', hidden: true }),
      facts(item),
      item.tool ? section('Tool call', el('p', {}, el('code', {}, item.tool.name), ` (${label(item.tool.hitl)})`), pre(item.tool.args)) : null,
      item.context !== undefined ? section('Context', pre(item.context)) : null,
      ...reviewSections(item),
      runSection(item),
      form,
    ),
  );

  return {
    /** The request left the caller's inbox some other way (decided elsewhere, timed out). @param {string} text */
    markGone(text) {
      const note = container.querySelector('#gone');
      note.textContent = text;
      note.hidden = false;
      setBusy(true);
    },
  };
}

/** What `append` may take: the nodes, without the sections that do not apply. @param {any[]} nodes */
function present(...nodes) {
  return nodes.filter((n) => n !== null && n !== undefined);
}

/** @param {Item} item */
function facts(item) {
  const rules = item.who_may_decide;
  const assignees = rules.assignees.length > 0 ? rules.assignees.map(describeAssignee).join(', ') : describeAssignee('*');
  const ruleNotes = [
    rules.approvals_required > 1 ? `${rules.approvals_required} distinct approvals needed` : null,
    rules.rejections_required > 1 ? `${rules.rejections_required} rejections needed to reject` : null,
    rules.reject_requires_comment ? 'a rejection must say why' : null,
    !rules.allow_self_approval ? `whoever started the run may not approve it${rules.started_by ? ` (started by ${rules.started_by})` : ''}` : null,
    rules.allow_skip ? 'the step may be skipped' : null,
  ].filter((n) => n !== null);
  return el(
    'dl',
    { class: 'facts' },
    fact('Time left', countdown(item.timeout_at), item.timeout_at ? el('span', { class: 'sub' }, `due ${formatTime(item.timeout_at)}; then: ${item.on_timeout}`) : null),
    fact(
      'Who may decide',
      el('span', { id: 'who-may-decide' }, assignees),
      ruleNotes.length > 0 ? el('ul', { class: 'rules' }, ruleNotes.map((n) => el('li', {}, n))) : null,
      item.votes.length > 0 ? el('ul', { class: 'votes' }, item.votes.map((v, i) => el('li', {}, voteLine(v, i < (item.round_from ?? 0))))) : null,
    ),
    fact(
      'Digest',
      el('code', { id: 'digest', class: 'digest' }, item.digest ?? 'none'),
      el('span', { class: 'sub' }, 'Sent with your decision: it counts only for what you see here.'),
    ),
    fact('Requested', el('span', {}, formatTime(item.created_at)), el('span', { class: 'sub' }, `run ${item.run_id}`)),
  );
}

/**
 * One vote as a line: who, what (an edit as "edit"; another value as short JSON), when, and whether it
 * was cast on the output before an edit (it no longer counts).
 * @param {{ by?: string, value: unknown, at: string }} vote
 * @param {boolean} before
 */
function voteLine(vote, before) {
  return `${vote.by ?? 'a service'}: ${voteValue(vote.value)} · ${formatTime(vote.at)}${before ? ' (on the output before the edit; no longer counts)' : ''}`;
}

/** @param {unknown} value */
function voteValue(value) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && 'edit' in value) return 'edit';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/**
 * The output to review; once edited, whose edit it is, and the task's original beside it.
 * @param {Item} item
 */
function reviewSections(item) {
  const review = item.review;
  if (!review) return [];
  if (review.edited_by === undefined) return [section(`Output of “${review.step}” to review`, pre(review.output))];
  return [
    section(`Output of “${review.step}” to review, as ${review.edited_by} edited it`, pre(review.output)),
    review.original !== undefined
      ? el('details', { class: 'block original' }, el('summary', {}, `The output as “${review.step}” returned it`), pre(review.original))
      : null,
  ];
}

/** @param {string} term @param {...any} values */
function fact(term, ...values) {
  return el('div', { class: 'fact' }, el('dt', {}, term), el('dd', {}, ...values));
}

/** @param {string} title @param {...any} body */
function section(title, ...body) {
  return el('section', { class: 'block' }, el('h3', {}, title), ...body);
}

/** @param {unknown} value */
function pre(value) {
  return el('pre', { class: 'json' }, json(value));
}

/** @param {Item} item */
function runSection(item) {
  const { run } = item;
  return el(
    'details',
    { class: 'block run' },
    el('summary', {}, 'The run'),
    el('p', {}, run.task),
    el('p', { class: 'sub' }, `started by ${run.started_by ?? 'a service'} · ${formatTime(run.started_at)}${run.customer ? ` · customer ${run.customer}` : ''}`),
    run.state !== undefined ? pre(run.state) : null,
  );
}

/** Whether, and how, the caller may decide: what the rules say before the API does. @param {Item} item */
function standing(item) {
  if (!item.you_may_decide) {
    const why =
      roundVotes(item).length > 0
        ? 'you voted already, it is not assigned to you, or your role may not decide; it waits for others'
        : 'it is not assigned to you, or your role may not decide';
    return el('p', { class: 'note' }, `You may not decide this request now (${why}).`);
  }
  if (!item.you_may_approve) return el('p', { class: 'note' }, 'You started this run: you may reject it but not approve it.');
  return null;
}

/**
 * @param {string} text
 * @param {'primary' | 'danger' | 'secondary'} kind
 * @param {(button: any) => void} onClick
 * @param {string} [choice] the option it sends (`data-choice`)
 */
function button(text, kind, onClick, choice) {
  const node = el('button', { type: 'button', class: kind, ...(choice ? { dataset: { choice } } : {}) });
  node.textContent = text;
  node.addEventListener('click', () => onClick(node));
  return node;
}

/** @param {string} option */
function kindOf(option) {
  return option === 'approve' ? 'primary' : option === 'reject' ? 'danger' : 'secondary';
}

/**
 * The fields and buttons that produce this request's value.
 * @param {Item} item
 * @param {(choice: Choice, what: string, button: any) => Promise<void>} decide
 * @param {(message: string, field: any) => void} invalid a value the page could not read (not an API refusal)
 * @returns {{ nodes: any[], buttons: any[], submit?: () => void }}
 */
function valueFields(item, decide, invalid) {
  if (item.type === 'question' && item.questions?.length) return questionFields(item.questions, decide);
  if (item.type === 'input') {
    const area = jsonArea('value', 'Input (JSON)', skeleton(item.input_schema));
    const send = el('button', { type: 'submit', class: 'primary' }, 'Send input');
    const submit = () => {
      const value = readJson(area.field, invalid);
      if (value !== undefined) void decide({ value: value.parsed }, 'sent', send);
    };
    return {
      nodes: [area.node, item.input_schema ? el('details', { class: 'schema' }, el('summary', {}, 'Input schema'), pre(item.input_schema)) : null],
      buttons: [send],
      submit,
    };
  }
  if (item.type === 'output_review') {
    const area = jsonArea('value', 'Edited output (JSON), to approve with changes', item.review?.output ?? null);
    const sendEdit = button('Approve with edit', 'secondary', (b) => {
      const value = readJson(area.field, invalid);
      if (value !== undefined) void decide({ value: { edit: value.parsed } }, 'approved with an edit', b);
    });
    return {
      nodes: [el('details', { class: 'edit' }, el('summary', {}, 'Edit the output'), area.node)],
      buttons: ['approve', 'reject'].map((o) => button(o, kindOf(o), (b) => decide({ value: o }, o === 'approve' ? 'approved' : 'rejected', b), o)).concat(sendEdit),
    };
  }
  const options = item.options?.length ? item.options : ['approve', 'reject'];
  return {
    nodes: [],
    buttons: options.map((o) => button(o, kindOf(o), (b) => decide({ value: o }, o === 'approve' ? 'approved' : o === 'reject' ? 'rejected' : `decided “${o}”`, b), o)),
  };
}

/**
 * One fieldset per question: its options as radio buttons, and free text where the step allows it.
 * @param {Question[]} questions
 * @param {(choice: Choice, what: string, button: any) => Promise<void>} decide
 */
function questionFields(questions, decide) {
  const groups = questions.map((q, i) => {
    const name = `q${i}`;
    const free = q.allow_free_text ? el('input', { type: 'text', id: `${name}-free`, class: 'free', 'aria-label': `Your own answer to: ${q.question}` }) : null;
    const radios = q.options.map((o, j) =>
      el(
        'label',
        { class: 'choice' },
        el('input', { type: 'radio', name, value: o.label, ...(i === 0 && j === 0 ? { 'data-value-field': true } : {}) }),
        el('span', {}, o.label, o.description ? el('span', { class: 'sub' }, ` — ${o.description}`) : null),
      ),
    );
    const otherRadio = free ? el('input', { type: 'radio', name, value: '', 'aria-label': 'Answer in my own words' }) : null;
    free?.addEventListener('input', () => (otherRadio.checked = true));
    return {
      node: el('fieldset', { class: 'question' }, el('legend', {}, q.header ? `${q.header}: ` : '', q.question), ...radios, free ? el('label', { class: 'choice' }, otherRadio, free) : null),
      /** @returns {string} */
      answer: () => {
        const checked = /** @type {any} */ (groupChecked(radios, otherRadio));
        return checked === otherRadio ? (free?.value.trim() ?? '') : (checked?.value ?? '');
      },
      question: q.question,
    };
  });
  const send = el('button', { type: 'submit', class: 'primary' }, 'Send answers');
  // Unanswered questions go to the API too, which says which ones in its own words.
  const submit = () => void decide({ value: Object.fromEntries(groups.map((g) => [g.question, g.answer()])) }, 'answered', send);
  return { nodes: groups.map((g) => g.node), buttons: [send], submit };
}

/** @param {any[]} labels @param {any} other */
function groupChecked(labels, other) {
  for (const l of labels) {
    const input = l.querySelector('input');
    if (input.checked) return input;
  }
  return other?.checked ? other : undefined;
}

/** @param {string} id @param {string} text @param {unknown} initial */
function jsonArea(id, text, initial) {
  const field = el('textarea', { id, class: 'code', rows: 6, spellcheck: 'false', 'data-value-field': true, 'aria-describedby': 'refusal' });
  field.value = json(initial);
  return { field, node: el('div', { class: 'field' }, el('label', { for: id }, text), field) };
}

/**
 * @param {any} field
 * @param {(message: string, field: any) => void} invalid
 * @returns {{ parsed: unknown } | undefined}
 */
function readJson(field, invalid) {
  try {
    return { parsed: JSON.parse(field.value) };
  } catch (error) {
    invalid(`This is not valid JSON: ${/** @type {Error} */ (error).message}`, field);
    return undefined;
  }
}

/**
 * A starting value for an input schema: its properties with empty values of their types.
 * @param {any} schema
 * @returns {unknown}
 */
function skeleton(schema) {
  if (!schema || typeof schema !== 'object') return {};
  if (schema.default !== undefined) return schema.default;
  switch (schema.type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, skeleton(v)]));
    case 'array':
      return [];
    case 'string':
      return schema.enum?.[0] ?? '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return schema.properties ? skeleton({ ...schema, type: 'object' }) : null;
  }
}
