import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
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
