import { ErrorType, HoldpointError } from '../../src/contracts/errors';
import { AnswerBody, ApproveBody, M8tesAnswerResult, M8tesPermissionModeResult, M8tesPermissionRequest, M8tesPermissionRequests, PermissionModeBody, RunParams, UserScopeQuery } from '../../src/contracts/http/m8tes';
import { APPROVE_OPTION, REJECT_OPTION } from '../../src/contracts/options';
import type { Principal } from '../../src/contracts/principal';
import type { Pause, RunView } from '../../src/contracts/run';
import { currentRound } from '../../src/lib/review-rounds';
import type { Core } from '../../src/core';
import { answer, type RouteTable } from '../route';
import { M8TES_ERRORS, refusal } from './errors';
import { gateOf, presentRequest, statusOf } from './gates';
import { readRun } from './lookup';
import type { M8tesOptions } from './options';
import { isEnded, m8tesStatus } from './present';

/**
 * A run's gates: list them, allow or deny a tool gate (`remember`), answer a question or a plan, switch
 * the permission mode. Every gate is an ordinary holdpoint pause, so what is decided here shows in the
 * inbox, Slack and the audit trail (channel `m8tes`), and what is decided there shows here.
 *
 * Refusals carry m8tes' codes in `details.error_code`: 404 `gate_not_found`, 404
 * `gate_resolved_otherwise` (decided the other way: yours did not happen), 404 `gate_cancelled`, 409
 * `run_not_active` (the run ended with the gate still open), 409 `auto_continued` (a question the run
 * answered itself with its "(Recommended)" options after `question_timeout`). The same decision again
 * is a 200 that changes nothing.
 */
