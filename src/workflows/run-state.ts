import type { RunEvent, RunEventType } from '../contracts/events';
import type {
  AuditEntry,
  AuditEntryType,
  DecisionRecord,
  Frame,
  Interaction,
  Pause,
  RunError,
  RunInput,
  RunStatus,
  RunView,
  StepRecord,
  Vote,
} from '../contracts/run';
import type { AgentLoopState } from '../contracts/agent';
import type { Step } from '../contracts/definition';
import { DEFAULT_INTERACTION } from '../contracts/interaction';
import { APPROVE_OPTION, REJECT_OPTION } from '../contracts/options';
import { digestOf } from '../lib/digest';
import { isApproval } from './decisions';
import { countsAs, roundCount, startRound, startsRound } from './pause-kinds/output-review';

/**
 * Everything a run knows, as plain JSON: this object is what continue-as-new carries, so it holds
 * no Map, Date or class instance (the JSON payload converter would mangle them).
 */
export interface RunData {
  /** `running` until the run ends; `paused` is derived from pending pauses. */
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  steps: StepRecord[];
  pauses: Pause[];
  events: RunEvent[];
  frames: Frame[];
  result: unknown;
  error: RunError | null;
  updated_at: string;
  ended_at?: string;
  cancel_requested?: { by?: string; reason?: string; at: string };
  /** How often each pause step has been reached, for request ids. */
  pause_counts: Record<string, number>;
  /** The hash-chained audit trail: requests, reminders, escalations, votes, decisions, refusals. */
  audit: AuditEntry[];
  /** The newest event handed to the notify activity (webhooks, Slack, the cross-run feed). */
  notified_seq?: number;
  /** Agent steps in progress: their conversation and pending tool calls, by step name. */
  agents?: Record<string, AgentLoopState>;
  /** How people take part in agent steps now, and the tools allowed with `remember` in this run. */
  interaction?: Interaction & { remembered: string[] };
}

/** Audit fields a caller gives; sequence, time, run, chain and hashes are filled in. */
export type AuditFields = Omit<AuditEntry, 'seq' | 'at' | 'type' | 'run_id' | 'chain' | 'prev_hash' | 'hash'>;

/** The run's context as expressions see it. */
export interface ExpressionContext {
  task: string;
  state: Record<string, unknown>;
  steps: Record<string, { status: string; output?: unknown; decision?: DecisionRecord }>;
  run: { id: string; workflow: string; started_at: string; started_by?: string; customer?: string };
}

const now = (): string => new Date().toISOString();

export class RunState {
  readonly data: RunData;
  /** Told of each event as it is recorded (the run's metrics follow its event log). */
  onRecord: ((event: RunEvent) => void) | undefined;

  constructor(readonly input: RunInput) {
    this.data = (input.carried as RunData | undefined) ?? {
      status: 'running',
      steps: [],
      pauses: [],
      events: [],
      frames: [{ parent: null, branch: null, index: 0 }],
      result: null,
      error: null,
      updated_at: input.started_at,
      pause_counts: {},
      audit: [],
    };
  }

  /** The run's interaction settings (permission mode and what `remember` allowed), created on first use. */
  get interaction(): Interaction & { remembered: string[] } {
    return (this.data.interaction ??= { ...(this.input.interaction ?? DEFAULT_INTERACTION), remembered: [] });
  }

  /** The same, read-only (for validators and queries, which must not change state). */
  currentInteraction(): Interaction {
    const { human_in_the_loop, permission_mode } = this.data.interaction ?? this.input.interaction ?? DEFAULT_INTERACTION;
    return { human_in_the_loop, permission_mode };
  }

  get runId(): string {
    return this.input.run_id;
  }

  get workflow(): string {
    return this.input.definition.name;
  }

  /** The behavior revision the run was started with (see RunSettings.behavior); 1 when it names none. */
  get behavior(): number {
    return this.input.settings.behavior ?? 1;
  }

  /** `paused` while a pause waits and nothing else runs; the stored status otherwise. */
  get status(): RunStatus {
    if (this.data.status !== 'running') return this.data.status;
    return this.pending().length > 0 ? 'paused' : 'running';
  }

  get ended(): boolean {
    return this.data.status !== 'running';
  }

  pending(): Pause[] {
    return this.data.pauses.filter((p) => p.status === 'pending');
  }

