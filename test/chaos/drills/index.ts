import type { Drill } from '../report';
import { decisionFlood } from './decision-flood';
import { gatewayKill } from './gateway-kill';
import { devServerRestart, postgresRestart, serverRestart } from './restarts';
import { webhookDown } from './webhook-down';
import { workerKill } from './worker-kill';

/** Every drill, in the order `npm run drill` runs them (the dev server's last: it brings its own topology). */
export const DRILLS: readonly Drill[] = [workerKill, gatewayKill, serverRestart, postgresRestart, webhookDown, decisionFlood, devServerRestart];
