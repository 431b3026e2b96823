// The workflows a holdpoint worker registers. Deterministic code only: see ../../STYLE.md, point 1.
export { holdpointRun } from './run';
export { holdpointRefusals } from './refusals';
