import { join } from 'node:path';
import { z } from 'zod';

const Port = z.coerce.number().int().min(0).max(65_535);
const Blank = z.literal('').transform(() => undefined);
const optional = <T extends z.ZodType>(schema: T) => z.union([Blank, schema]).optional();

/**
 * The settings only the local Temporal cluster reads (`npm run start:cluster`,
 * `HOLDPOINT_TEST_TEMPORAL=cluster npm test`); ports, data and cache directories come from the
 * holdpoint settings `npm start` uses too (TEMPORAL_DEV_PORT, TEMPORAL_UI_PORT, HOLDPOINT_DATA_DIR,
 * HOLDPOINT_TEMPORAL_CACHE).
 */
const Env = z.object({
  /** PostgreSQL's port; 0 picks a free one on each start (printed, with a psql command). */
  HOLDPOINT_POSTGRES_PORT: Port.default(0),
  /** A directory holding postgres, initdb and pg_isready, instead of Debian's /usr/lib/postgresql/<v>/bin. */
  HOLDPOINT_POSTGRES_BIN: optional(z.string().min(1)),
  /** A directory with temporal-server, temporal-sql-tool and schema/postgresql/v12, instead of building them. */
  HOLDPOINT_TEMPORAL_SERVER_DIR: optional(z.string().min(1)),
  /** A Temporal ui-server binary, instead of building it. */
  HOLDPOINT_TEMPORAL_UI_SERVER: optional(z.string().min(1)),
  /** `false` runs the cluster without its Web UI (and skips building it). */
  HOLDPOINT_CLUSTER_UI: z.enum(['true', 'false']).default('true'),
});

export interface ClusterConfig {
  postgresPort: number;
  withUi: boolean;
  explicit: { serverDir: string | undefined; uiServer: string | undefined; postgresBin: string | undefined };
}

/** Reads the cluster's settings once; throws naming every variable that is wrong. */
export function loadClusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new Error(`holdpoint cluster configuration is invalid:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    postgresPort: e.HOLDPOINT_POSTGRES_PORT,
    withUi: e.HOLDPOINT_CLUSTER_UI === 'true',
    explicit: { serverDir: e.HOLDPOINT_TEMPORAL_SERVER_DIR, uiServer: e.HOLDPOINT_TEMPORAL_UI_SERVER, postgresBin: e.HOLDPOINT_POSTGRES_BIN },
  };
}

/** Where `npm run start:cluster` keeps the cluster (its PostgreSQL data: every run). */
export function clusterDataDir(dataDir: string): string {
  return join(dataDir, 'cluster');
}
