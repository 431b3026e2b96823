import { Approvals } from './approvals';
import { Audit } from './audit';
import { EventStreams } from './events';
import { Http, type HoldpointClientOptions } from './http';
import { Policies } from './policies';
import { Runs } from './runs';
import { Webhooks } from './webhooks';
import { Workflows } from './workflows';

/**
 * holdpoint's typed client over `/v1`. Needs nothing but `fetch` (Node ≥ 20, browsers).
 *
 * ```ts
 * const hp = new HoldpointClient({ baseUrl: 'http://127.0.0.1:3000', apiKey });
 * const { run_id, output } = await hp.runs.start('lead-router', { input: { task: 'Route this lead' } });
 * for await (const item of hp.approvals.list({ assignee: 'mine' })) console.log(item.message);
 * for await (const event of hp.events.run(run_id)) console.log(event.seq, event.type);
 * ```
 *
 * Refusals throw `HoldpointApiError` (status, type, message, field, details); an unreachable or
 * silent gateway throws `HoldpointConnectionError`.
 */
export class HoldpointClient {
  readonly runs: Runs;
  readonly approvals: Approvals;
  readonly webhooks: Webhooks;
  readonly audit: Audit;
  readonly workflows: Workflows;
  readonly policies: Policies;
  /** Live events: one run's (`run`), every run's (`feed`). */
  readonly events: EventStreams;

  constructor(options: HoldpointClientOptions) {
    const http = new Http(options);
    this.events = new EventStreams(http, (runId) => this.runs.get(runId));
    this.runs = new Runs(http, () => this.events);
    this.approvals = new Approvals(http);
    this.webhooks = new Webhooks(http);
    this.audit = new Audit(http);
    this.workflows = new Workflows(http);
    this.policies = new Policies(http);
  }
}
