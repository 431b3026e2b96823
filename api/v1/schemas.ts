// The /v1 request schemas live in the contracts (shared with the typed client and the OpenAPI document).
export { CancelBody, EventsQueryParams, Instant, Label, ListQuery, PermissionModeBody, ResumeBody, ResumeStep, StartBody, Wait, WaitQuery } from '../../src/contracts/http/v1';
