import type { Drill } from '../report';
import { seconds } from '../report';
import { underLoad, until } from './under-load';

/**
 * kill -9 a gateway while it holds starts and decisions; the client retries each against the other
 * gateway with the same Idempotency-Key. Recovery: from the kill to the last of the cut-off calls
 * answered elsewhere.
 */
export const gatewayKill: Drill = {
  name: 'gateway-kill',
  title: 'kill -9 a gateway mid-request; clients retry on the other with their idempotency keys',
  backend: 'cluster',
  run: (ctx) =>
    underLoad(ctx, 'gateway-kill', async () => {
      const { topology } = ctx;
      const stats = topology.client.stats;
      const victim = topology.gateways[0]!;
      const held = () => stats.inFlightByKind[0] ?? { start: 0, decide: 0, read: 0, admin: 0 };
      // Starts and decisions at once: the start burst is under way when the first runs pause.
      await until('starts and decisions in flight on gateway-0', () => held().start >= 1 && held().decide >= 2, 90_000);
      const cut = { ...held() };
      const killedAt = Date.now();
      await victim.process.kill9();
      const replacement = await topology.startGateway(0);
      const replacementMs = Date.now() - killedAt;
      // The calls it held fail within moments of the kill; each is answered on a retry.
      const cutOff = () => stats.failovers.filter((f) => f.gateway === 0 && f.failedAt >= killedAt && f.failedAt - killedAt < 1_000);
      const inFlightAtKill = cut.start + cut.decide + cut.read;
      await until('the calls cut off by the kill answered', () => cutOff().length >= inFlightAtKill, 60_000);
      const recoverMs = Math.max(0, ...cutOff().map((f) => f.answeredAt - killedAt));
      const failovers = stats.failovers.filter((f) => f.gateway === 0 && f.failedAt >= killedAt);
      const kinds = (k: string) => failovers.filter((f) => f.kind === k).length;
      return {
        recoverMs,
        notes: [
          `killed ${victim.process.name} (pid ${victim.process.pid}) holding ${cut.start} starts, ${cut.decide} decisions, ${cut.read} reads; replacement ${replacement.process.name} on the same port after ${seconds(replacementMs)}`,
          `${failovers.length} calls failed on it and were answered on a retry (${kinds('start')} starts, ${kinds('decide')} decisions, ${kinds('read')} reads; ${failovers.filter((f) => f.answeredBy !== 0).length} by the other gateway)`,
        ],
      };
    }),
};
