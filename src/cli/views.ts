import type { Approval, FeedEvent, PendingAction, Run, RunListItem, RunResponse } from '../client';
import { fields, inline, table, timeLeft } from './format';

/** How runs, requests and events read in a terminal. */

export function pendingLines(pending: PendingAction[]): string {
  if (pending.length === 0) return '';
  const rows = pending.map((p) => [p.request_id, p.step, p.type, p.options?.join('|') ?? (p.inputSchema ? 'input' : '-'), timeLeft(p.timeout_at), p.message]);
  return `\nWaiting for:\n${table(['REQUEST', 'STEP', 'TYPE', 'OPTIONS', 'TIME LEFT', 'MESSAGE'], rows)}`;
}

/** The answer of start / resume / decide: where the run stands. */
export function runResponseView(r: RunResponse): string {
  const pending = r.output.pendingActions ?? (r.output.pendingAction ? [r.output.pendingAction] : []);
  return (
    fields([
      ['run', r.run_id],
      ['status', r.status],
      ['result', r.output.status === 'completed' ? inline(r.output.result) : undefined],
      ['error', r.output.error ? `${r.output.error_type ?? 'error'}: ${r.output.error}` : undefined],
    ]) + pendingLines(pending)
  );
}

export function runView(run: Run): string {
  const pending = run.output.pendingActions ?? (run.pendingAction ? [run.pendingAction] : []);
  const head = fields([
    ['run', run.run_id],
    ['workflow', run.agentName],
    ['status', run.status],
    ['task', run.input.task],
    ['customer', run.customer],
    ['started by', run.started_by],
    ['created', run.createdAt],
    ['ended', run.endedAt],
    ['result', run.status === 'completed' ? inline(run.output.result) : undefined],
    ['error', run.error ? `${run.error.type}: ${run.error.message}` : undefined],
  ]);
  const steps = run.output.steps.map((s) => [s.name, s.type, s.status, s.attempts ?? '', s.error ?? (s.output === undefined ? '' : inline(s.output))]);
  return `${head}\n\nSteps:\n${table(['STEP', 'TYPE', 'STATUS', 'ATTEMPTS', 'OUTPUT / ERROR'], steps)}${pendingLines(pending)}`;
}

export function runListView(runs: RunListItem[]): string {
  if (runs.length === 0) return 'No runs.';
  return table(
    ['RUN', 'WORKFLOW', 'STATUS', 'WAITING FOR', 'CREATED'],
    runs.map((r) => [r.run_id, r.agentName, r.status, r.pendingAction ? `${r.pendingAction.step}: ${r.pendingAction.message}` : '', r.createdAt]),
  );
}

export function eventLine(e: FeedEvent): string {
  const detail = e.data ? inline(e.data) : '';
  return [String(e.seq).padStart(4), e.at, e.type.padEnd(17), e.step ?? '-', detail].join('  ').trimEnd();
}

export function approvalListView(items: Approval[]): string {
  if (items.length === 0) return 'Nothing waits.';
  return table(
    ['REQUEST', 'WORKFLOW', 'STEP', 'TYPE', 'STATUS', 'OPTIONS', 'TIME LEFT', 'MESSAGE'],
    items.map((a) => [a.request_id, a.workflow, a.step, a.type, a.status, a.options?.join('|') ?? '', a.status === 'pending' ? timeLeft(a.timeout_at) : '', a.message]),
  );
}

/** Everything a person needs to decide a request. */
export function approvalView(a: Approval): string {
  const who = a.who_may_decide;
  const assignees = who.assignees.length ? who.assignees.join(', ') : 'anyone with the approver role';
  const rules = [
    who.approvals_required > 1 ? `${who.approvals_required} approvals needed` : undefined,
    who.rejections_required > 1 ? `${who.rejections_required} rejections needed` : undefined,
    who.allow_self_approval ? undefined : `not ${who.started_by ?? 'whoever started the run'} (separation of duties)`,
    who.reject_requires_comment ? 'a rejection needs a comment' : undefined,
    who.allow_skip ? 'may be skipped' : undefined,
  ].filter(Boolean);
  const lines = [
    fields([
      ['request', a.request_id],
      ['run', `${a.run_id} (${a.workflow}, ${a.run.status})`],
      ['task', a.run.task],
      ['step', `${a.step} (${a.type})`],
      ['status', a.status],
      ['title', a.title],
      ['message', a.message],
      ['options', a.options?.join(', ')],
      ['who may decide', `${assignees}${rules.length ? `; ${rules.join('; ')}` : ''}`],
      ['you may decide', a.you_may_decide ? 'yes' : 'no'],
      ['time left', a.status === 'pending' ? `${timeLeft(a.timeout_at)}${a.timeout_at ? ` (then ${a.on_timeout}, at ${a.timeout_at})` : ''}` : undefined],
      ['digest', a.digest],
      ['votes', a.votes.length ? a.votes.map((v) => `${v.by ?? '?'}: ${inline(v.value)}`).join(', ') : undefined],
      ['decision', a.decision === undefined ? undefined : inline(a.decision)],
    ]),
  ];
  if (a.tool) lines.push(`tool call:\n${indent(JSON.stringify(a.tool, null, 2))}`);
  if (a.context !== undefined) lines.push(`context:\n${indent(JSON.stringify(a.context, null, 2))}`);
  if (a.input_schema !== undefined) lines.push(`input schema:\n${indent(JSON.stringify(a.input_schema, null, 2))}`);
  if (a.questions !== undefined) lines.push(`questions:\n${indent(JSON.stringify(a.questions, null, 2))}`);
  return lines.join('\n');
}

export function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}
