import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { membershipBase } from '../../src/temporal/cluster';
import { LATENCY_DYNAMIC_CONFIG } from '../../src/temporal/dev-server';

/** The cluster's and compose's dynamic config, one file for both. */
const clusterConfig = parse(readFileSync(resolve(__dirname, '../../config/temporal/dynamicconfig/development-sql.yaml'), 'utf8')) as Record<
  string,
  { value: unknown; constraints: object }[]
>;

describe("the Temporal servers' dynamic config", () => {
  it.each(Object.entries(LATENCY_DYNAMIC_CONFIG))('gives the dev server and the cluster the same %s', (key, value) => {
    expect(clusterConfig[key]).toEqual([{ value, constraints: {} }]);
  });

  it('keeps the round-trip setting', () => {
    expect(LATENCY_DYNAMIC_CONFIG['history.transferProcessorMaxPollRPS']).toBeGreaterThanOrEqual(100);
  });
});

describe("the cluster's membership ports", () => {
  it("are Temporal's own 300 below the frontend where they fit", () => {
    expect(membershipBase(7233)).toBe(6933);
    expect(membershipBase(30_000)).toBe(29_700);
  });

  it('fit the SMALLINT column and are the same on every restart for a frontend above it', () => {
    const seen = new Set<number>();
    for (const frontend of [33_000, 33_074, 40_123, 50_000, 65_525]) {
      const base = membershipBase(frontend);
      expect(base).toBeGreaterThanOrEqual(20_000);
      expect(base + 6).toBeLessThanOrEqual(32_767);
      expect(membershipBase(frontend)).toBe(base);
      seen.add(base);
    }
    // Different frontends (two clusters on one machine) get different membership ports.
    expect(seen.size).toBe(5);
  });
});
