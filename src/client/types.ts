import type { z } from 'zod';
import type { BusEvent as BusEventSchema, FeedEvent as FeedEventSchema, RunEventType as RunEventTypeSchema } from '../contracts/events';
import type * as V1 from '../contracts/http/v1';

/**
 * The client's types, all derived from the /v1 contract schemas: request bodies are what the schema
 * takes (`z.input`), answers what it gives (`z.output`). A change of the gateway's schemas that
 * breaks a caller breaks the build here, not at runtime.
 *
 * Query strings use the schemas' outputs (`z.output`): their inputs are strings coerced to numbers
 * (`unknown` to zod), while the outputs say what a caller means (`limit: number`, `type: [...]`).
 */

type Query<S extends z.ZodType> = { [K in keyof z.output<S>]?: z.output<S>[K] };

// ── runs ──
/** `POST /v1/agents/{name}/workflow` (streaming answers are `client.events.run`'s job). */
export type StartRunBody = Omit<z.input<typeof V1.StartBody>, 'stream'>;
/** `POST /v1/workflow-runs/{id}/resume`. */
export type ResumeRunBody = Omit<z.input<typeof V1.ResumeBody>, 'stream'>;
export type RunResponse = z.output<typeof V1.RunResponse>;
export type RunOutput = z.output<typeof V1.RunOutput>;
export type PendingAction = z.output<typeof V1.PendingAction>;
export type Run = z.output<typeof V1.V1Run>;
export type RunStatus = Run['status'];
export type RunListItem = z.output<typeof V1.RunListItem>;
export type RunPage = z.output<typeof V1.RunPage>;
export type RunListQuery = Omit<Query<typeof V1.ListQuery>, 'cursor'>;
export type PermissionMode = z.input<typeof V1.PermissionModeBody>['permission_mode'];
export type EventPage = z.output<typeof V1.EventPage>;
export type RunEvent = EventPage['data'][number];
export type RunEventType = z.output<typeof RunEventTypeSchema>;
/** An event of a run's live stream: the run's event, and which run it belongs to. */
export type FeedEvent = z.output<typeof FeedEventSchema>;
/** An event of the cross-run feed (with the workflow, customer and assignees its filters use). */
export type BusEvent = z.output<typeof BusEventSchema>;
export type CrossRunQuery = Omit<Query<typeof V1.CrossRunQuery>, 'cursor'>;

// ── approvals ──
export type Approval = z.output<typeof V1.ApprovalView>;
export type ApprovalPage = z.output<typeof V1.ApprovalPage>;
export type InboxQuery = Omit<Query<typeof V1.InboxQuery>, 'cursor'>;
export type DecisionBody = z.input<typeof V1.DecisionBody>;
export type DecisionAnswer = z.output<typeof V1.DecisionAnswer>;
export type BulkDecision = z.input<typeof V1.BulkBody>['decisions'][number];
export type BulkAnswer = z.output<typeof V1.BulkAnswer>;

// ── audit ──
export type AuditEntry = z.output<typeof V1.RunAudit>['entries'][number];
export type AuditPage = z.output<typeof V1.AuditPage>;
export type AuditQuery = Omit<Query<typeof V1.AuditQuery>, 'cursor'>;
export type RunAudit = z.output<typeof V1.RunAudit>;
export type ChainVerification = z.output<typeof V1.ChainVerification>;

// ── webhooks ──
export type Webhook = z.output<typeof V1.WebhookView>;
export type WebhookCreateBody = z.input<typeof V1.WebhookCreate>;
export type WebhookPatchBody = z.input<typeof V1.WebhookPatch>;
export type WebhookList = z.output<typeof V1.WebhookList>;
export type WebhookDeleted = z.output<typeof V1.WebhookDeleted>;
export type Delivery = z.output<typeof V1.DeliveryView>;
export type DeliveryPage = z.output<typeof V1.DeliveryPage>;
export type DeliveriesQuery = Omit<Query<typeof V1.DeliveriesQuery>, 'cursor'>;

// ── workflows (definitions) ──
export type WorkflowListItem = z.output<typeof V1.WorkflowListItem>;
export type WorkflowList = z.output<typeof V1.WorkflowList>;
export type WorkflowDetail = z.output<typeof V1.WorkflowDetail>;
export type RegisterQuery = Query<typeof V1.RegisterQuery>;
export type Registered = z.output<typeof V1.Registered>;
export type Retired = z.output<typeof V1.Retired>;
/** A definition as `POST /v1/workflows` takes it. */
export type DefinitionInput = V1.DefinitionInput;

// ── policies ──
export type Policy = z.output<typeof V1.PolicyView>;
export type PolicyList = z.output<typeof V1.PolicyList>;
export type PolicyBody = z.input<typeof V1.PolicyBody>;
export type PolicyQuery = Query<typeof V1.PolicyQuery>;

// ── errors ──
/** Every /v1 error body. */
export type ApiErrorBody = z.output<typeof V1.V1Error>;
