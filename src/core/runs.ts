import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { DecisionRequest } from '../contracts/decision';
import type { Principal } from '../contracts/principal';
import { ErrorType, HoldpointError } from '../contracts/errors';
import type { RunEvent } from '../contracts/events';
import {
  awaitSettledUpdate,
  decideUpdate,
  getAuditQuery,
  getEventsQuery,
  getRunQuery,
  requestCancelUpdate,
  setPermissionModeUpdate,
} from '../contracts/messages';
import type { AuditEntry, Interaction, RunView, RunWorkflow } from '../contracts/run';
import { RUN_MEMO_KEY, RUN_WORKFLOW_TYPE, START_REQUEST_MEMO_KEY } from '../contracts/temporal';
import type { DefinitionCatalog } from '../catalog/registry';
import { DEFAULT_INTERACTION, type PermissionMode } from '../contracts/interaction';
import type { ResolvedDefinition } from './definitions';
import type { Logger } from '../logger';
import { authorize } from './authorize';
import { replayOf, updateIdFor, whyEnded } from './decision-outcomes';
import { newRunId, parseRequestId, runIdForKey } from './ids';
import { initialView, prepareStart } from './run-start';
import { RefusalLog } from './refusals';
import { fromTemporal, isTemporalNotFound, notFound, updateNotApplied, updateNotTaken } from './temporal-errors';

export interface RunServiceOptions {
  client: Client;
  catalog: DefinitionCatalog;
  /** Finds the definition a start names (start-up catalog, then registered ones). @default the catalog alone */
  resolveDefinition?: (name: string, version?: number) => Promise<ResolvedDefinition>;
  taskQueue: string;
  /** Lifetime of runs whose definition sets none. */
  maxRunLifetimeMs: number;
  /** Continue-as-new after this many history events (tests force it low). */
  continueAsNewAfterEvents?: number;
  /** How long a read waits for a worker to answer before giving up. @default 5s */
  readTimeoutMs?: number;
  clock?: () => Date;
  logger: Logger;
}

/** A decision as a caller sends it; who decides comes from the authenticated caller, never from the body. */
export type DecisionInput = Omit<DecisionRequest, 'by' | 'groups' | 'wait_ms'>;

/** Told of each decision passed on: its channel (`via`), and `accepted` or the error type it was answered with. */
export type DecisionObserver = (decision: { channel: string; outcome: string }) => void;

export interface StartRunParams {
  workflow: string;
  task: string;
  state?: Record<string, unknown> | undefined;
  /** A retried start with the same key (from the same caller) returns the run the first one made. */
  idempotencyKey?: string | undefined;
  customer?: string | undefined;
  /** How long to wait for the first pause or the end before answering with a running run. */
  waitMs: number;
  /** A registered definition's version. @default its current one */
  version?: number | undefined;
  /** The caller's session (AgentOS) the run belongs to. */
  sessionId?: string | undefined;
  /** The end user the run acts for (m8tes' and AgentOS' `user_id`). */
  userId?: string | undefined;
  /** How people take part in its agent steps. @default no person in the loop, autonomous */
  interaction?: Interaction | undefined;
}

export interface StartRunResult {
  run: RunView;
  /** False when an idempotency key found an earlier run. */
  created: boolean;
}

/** Extra time past a caller's wait for Temporal and a worker to answer. */
const ANSWER_GRACE_MS = 15_000;
/** Tries of the update that records who cancels, when Temporal did not take it (see `updateNotApplied`). */
const CANCEL_RECORD_ATTEMPTS = 4;

/** Runs: start, read, decide, cancel. Every REST face goes through here; nothing here knows HTTP. */
export class RunService {
  private readonly client: Client;
  private readonly clock: () => Date;
  private readonly readTimeoutMs: number;
  readonly refusals: RefusalLog;
  /** Run numbers already resolved (an alias never changes). */
  private readonly numbers = new Map<number, string>();
  private readonly decisionObservers = new Set<DecisionObserver>();