  findPause(requestId: string): Pause | undefined {
    return this.data.pauses.find((p) => p.request_id === requestId);
  }

  record(type: RunEventType, fields: Omit<RunEvent, 'seq' | 'at' | 'type'> = {}): RunEvent {
    const at = now();
    const event: RunEvent = { seq: this.data.events.length + 1, at, type, ...fields };
    this.data.events.push(event);
    this.data.updated_at = at;
    this.onRecord?.(event);
    return event;
  }

  events(after = 0, limit = 100): RunEvent[] {
    return this.data.events.filter((e) => e.seq > after).slice(0, limit);
  }

  startStep(step: Step, status: 'running' | 'paused' = 'running'): StepRecord {
    const record: StepRecord = { name: step.name, type: step.type, status, started_at: now() };
    if (step.title) record.title = step.title;
    this.data.steps.push(record);
    if (status === 'running') this.record('step_started', { step: step.name, data: { type: step.type } });
    return record;
  }

  /** The newest record of a step (a step may be reached once per run today; loops would repeat it). */
  stepRecord(name: string): StepRecord | undefined {
    for (let i = this.data.steps.length - 1; i >= 0; i--) if (this.data.steps[i]!.name === name) return this.data.steps[i];
    return undefined;
  }

  completeStep(record: StepRecord, output: unknown, extra: Partial<StepRecord> = {}): void {
    Object.assign(record, { status: 'completed', output, ended_at: now() }, extra);
    this.record('step_completed', { step: record.name, ...(record.request_id ? { request_id: record.request_id } : {}) });
  }

  failStep(record: StepRecord, error: { type: string; message: string }, attempts?: number): void {
    Object.assign(record, { status: 'failed', error, ended_at: now() }, attempts ? { attempts } : {});
    this.record('step_failed', { step: record.name, data: { error } });
  }

  skipStep(record: StepRecord, reason: string): void {
    Object.assign(record, { status: 'skipped', ended_at: now() });
    this.record('step_skipped', { step: record.name, data: { reason } });
  }

  nextRequestId(stepName: string): string {
    const n = (this.data.pause_counts[stepName] ?? 0) + 1;
    this.data.pause_counts[stepName] = n;
    return `${this.runId}.${stepName}.${n}`;
  }

  /** Appends to the audit chain: each entry carries the hash of the one before. */
  audit(type: AuditEntryType, fields: AuditFields = {}): AuditEntry {
    const previous = this.data.audit[this.data.audit.length - 1];
    const entry: Omit<AuditEntry, 'hash'> = {
      seq: this.data.audit.length + 1,
      at: now(),
      type,
      run_id: this.runId,
      chain: 'run',
      ...fields,
      prev_hash: previous?.hash ?? null,
    };
    const sealed = { ...entry, hash: digestOf(entry) } as AuditEntry;
    this.data.audit.push(sealed);
    return sealed;
  }

  /**
   * Counts a decision. Most pauses settle on the first one; a pause that needs several approvers
   * settles once enough distinct principals approved (or enough rejected).
   *
   * From behavior 5 an output review counts in rounds (pause-kinds/output-review.ts): an edit is its author's
   * approval of the edited output, one that changes what the review shows starts a new round, and only
   * the votes since count. The vote that completes a round settles the pause with its own value; what
   * ships is what the review shows (see applyOutcome).
   */
  castVote(pause: Pause, vote: Vote, skip = false): 'decided' | 'voted' {
    const edited = !skip && startsRound(this, pause, vote.value);
    pause.votes.push(vote);
    if (edited) startRound(pause, vote);
    const { approvals_required, rejections_required } = pause.rules;
    const kind = countsAs(this, pause, vote.value);
    if (!skip && isApproval(pause) && (kind === APPROVE_OPTION || kind === REJECT_OPTION)) {
      const count = roundCount(this, pause, kind);
      const needed = kind === APPROVE_OPTION ? approvals_required : rejections_required;
      if (count < needed) {
        // An edit says what the next reviewers confirm: Slack rewrites its buttons with the new digest.
        const round = edited ? { edited: true, digest: pause.digest } : {};
        this.record('voted', { step: pause.step, request_id: pause.request_id, data: { value: vote.value, by: vote.by, count, needed, ...round } });
        this.audit('voted', { ...this.decisionFields(pause, vote), data: { count, needed, ...round } });
        return 'voted';
      }
    }
    this.settle(pause, { ...vote, ...(pause.votes.length > 1 ? { votes: pause.votes.length } : {}) }, skip ? 'skipped' : 'decided');
    return 'decided';
  }

