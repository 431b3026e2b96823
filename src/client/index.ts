/** `holdpoint/client`: the typed client over holdpoint's `/v1` API. */
export { HoldpointClient } from './client';
export { HoldpointApiError, HoldpointConnectionError, HoldpointWaitTimeoutError } from './errors';
export type { HoldpointClientOptions } from './http';
export type { HoldOptions, WaitOptions } from './runs';
export type { DecideOptions } from './approvals';
export type { FeedItem, FeedOptions, RunStreamOptions } from './events';
export { TERMINAL_EVENTS } from './events';
export { Paginated, type Page } from './paging';
export type * from './types';