  constructor(private readonly options: RunServiceOptions) {
    this.client = options.client;
    this.clock = options.clock ?? (() => new Date());
    this.readTimeoutMs = options.readTimeoutMs ?? 5_000;
    this.refusals = new RefusalLog(options.client, options.taskQueue, options.logger);
  }

  async start(params: StartRunParams, actor: Principal): Promise<StartRunResult> {
    authorize(actor, 'start');
    const { definition, hash, version } = this.options.resolveDefinition
      ? await this.options.resolveDefinition(params.workflow, params.version)
      : { ...this.options.catalog.get(params.workflow), version: undefined };
    const startedAt = this.clock().toISOString();
    const runId = params.idempotencyKey ? runIdForKey(actor.id, definition.name, params.idempotencyKey) : newRunId(this.clock().getTime());
    const { input, startOptions, requestHash } = prepareStart({
      definition,
      hash,
      params,
      actor,
      runId,
      startedAt,
      taskQueue: this.options.taskQueue,
      maxRunLifetimeMs: this.options.maxRunLifetimeMs,
      continueAsNewAfterEvents: this.options.continueAsNewAfterEvents,
      revision: version,
    });

    if (params.waitMs === 0 && !params.idempotencyKey) {
      // The caller asked not to wait: no update, no worker round trip; the run as it starts.
      try {
        await this.client.workflow.start<RunWorkflow>(RUN_WORKFLOW_TYPE, { ...startOptions, workflowIdConflictPolicy: 'FAIL' });
      } catch (err) {
        throw fromTemporal(err, runId);
      }
      return { run: initialView(input), created: true };
    }

    const waitUntil = Date.now() + params.waitMs;
    let run: RunView;
    try {
      run = await this.client.withDeadline(Date.now() + params.waitMs + ANSWER_GRACE_MS, () =>
        this.client.workflow.executeUpdateWithStart(awaitSettledUpdate, {
          args: [{ wait_ms: params.waitMs }],
          startWorkflowOperation: new WithStartWorkflowOperation<RunWorkflow>(RUN_WORKFLOW_TYPE, startOptions),
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // The key's run has already finished: answer with it.
        run = await this.read(runId);
      } else {
        if (!isTemporalNotFound(err)) throw fromTemporal(err, runId);
        // Update-with-start can lose its update while the cluster recovers (the start itself landed):
        // the run exists, so answer with it; if it does not, nothing was started and a retry is safe.
        if (!(await this.exists(runId))) {
          throw new HoldpointError(ErrorType.Unavailable, `Temporal did not confirm the start of run ${runId}; nothing was started, send the request again`, { run_id: runId });
        }
        run = await this.read(runId);
      }
    }
    run = await this.keepWaiting(runId, run, waitUntil);

    if (!params.idempotencyKey) return { run, created: true };
    const created = run.started_at === startedAt;
    if (!created) await this.assertSameRequest(runId, requestHash, params.idempotencyKey);
    return { run, created };
  }

  /** Throws 403 unless the caller may read runs. */
  async authorizeRead(actor: Principal): Promise<void> {
    authorize(actor, 'read');
  }

  /**
   * Which workflow a run belongs to, from Temporal's own record (no worker needed); 404 when there is
   * no such run.
   */
  async identify(runId: string, actor: Principal): Promise<{ runId: string; workflow: string; open: boolean }> {
    authorize(actor, 'read');
    try {
      const description = await this.client.workflow.getHandle(runId).describe();
      if (description.type !== RUN_WORKFLOW_TYPE) throw notFound(runId);
      const memo = description.memo?.[RUN_MEMO_KEY] as { workflow?: string } | undefined;
      return { runId, workflow: memo?.workflow ?? 'unknown', open: description.status.name === 'RUNNING' };
    } catch (err) {
      throw fromTemporal(err, runId);
    }
  }

  /** The run's current state; a finished run is read from its history when no worker answers. */
  async get(runId: string, actor: Principal): Promise<RunView> {
    authorize(actor, 'read');
    return this.read(runId);
  }

  private async read(runId: string): Promise<RunView> {
    const handle = this.client.workflow.getHandle(runId);
    try {
      return await this.client.withDeadline(Date.now() + this.readTimeoutMs, () => handle.query(getRunQuery));
    } catch (err) {
      const mapped = fromTemporal(err, runId);
      if (mapped instanceof HoldpointError && mapped.type !== ErrorType.Unavailable) throw mapped;
      const fromHistory = await this.readFromHistory(handle, runId);
      if (fromHistory) return fromHistory;
      throw new HoldpointError(
        ErrorType.Unavailable,
        `no worker answered a read of run ${runId} within ${this.readTimeoutMs / 1000}s; is a holdpoint worker polling task queue "${this.options.taskQueue}"?`,
        { run_id: runId },
      );
    }
  }

  async events(runId: string, actor: Principal, after = 0, limit = 100): Promise<RunEvent[]> {
    authorize(actor, 'read');
    const handle = this.client.workflow.getHandle(runId);
    try {
      return await this.client.withDeadline(Date.now() + this.readTimeoutMs, () => handle.query(getEventsQuery, { after, limit }));
    } catch (err) {
      throw fromTemporal(err, runId);
    }
  }

  /** The run's audit trail: its own hash chain and its refusal log, in time order. */
  async audit(runId: string, actor: Principal): Promise<AuditEntry[]> {
    authorize(actor, 'read');
    const handle = this.client.workflow.getHandle(runId);
    const [own, refused] = await Promise.all([
      this.client.withDeadline(Date.now() + this.readTimeoutMs, () => handle.query(getAuditQuery)).catch((err: unknown) => {
        throw fromTemporal(err, runId);
      }),
      this.refusals.read(runId, this.readTimeoutMs),
    ]);
    return [...own, ...refused].sort((a, b) => a.at.localeCompare(b.at) || a.chain.localeCompare(b.chain) || a.seq - b.seq);
  }

  /** Hears of every decision passed on (the gateway's metrics); returns how to stop. */
  observeDecisions(observer: DecisionObserver): () => void {
    this.decisionObservers.add(observer);
    return () => this.decisionObservers.delete(observer);
  }

  /**
   * Decides a pause as `actor`; answers once the run reached its next pause or its end (at most
   * `waitMs`). A refused decision is written to the run's refusal log, never to the run's history.
   */
  async decide(runId: string, input: DecisionInput, waitMs: number, actor: Principal): Promise<RunView> {
    const channel = input.via ?? 'rest';
    try {
      const run = await this.decideOnce(runId, input, waitMs, actor);
      for (const observer of this.decisionObservers) observer({ channel, outcome: 'accepted' });
      return run;
    } catch (err) {
      for (const observer of this.decisionObservers) observer({ channel, outcome: err instanceof HoldpointError ? err.type : 'error' });
      throw err;
    }
  }

  private async decideOnce(runId: string, input: DecisionInput, waitMs: number, actor: Principal): Promise<RunView> {
    const attempt = {
      ...(input.request_id ? { request_id: input.request_id } : {}),
      ...(input.step ? { step: input.step } : {}),
      by: actor.id,
      ...(input.value !== undefined ? { value: input.value } : input.action ? { value: input.action } : {}),
      ...(input.comment ? { comment: input.comment } : {}),
      channel: input.via ?? 'rest',
    };
    try {
      authorize(actor, 'decide');
    } catch (err) {
      if (await this.exists(runId)) await this.refusals.record(runId, err, attempt);
      throw err;
    }
    const request: DecisionRequest = { ...input, by: actor.id, groups: actor.groups, wait_ms: waitMs };
    const handle = this.client.workflow.getHandle(runId);
    const waitUntil = Date.now() + waitMs;
    let run: RunView;
    try {
      run = await this.client.withDeadline(waitUntil + ANSWER_GRACE_MS, () =>
        handle.executeUpdate(decideUpdate, {
          args: [request],
          ...(input.idempotency_key ? { updateId: updateIdFor(actor, input) } : {}),
        }),
      );
    } catch (err) {
      let mapped = fromTemporal(err, runId);
      const ended = await this.endedRun(runId, mapped, updateNotTaken(err));
      if (ended) {
        const replayed = input.idempotency_key ? replayOf(ended, actor, input) : undefined;
        if (replayed) return replayed;
        mapped = whyEnded(ended, input);
      } else if (isTemporalNotFound(err) && (await this.exists(runId))) {
        // The run is there and still open: Temporal lost the update while recovering (a database restart).
        mapped = new HoldpointError(ErrorType.Unavailable, `Temporal lost track of the decision for run ${runId} while recovering; it may or may not have been applied: send it again with the same idempotency key (or read the run first)`, { run_id: runId });
      }
      await this.refusals.record(runId, mapped, attempt);
      throw mapped;
    }
    return this.keepWaiting(runId, run, waitUntil);
  }

  /** Decides by request id alone: the id carries its run (`<run_id>.<step>.<n>`). */
  async decideRequest(requestId: string, input: Omit<DecisionInput, 'request_id'>, waitMs: number, actor: Principal): Promise<RunView> {
    const parsed = parseRequestId(requestId);
    if (!parsed) throw new HoldpointError(ErrorType.NotFound, `no request ${requestId}`, { request_id: requestId });
    return this.decide(parsed.runId, { ...input, request_id: requestId }, waitMs, actor);
  }

  /**
   * Switches the permission mode of the run's agent steps. Deciding rights are needed: switching to
   * `autonomous` allows the tool gates the run waits on (in the caller's name).
   */
  async setPermissionMode(runId: string, mode: PermissionMode, actor: Principal, via?: string): Promise<RunView> {
    authorize(actor, 'decide');
    try {
      return await this.client.workflow.getHandle(runId).executeUpdate(setPermissionModeUpdate, { args: [{ permission_mode: mode, by: actor.id, ...(via ? { via } : {}) }] });
    } catch (err) {
      const mapped = fromTemporal(err, runId);
      const ended = await this.endedRun(runId, mapped);
      if (ended) throw new HoldpointError(ErrorType.RunEnded, `run ${runId} has ${ended.status}; its permission mode no longer matters`, { status: ended.status });
      throw mapped;
    }
  }

  /**
   * The run a numeric alias stands for (APIs whose ids are numbers). Visibility may lag a start by a
   * moment, so a miss is asked again briefly; an alias once found never changes, so it is cached.
   */
  async byNumber(number: number, actor: Principal): Promise<string> {
    authorize(actor, 'read');
    const cached = this.numbers.get(number);
    if (cached) return cached;
    const query = `WorkflowType = '${RUN_WORKFLOW_TYPE}' AND HoldpointRunNumber = ${number} AND TaskQueue = '${this.options.taskQueue}'`;
    const deadline = Date.now() + 3_000;
    for (let delay = 100; ; delay = Math.min(delay * 2, 800)) {
      const ids = new Set<string>();
      for await (const execution of this.client.workflow.list({ query, pageSize: 10 })) ids.add(execution.workflowId);
      if (ids.size > 1) throw new HoldpointError(ErrorType.IdempotencyConflict, `run number ${number} is ambiguous (${[...ids].join(', ')}); use the run id`, { run_ids: [...ids] });
      const [found] = ids;
      if (found) {
        if (this.numbers.size >= 10_000) this.numbers.delete(this.numbers.keys().next().value!);
        this.numbers.set(number, found);
        return found;
      }
      if (Date.now() + delay > deadline) throw new HoldpointError(ErrorType.NotFound, `no run numbered ${number}`, { run: number });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** Records who cancels and why, cancels the execution, and answers with the cancelled run. */
  async cancel(runId: string, reason: string | undefined, actor: Principal): Promise<RunView> {
    authorize(actor, 'cancel');
    const handle = this.client.workflow.getHandle(runId);
    // An update a workflow task did not take (the run was busy moving on, its task being retried) is
    // sent again, a few times: nothing of it was applied.
    const record = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await handle.executeUpdate(requestCancelUpdate, { args: [{ by: actor.id, ...(reason ? { reason } : {}) }] });
        } catch (err) {
          if (attempt >= CANCEL_RECORD_ATTEMPTS || !updateNotApplied(err)) throw err;
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        }
      }
    };
    try {
      await record();
      await handle.cancel();
      await this.client.withDeadline(Date.now() + ANSWER_GRACE_MS, () => handle.result()).catch(() => undefined);
    } catch (err) {
      throw fromTemporal(err, runId);
    }
    return this.read(runId);
  }

  /**
   * The run, when a decision failed because it has ended. Temporal answers an update to a closed
   * execution as "not found" (or "already completed", depending on timing); the run itself says more.
   */
  private async endedRun(runId: string, error: unknown, notTaken = false): Promise<RunView | undefined> {
    if (!(error instanceof HoldpointError)) return undefined;
    // An update the run's last workflow task did not take may have arrived as the run ended.
    const maybeEnded = error.type === ErrorType.RunEnded || notTaken || (error.type === ErrorType.NotFound && (await this.exists(runId)));
    if (!maybeEnded) return undefined;
    const run = await this.read(runId).catch(() => undefined);
    return run && (run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled') ? run : undefined;
  }

  private async exists(runId: string): Promise<boolean> {
    try {
      const description = await this.client.workflow.getHandle(runId).describe();
      return description.type === RUN_WORKFLOW_TYPE;
    } catch {
      return false;
    }
  }

  /**
   * A run that continues as new answers waiting updates early (still `running`); wait on the new
   * execution for whatever is left of the caller's wait.
   */
  private async keepWaiting(runId: string, run: RunView, waitUntil: number): Promise<RunView> {
    let current = run;
    for (let left = waitUntil - Date.now(); current.status === 'running' && left > 100; left = waitUntil - Date.now()) {
      try {
        current = await this.client.withDeadline(waitUntil + ANSWER_GRACE_MS, () =>
          this.client.workflow.getHandle(runId).executeUpdate(awaitSettledUpdate, { args: [{ wait_ms: Math.round(left) }] }),
        );
      } catch (err) {
        // The run may have ended in between; what it looks like now is the answer.
        if (fromTemporal(err, runId) instanceof HoldpointError) return this.read(runId);
        throw err;
      }
    }
    return current;
  }

  private async readFromHistory(handle: WorkflowHandle, runId: string): Promise<RunView | undefined> {
    try {
      const description = await handle.describe();
      if (description.type !== RUN_WORKFLOW_TYPE) throw notFound(runId);
      if (description.status.name === 'COMPLETED') return recorded((await handle.result()) as RunView);
      if (description.status.name === 'FAILED') {
        try {
          await handle.result();
        } catch (err) {
          const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
          if (cause instanceof ApplicationFailure && cause.details?.[1]) return recorded(cause.details[1] as RunView);
        }
      }
      return undefined;
    } catch (err) {
      throw fromTemporal(err, runId);
    }
  }

  private async assertSameRequest(runId: string, requestHash: string, key: string): Promise<void> {
    const description = await this.client.workflow.getHandle(runId).describe();
    const first = description.memo?.[START_REQUEST_MEMO_KEY] as { request_hash?: string } | undefined;
    if (first?.request_hash && first.request_hash !== requestHash) {
      throw new HoldpointError(
        ErrorType.IdempotencyConflict,
        `Idempotency-Key "${key}" was already used for run ${runId} with a different request; use a new key for a new run`,
        { run_id: runId },
      );
    }
  }
}

/** A view recorded in a run's history by an older version, with the fields it did not have yet. */
function recorded(view: RunView): RunView {
  return { ...view, interaction: view.interaction ?? DEFAULT_INTERACTION };
}
