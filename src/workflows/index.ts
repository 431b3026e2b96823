// The workflows a holdpoint worker registers. Deterministic code only: see ../../STYLE.md, point 1.
export { holdpointRun } from './run';
export { holdpointRefusals } from './refusals';
export { holdpointHub } from './hub';
export { holdpointEventBus } from './event-bus';
export { holdpointWebhookDelivery } from './webhook-delivery';
export { holdpointSlackThread } from './slack-thread';
export { holdpointDefinition } from './definition-entity';
export { holdpointToolPolicies } from './policies';