  /** Closes a pause with its final decision. */
  settle(pause: Pause, decision: DecisionRecord, status: 'decided' | 'skipped' | 'timed_out'): void {
    pause.status = status;
    pause.decision = decision;
    const record = this.data.steps.find((s) => s.request_id === pause.request_id);
    if (record) record.decision = decision;
    this.record('decided', {
      step: pause.step,
      request_id: pause.request_id,
      data: { value: decision.value, by: decision.by, channel: decision.channel, via: decision.via, comment: decision.comment },
    });
    this.audit(status === 'skipped' ? 'skipped' : 'decided', this.decisionFields(pause, decision));
  }

  private decisionFields(pause: Pause, d: { value: unknown; by?: string | undefined; comment?: string | undefined; channel: string }): AuditFields {
    return {
      request_id: pause.request_id,
      step: pause.step,
      ...(d.by ? { by: d.by } : {}),
      value: d.value,
      ...(d.comment ? { comment: d.comment } : {}),
      channel: d.channel,
    };
  }

  complete(result: unknown): void {
    this.data.status = 'completed';
    this.data.result = result ?? null;
    this.data.ended_at = now();
    this.record('run_completed');
  }

  fail(error: RunError): void {
    this.data.status = 'failed';
    this.data.error = error;
    this.data.ended_at = now();
    this.endOpenWork();
    this.record('run_failed', { ...(error.step ? { step: error.step } : {}), data: { error } });
  }

  cancel(): void {
    this.data.status = 'cancelled';
    this.data.ended_at = now();
    const open = this.pending();
    this.endOpenWork();
    const request = this.data.cancel_requested;
    this.record('run_cancelled', request?.by ? { data: { by: request.by, reason: request.reason } } : {});
    this.audit('cancelled', {
      ...(request?.by ? { by: request.by } : {}),
      ...(request?.reason ? { comment: request.reason } : {}),
      data: { open_requests: open.map((p) => p.request_id) },
    });
  }

  /** A run that ends mid-step leaves no step running and no pause decidable. */
  private endOpenWork(): void {
    const at = now();
    for (const step of this.data.steps) {
      if (step.status === 'running' || step.status === 'paused') Object.assign(step, { status: 'cancelled', ended_at: at });
    }
    for (const pause of this.data.pauses) if (pause.status === 'pending') pause.status = 'cancelled';
  }

  context(): ExpressionContext {
    const steps: ExpressionContext['steps'] = {};
    for (const s of this.data.steps) {
      steps[s.name] = { status: s.status, ...(s.output !== undefined ? { output: s.output } : {}), ...(s.decision ? { decision: s.decision } : {}) };
    }
    const { run_id, started_at, started_by, customer } = this.input;
    return {
      task: this.input.task,
      state: this.input.state,
      steps,
      run: { id: run_id, workflow: this.workflow, started_at, ...(started_by ? { started_by } : {}), ...(customer ? { customer } : {}) },
    };
  }

  view(): RunView {
    const { input, data } = this;
    return {
      run_id: input.run_id,
      workflow: this.workflow,
      definition_hash: input.definition_hash,
      ...(input.definition.version ? { definition_version: input.definition.version } : {}),
      ...(input.definition_revision !== undefined ? { definition_revision: input.definition_revision } : {}),
      status: this.status,
      task: input.task,
      state: input.state,
      steps: data.steps,
      pending: this.pending(),
      pauses: data.pauses,
      result: data.result ?? null,
      error: data.error,
      ...(input.started_by ? { started_by: input.started_by } : {}),
      ...(input.customer ? { customer: input.customer } : {}),
      ...(input.session_id ? { session_id: input.session_id } : {}),
      ...(input.user_id ? { user_id: input.user_id } : {}),
      interaction: this.currentInteraction(),
      started_at: input.started_at,
      updated_at: data.updated_at,
      ...(data.ended_at ? { ended_at: data.ended_at } : {}),
      last_event_seq: data.events.length,
      ...(data.cancel_requested ? { cancel_requested: data.cancel_requested } : {}),
    };
  }
}
