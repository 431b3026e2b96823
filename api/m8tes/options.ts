import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { Core } from '../../src/core';
import type { Logger } from '../../src/logger';
import type { LiveRouteOptions } from '../v1/events';

export interface M8tesOptions {
  core: Core;
  keys: ApiKeyRing;
  logger: Logger;
  /** SSE keep-alives and the gateway's open streams. */
  live: LiveRouteOptions;
  /**
   * How long an approval with `remember` waits for the run to store its policy, so the answer can say
   * whether it did (`remembered`). Decisions themselves answer at once, as m8tes' do. @default 5s
   */
  rememberWaitMs?: number;
}
