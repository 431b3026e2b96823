import type { Action, Role } from '../../src/contracts/principal';

/**
 * What each operation of the API needs, and a plausible request for it, for the security matrix
 * (security-matrix.test.ts). Keyed by `METHOD /path/{template}` as the OpenAPI document names them;
 * the matrix fails when an operation has no entry, so a new route must say what it needs.
 */

/** The ids requests aim at: things the test made (real), or well-formed ids of nothing (ghosts). */
export interface Targets {
  /** A workflow runs start from (AgentOS' workflow id, GL AIP's agent). */
  workflow: string;
  /** Its m8tes agent id. */
  agentNumber: number;
  /** A run of `workflow` paused at a confirmation, with its m8tes number, AgentOS session and pending request. */
  run: string;
  runNumber: number;
  session: string;
  request: string;
  /** AgentOS' `step_requirements` that confirm that run's pause. */
  requirements: string;
  /** A run paused at a question (m8tes' /answer), by its m8tes number. */
  questionNumber: number;
  /** A pending tool approval (AgentOS' approval id). */
  approval: string;
  /** A run that has completed, by its m8tes number (m8tes' /reply). */
  endedNumber: number;
  webhook: string;
  webhookNumber: number;
  /** A webhook with a delivery in its log, and that delivery's message. */
  deliveryWebhook: string;
  message: string;
  policy: number;
  /** The tool `policy` allows. */
  policyTool: string;
  /** A definition registered at runtime (an AgentOS component). */
  component: string;
}

/**
 * Who may call an operation: an action (its roles are `ROLES_FOR[action]`); `any` for the routes
 * that answer every caller alike (AgentOS' and GL AIP's "not in holdpoint" 405s); or roles a face
 * itself requires, with why.
 */
export type Need = Action | 'any' | { roles: readonly Role[]; why: string };

export interface Case {
  needs: Need;
  /** Path params by name; the rest are filled by name from the targets (see `pathOf`). */
  params?: (t: Targets) => Record<string, string | number>;
  query?: (t: Targets) => Record<string, string>;
  body?: (t: Targets) => unknown;
  /** A form body (AgentOS' run routes). */
  form?: (t: Targets) => Record<string, string>;
  /**
   * A role without the action is refused per item inside a 200 (the bulk decision endpoint answers
   * each decision on its own), not with a 403 for the whole request.
   */
  refusedPerItem?: boolean;
  /**
   * The route finds its target before it knows what the caller may do with it (m8tes' integer ids,
   * AgentOS' workflow and run pairs, a gate's kind), so a caller without the action hears 404 for a
   * target that does not exist. That tells nothing a reader could not see: every role may read.
   */
  findsFirst?: boolean;
}

let serial = 0;
/** A name no earlier request used (creates must not collide with each other). */
export const fresh = (prefix: string): string => `${prefix}-${process.pid}-${++serial}`;

const confirm = (t: Targets) => ({ session_id: t.session, stream: 'false', step_requirements: t.requirements });
const definitionBody = () => ({ name: fresh('secmx-reg'), steps: [{ name: 'say', type: 'task', handler: 'echo' }] });