export function decisionRoutes(table: RouteTable, options: M8tesOptions): void {
  const { core } = options;

  table.add({
    method: 'get',
    path: '/runs/:id/permissions',
    summary: "A run's gates, open and decided: tool gates and AskUserQuestion gates",
    params: RunParams,
    query: UserScopeQuery,
    responses: { 200: { description: 'Every gate of the run, oldest first', schema: M8tesPermissionRequests }, 401: M8TES_ERRORS[401], 404: M8TES_ERRORS[404], 422: M8TES_ERRORS[422], 503: M8TES_ERRORS[503] },
    handler: async ({ params, query, actor }) => {
      const run = await readRun(core, params.id, actor, query.user_id);
      return answer(200, run.pauses.map((p) => presentRequest(p, run)));
    },
  });

  table.add({
    method: 'post',
    path: '/runs/:id/approve',
    summary: 'Allow or deny a tool gate (`remember`: allow the tool for the end user\'s later runs too)',
    description:
      'Answers at once; `resumed` says whether the decision moved the run on, `remembered` whether the policy was stored. The same decision again is a 200 that changes nothing; ' +
      'the other one is 404 `gate_resolved_otherwise`. A question is refused with 422 `not_a_tool_gate` (answer it with /answer).',
    params: RunParams,
    body: ApproveBody,
    responses: { 200: { description: 'The gate as decided', schema: M8tesPermissionRequest }, ...M8TES_ERRORS },
    handler: async ({ params, body, actor }) => {
      const { id } = params;
      const run = await readRun(core, id, actor);
      const pause = findGate(run, body.request_id, id);
      const gate = gateOf(pause);
      if (gate.kind !== 'tool') {
        throw refusal(ErrorType.InvalidRequest, 'not_a_tool_gate', `body.request_id: ${body.request_id} is a question (AskUserQuestion); answer it with POST /runs/${id}/answer`, { field: 'body.request_id' });
      }
      const value = body.decision === 'allow' ? APPROVE_OPTION : REJECT_OPTION;
      if (outcomeSoFar(run, pause, value, actor, id) === 'same') {
        // Idempotent: nothing changes, `remember` included (holdpoint keeps what the first decision said).
        return answer(200, presentRequest(pause, run, { resumed: false, remembered: pause.decision?.remember === true }));
      }
      // `remember` on a tool its definition always confirms is not stored (m8tes: `remembered: false`).
      const remember = body.remember && value === APPROVE_OPTION && gate.canRemember;
      const after = await decideOrExplain(core, run, pause, value, actor, id, {
        request_id: pause.request_id,
        value,
        ...(body.reason ? { comment: body.reason } : {}),
        ...(remember ? { remember: true } : {}),
        via: 'm8tes',
      });
      if (!after) {
        const now = await core.runs.get(run.run_id, actor);
        return answer(200, presentRequest(now.pauses.find((p) => p.request_id === pause.request_id) ?? pause, now, { resumed: false, remembered: false }));
      }
      const settled = after.pauses.find((p) => p.request_id === pause.request_id) ?? pause;
      const remembered = remember && settled.decision?.remember === true ? await policyStored(core, after, gate.toolName, actor, options.rememberWaitMs ?? REMEMBER_WAIT_MS) : false;
      return answer(200, presentRequest(settled, after, { resumed: settled.status !== 'pending', remembered }));
    },
  });

  table.add({
    method: 'post',
    path: '/runs/:id/answer',
    summary: 'Answer a question or a plan (`{question or header: answer}`); without `request_id`, the oldest open question',
    description:
      'Taken while the run is awaiting_approval (409 `run_not_active` or `run_not_awaiting_approval` otherwise); 409 `auto_continued` when the run went on with its recommended answers. ' +
      'The same answer again is a 200 with `resumed: false`. A tool gate is refused with 422 `not_a_question`.',
    params: RunParams,
    body: AnswerBody,
    responses: { 200: { description: 'Taken', schema: M8tesAnswerResult }, ...M8TES_ERRORS },
    handler: async ({ params, body, actor }) => {
      const { id } = params;
      const run = await readRun(core, id, actor);
      const pause = body.request_id ? findGate(run, body.request_id, id) : firstQuestion(run, id);
      const gate = gateOf(pause);
      if (gate.kind !== 'question') {
        throw refusal(ErrorType.InvalidRequest, 'not_a_question', `body.request_id: ${pause.request_id} is a tool gate (${gate.toolName}); decide it with POST /runs/${id}/approve`, { field: 'body.request_id' });
      }
      const value = gate.toValue(body.answers);
      // m8tes answers only while the run waits (409 otherwise); the same answer again is a no-op 200.
      const same = pause.status !== 'pending' && pause.decision?.channel !== 'timeout' && sameJson(pause.decision?.value, value);
      if (!same && pause.decision?.channel !== 'timeout' && run.status !== 'paused') {
        const code = isEnded(run) ? 'run_not_active' : 'run_not_awaiting_approval';
        throw refusal(isEnded(run) ? ErrorType.RunEnded : ErrorType.NotPaused, code, `Run ${id} is ${m8tesStatus(run.status)}; answers are taken while it is awaiting_approval`, { status: m8tesStatus(run.status) });
      }
      if (outcomeSoFar(run, pause, value, actor, id) === 'same') return answer(200, { status: 'ok' as const, resumed: false, request_id: pause.request_id });
      const after = await decideOrExplain(core, run, pause, value, actor, id, { request_id: pause.request_id, value, via: 'm8tes' });
      return answer(200, { status: 'ok' as const, resumed: after !== undefined, request_id: pause.request_id });
    },
  });

  table.add({
    method: 'patch',
    path: '/runs/:id/permission-mode',
    summary: "Switch a live run's permission mode (to autonomous: what waits is allowed)",
    params: RunParams,
    body: PermissionModeBody,
    responses: { 200: { description: 'The mode now, and the gates the switch allowed', schema: M8tesPermissionModeResult }, ...M8TES_ERRORS },
    handler: async ({ params, body, actor }) => {
      const run = await readRun(core, params.id, actor);
      if (isEnded(run)) throw refusal(ErrorType.RunEnded, 'run_not_active', `Run ${params.id} has ${run.status}; its permission mode no longer matters`, { status: run.status });
      const after = await core.runs.setPermissionMode(run.run_id, body.permission_mode, actor, 'm8tes');
      const allowed = run.pending.filter((p) => after.pauses.some((q) => q.request_id === p.request_id && q.status !== 'pending')).map((p) => p.request_id);
      return answer(200, { permission_mode: after.interaction.permission_mode, status: m8tesStatus(after.status), allowed });
    },
  });
}

function findGate(run: RunView, requestId: string, id: string): Pause {
  const pause = run.pauses.find((p) => p.request_id === requestId);
  if (!pause) throw refusal(ErrorType.NotFound, 'gate_not_found', `Run ${id} has no permission request ${requestId}`, { request_id: requestId });
  return pause;
}

/** The oldest question the run waits on (an answer without `request_id`). */
function firstQuestion(run: RunView, id: string): Pause {
  if (isEnded(run)) throw refusal(ErrorType.RunEnded, 'run_not_active', `Run ${id} has ${run.status}; it waits for no answer`, { status: m8tesStatus(run.status) });
  const questions = run.pending.filter((p) => gateOf(p).kind === 'question').sort((a, b) => a.created_at.localeCompare(b.created_at));
  if (questions[0]) return questions[0];
  const why = run.status === 'paused' ? `waits on tool approval (${run.pending.map((p) => p.request_id).join(', ')}); decide it with POST /runs/${id}/approve` : `is ${m8tesStatus(run.status)}; no question waits for an answer`;
  throw refusal(ErrorType.NotPaused, 'run_not_awaiting_approval', `Run ${id} ${why}`, { status: m8tesStatus(run.status) });
}

