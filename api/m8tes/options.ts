import type { ApiKeyRing } from '../../src/auth/api-keys';
import type { Core } from '../../src/core';
import type { FaceOptions } from '../route';
import type { SseOptions } from '../streaming/sse';

export interface M8tesOptions {
  core: Core;
  keys: ApiKeyRing;
  /** SSE keep-alives and the gateway's open streams. */
  live: SseOptions;
  /** Where the face is mounted (the SDK's `base_url` ends in it). @default "/api/v2" */
  prefix?: string;
  /**
   * How long an approval with `remember` waits for the run to store its policy, so the answer can say
   * whether it did (`remembered`). Decisions themselves answer at once, as m8tes' do. @default 5s
   */
  rememberWaitMs?: number;
  /** Tests: check every answer against its declared schema. */
  checkResponse?: FaceOptions['checkResponse'];
}