export function cases(receiverUrl: string): Record<string, Case> {
  return {
    // ── /v1 ──
    'POST /v1/agents/{name}/workflow': { needs: 'start', query: () => ({ wait: '0' }), body: () => ({ input: { task: 'security matrix' } }) },
    'POST /v1/workflow-runs/{runId}/resume': { needs: 'decide', query: () => ({ wait: '0' }), body: () => ({ input: { resume: { step: 'release', input: 'approve' } } }) },
    'GET /v1/workflow-runs': { needs: 'read' },
    'GET /v1/workflow-runs/{runId}': { needs: 'read' },
    'DELETE /v1/workflow-runs/{runId}': { needs: 'cancel', body: () => ({ reason: 'security matrix' }) },
    'PATCH /v1/workflow-runs/{runId}/permission-mode': { needs: 'decide', body: () => ({ permission_mode: 'autonomous' }) },
    'GET /v1/workflow-runs/{runId}/events': { needs: 'read' },
    'GET /v1/events': { needs: 'read' },
    'GET /v1/approvals': { needs: 'read' },
    'POST /v1/approvals/decisions': { needs: 'decide', refusedPerItem: true, body: (t) => ({ decisions: [{ request_id: t.request, value: 'approve' }] }) },
    'GET /v1/approvals/{requestId}': { needs: 'read' },
    'POST /v1/approvals/{requestId}/decision': { needs: 'decide', query: () => ({ wait: '0' }), body: () => ({ value: 'approve' }) },
    'GET /v1/workflow-runs/{runId}/audit': { needs: 'read' },
    'GET /v1/audit': { needs: 'read' },
    'POST /v1/webhooks': { needs: 'manage', body: () => ({ url: receiverUrl, events: ['run.completed'] }) },
    'GET /v1/webhooks': { needs: 'manage' },
    'GET /v1/webhooks/{id}': { needs: 'manage' },
    'PATCH /v1/webhooks/{id}': { needs: 'manage', body: () => ({ active: true }) },
    'DELETE /v1/webhooks/{id}': { needs: 'manage' },
    'GET /v1/webhooks/{id}/deliveries': { needs: 'manage' },
    'POST /v1/webhooks/{id}/deliveries/{messageId}/redeliver': { needs: 'manage', params: (t) => ({ id: t.deliveryWebhook, messageId: t.message }), body: () => ({}) },
    'GET /v1/workflows': { needs: 'read' },
    'POST /v1/workflows': { needs: 'manage', body: definitionBody },
    'GET /v1/workflows/{name}': { needs: 'read' },
    'DELETE /v1/workflows/{name}': { needs: 'manage', params: (t) => ({ name: t.component }) },
    'GET /v1/policies': { needs: 'read' },
    'POST /v1/policies': { needs: 'manage', body: () => ({ tool: fresh('secmx_tool').replaceAll('-', '_') }) },
    'DELETE /v1/policies/{id}': { needs: 'manage' },

    // ── m8tes ──
    'POST /api/v2/runs/': { needs: 'start', findsFirst: true, body: (t) => ({ message: 'security matrix', stream: false, teammate_id: t.agentNumber }) },
    'GET /api/v2/runs/': { needs: 'read' },
    'GET /api/v2/runs/needs-you': { needs: 'read' },
    'GET /api/v2/runs/{id}': { needs: 'read' },
    'GET /api/v2/runs/{id}/stream': { needs: 'read' },
    'POST /api/v2/runs/{id}/cancel': { needs: 'cancel', findsFirst: true },
    'POST /api/v2/runs/{id}/reply': { needs: 'start', findsFirst: true, params: (t) => ({ id: t.endedNumber }), body: () => ({ message: 'and again', stream: false }) },
    'GET /api/v2/runs/{id}/permissions': { needs: 'read' },
    'POST /api/v2/runs/{id}/approve': { needs: 'decide', findsFirst: true, body: (t) => ({ request_id: t.request, decision: 'allow' }) },
    'POST /api/v2/runs/{id}/answer': { needs: 'decide', findsFirst: true, params: (t) => ({ id: t.questionNumber }), body: () => ({ answers: { 'Which plan?': 'basic' } }) },
    'PATCH /api/v2/runs/{id}/permission-mode': { needs: 'decide', findsFirst: true, body: () => ({ permission_mode: 'autonomous' }) },
    'GET /api/v2/agents/': { needs: 'read' },
    'GET /api/v2/agents/{id}': { needs: 'read', params: (t) => ({ id: t.agentNumber }) },
    // The tool `policy` already allows: a caller who may not manage must not hear "already allowed" (200).
    'POST /api/v2/permissions/': { needs: 'manage', body: (t) => ({ tool: t.policyTool }) },
    'GET /api/v2/permissions/': { needs: 'read' },
    'DELETE /api/v2/permissions/{id}': { needs: 'manage', params: (t) => ({ id: t.policy }) },
    'POST /api/v2/webhooks/': { needs: 'manage', body: () => ({ url: receiverUrl, events: ['run.completed'] }) },
    'GET /api/v2/webhooks/': { needs: 'manage' },
    'GET /api/v2/webhooks/{id}': { needs: 'manage', params: (t) => ({ id: t.webhookNumber }) },
    'PATCH /api/v2/webhooks/{id}': { needs: 'manage', params: (t) => ({ id: t.webhookNumber }), body: () => ({ active: true }) },
    'DELETE /api/v2/webhooks/{id}': { needs: 'manage', params: (t) => ({ id: t.webhookNumber }) },
    'GET /api/v2/webhooks/{id}/deliveries': { needs: 'manage', params: (t) => ({ id: t.webhookNumber }) },

    // ── GL AIP ──
    'POST /agents/hitl/decision': { needs: 'decide', body: (t) => ({ request_id: t.request, decision: 'approved' }) },
    'GET /agents/hitl/pending': { needs: 'read' },
    'GET /language-models/': { needs: 'read' },
    'GET /agents/': { needs: 'read' },
    'POST /agents/': { needs: 'any', body: () => ({ name: 'matrix' }) },
    'GET /agents/{agentId}': { needs: 'read' },
    'PUT /agents/{agentId}': { needs: 'any', body: () => ({ name: 'matrix' }) },
    'PATCH /agents/{agentId}': { needs: 'any', body: () => ({ name: 'matrix' }) },
    'DELETE /agents/{agentId}': { needs: 'any' },
    'POST /agents/{agentId}/run': { needs: 'start', findsFirst: true, body: () => ({ input: 'security matrix' }) },

    // ── AgentOS ──
    'GET /config': { needs: 'read' },
    'GET /workflows': { needs: 'read' },
    'GET /workflows/{workflowId}': { needs: 'read' },
    'POST /workflows/{workflowId}/runs': { needs: 'start', findsFirst: true, form: () => ({ message: 'security matrix', stream: 'false' }) },
    'GET /workflows/{workflowId}/runs': { needs: 'read', query: (t) => ({ session_id: t.session }) },
    'POST /workflows/{workflowId}/runs/{runId}/continue': { needs: 'decide', findsFirst: true, form: confirm },
    'POST /workflows/{workflowId}/runs/{runId}/cancel': { needs: 'cancel', findsFirst: true, query: (t) => ({ session_id: t.session }) },
    'POST /workflows/{workflowId}/runs/{runId}/resume': { needs: 'read', form: (t) => ({ session_id: t.session }) },
    'GET /workflows/{workflowId}/runs/{runId}': { needs: 'read', query: (t) => ({ session_id: t.session }) },
    'GET /sessions': { needs: 'read' },
    'POST /sessions': { needs: 'any', body: () => ({}) },
    'DELETE /sessions': { needs: 'any' },
    'GET /sessions/{sessionId}': { needs: 'read' },
    'PATCH /sessions/{sessionId}': { needs: 'any', body: () => ({}) },
    'DELETE /sessions/{sessionId}': { needs: 'any' },
    'GET /sessions/{sessionId}/runs': { needs: 'read' },
    'GET /sessions/{sessionId}/runs/{runId}': { needs: 'read' },
    'GET /sessions/{sessionId}/run-previews': { needs: 'read' },
    'POST /sessions/{sessionId}/rename': { needs: 'any', body: () => ({ session_name: 'matrix' }) },
    'GET /approvals': { needs: 'read' },
    'GET /approvals/count': { needs: 'read' },
    'GET /approvals/{approvalId}/status': { needs: 'read' },
    'GET /approvals/{approvalId}': { needs: 'read' },
    'DELETE /approvals/{approvalId}': { needs: 'any' },
    'POST /approvals/{approvalId}/resolve': {
      needs: { roles: ['admin'], why: 'AgentOS resolves approvals for admins only' },
      body: () => ({ status: 'approved' }),
    },
    'GET /components': { needs: 'read' },
    'POST /components': { needs: 'manage', body: () => ({ name: 'Matrix', component_id: fresh('secmx-comp'), component_type: 'workflow', config: { steps: [{ name: 'say', type: 'task', handler: 'echo' }] } }) },
    'GET /components/{componentId}': { needs: 'read' },
    'DELETE /components/{componentId}': { needs: 'manage', findsFirst: true },
    'GET /components/{componentId}/configs': { needs: 'read' },
    'POST /components/{componentId}/configs': { needs: 'manage', findsFirst: true, body: () => ({ config: { steps: [{ name: fresh('say'), type: 'task', handler: 'echo' }] } }) },
    'GET /components/{componentId}/configs/current': { needs: 'read' },
    'GET /components/{componentId}/configs/{version}': { needs: 'read' },
  };
}

/** The operation's path with its params filled: the case's own, else by name from the targets. */
export function pathOf(template: string, t: Targets, own: Record<string, string | number> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(own[name] ?? byName(template, name, t))));
}

function byName(template: string, name: string, t: Targets): string | number {
  switch (name) {
    case 'name':
    case 'agentId':
    case 'workflowId':
      return t.workflow;
    case 'runId':
      return t.run;
    case 'requestId':
      return t.request;
    case 'sessionId':
      return t.session;
    case 'approvalId':
      return t.approval;
    case 'componentId':
      return t.component;
    case 'version':
      return 1;
    case 'id':
      if (template.startsWith('/v1/webhooks')) return t.webhook;
      if (template.startsWith('/v1/policies')) return t.policy;
      if (template.startsWith('/api/v2/runs')) return t.runNumber;
      break;
  }
  throw new Error(`no target for {${name}} in ${template}: give the case its params`);
}