/**
 * Where a gate stands for a caller about to decide it `value`: `open` (go on), `same` (this decision
 * already happened), or a refusal in m8tes' words. A decision that contradicts the one taken is never
 * reported as `run_not_active` (m8tes' SDK rides that one out; a contradicted one must surface).
 */
function outcomeSoFar(run: RunView, pause: Pause, value: unknown, caller: Principal, id: string): 'open' | 'same' {
  if (pause.status === 'pending') {
    if (isEnded(run)) throw refusal(ErrorType.RunEnded, 'run_not_active', `Run ${id} has ${run.status}; request ${pause.request_id} can no longer be decided`, { status: m8tesStatus(run.status), request_id: pause.request_id });
    // A vote before an edit of an output review was on other content: the caller decides again.
    const mine = currentRound(pause).find((v) => v.by === caller.id);
    if (mine && sameJson(mine.value, value)) return 'same';
    return 'open';
  }
  if (pause.status === 'cancelled') {
    throw refusal(ErrorType.NotFound, 'gate_cancelled', `Permission request ${pause.request_id} was cancelled (the run ${run.status === 'cancelled' ? 'was cancelled' : 'moved on'})`, { request_id: pause.request_id });
  }
  const decision = pause.decision;
  if (decision?.channel === 'timeout' && gateOf(pause).kind === 'question') {
    throw refusal(ErrorType.NotPaused, 'auto_continued', `Question ${pause.request_id} went on with its recommended answers after nobody answered in time; send a follow-up (POST /runs/${id}/reply) to redirect the agent`, {
      request_id: pause.request_id,
      answers: decision.value,
    });
  }
  if (decision && sameJson(decision.value, value)) return 'same';
  const by = decision?.by ?? 'nobody (timed out)';
  throw refusal(ErrorType.NotFound, 'gate_resolved_otherwise', `Permission request ${pause.request_id} was already ${statusOf(pause)} by ${by}; your decision did not happen`, {
    request_id: pause.request_id,
    status: statusOf(pause),
    decided_by: decision?.by ?? null,
    decided_at: decision?.at ?? null,
  });
}

/**
 * Decides; when the run refuses because the gate changed meanwhile (another approver, a cancel, the
 * end), answers in m8tes' words instead. Undefined: the same decision had already been taken.
 */
async function decideOrExplain(
  core: Core,
  run: RunView,
  pause: Pause,
  value: unknown,
  caller: Principal,
  id: string,
  decision: { request_id: string; value: unknown; comment?: string; remember?: boolean; via: string },
): Promise<RunView | undefined> {
  try {
    // Answered at once, as m8tes' decisions are: the run goes on by itself.
    return await core.runs.decide(run.run_id, decision, 0, caller);
  } catch (err) {
    if (!(err instanceof HoldpointError) || ![ErrorType.AlreadyDecided, ErrorType.NotPaused, ErrorType.RunEnded, ErrorType.NotFound].includes(err.type as never)) throw err;
    const now = await core.runs.get(run.run_id, caller).catch(() => undefined);
    const again = now?.pauses.find((p) => p.request_id === pause.request_id);
    if (!now || !again) throw err;
    if (outcomeSoFar(now, again, value, caller, id) === 'same') return undefined;
    // Still open in the run's last state, yet refused: the execution was ended outside holdpoint.
    const { open } = await core.runs.identify(run.run_id, caller).catch(() => ({ open: true }));
    if (!open) throw refusal(ErrorType.RunEnded, 'run_not_active', `Run ${id} has ended; request ${pause.request_id} can no longer be decided`, { request_id: pause.request_id });
    throw err;
  }
}

/** How long an approval with `remember` waits for the run to store its policy. */
const REMEMBER_WAIT_MS = 5_000;

/**
 * Whether the run's `remember` reached the end user's (or the account's) policies: the run stores it
 * right after the decision, so this looks a few times, briefly, before saying no.
 */
async function policyStored(core: Core, run: RunView, tool: string, caller: Principal, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 400)) {
    const policies = await core.policies.list(run.user_id ? { user_id: run.user_id } : { account: true }, caller).catch(() => []);
    if (policies.some((p) => p.tool === tool)) return true;
    if (Date.now() + delay > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
