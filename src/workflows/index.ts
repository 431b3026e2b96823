// The workflows a holdpoint worker registers. Deterministic code only: see ../../STYLE.md, point 1.
// The sandbox's stack formatter (preloaded by the worker before the context is frozen; see the module).
import './stack-traces';
export { holdpointRun } from './run';
export { holdpointRefusals } from './refusals';
export { holdpointHub } from './hub';
export { holdpointEventBus } from './event-bus';
export { holdpointWebhookDelivery } from './webhook-delivery';
export { holdpointSlackThread } from './slack-thread';
export { holdpointDefinition } from './definition-entity';
export { holdpointToolPolicies } from './policies';
