#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases (what auto-setup used to do). The one
# schema job for both places: docker-compose.yml's temporal-admin-tools service runs it in the
# temporalio/admin-tools image, and the local cluster (src/temporal/cluster.ts) runs it with the
# temporal-sql-tool and schema files built from the same server version (TEMPORAL_SQL_TOOL,
# TEMPORAL_SCHEMA_DIR).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_DIR="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
SQL_TOOL="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"

# In compose PostgreSQL may still be starting; the local cluster has waited for it already.
if command -v nc >/dev/null 2>&1; then
  until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"; sleep 1; done
fi

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) dir="$SCHEMA_DIR/temporal/versioned" ;;
    *) dir="$SCHEMA_DIR/visibility/versioned" ;;
  esac
  tool="$SQL_TOOL --plugin postgres12 --ep $POSTGRES_SEEDS -u $POSTGRES_USER -p $DB_PORT --pw $POSTGRES_PWD --db $db"
  # A new database gets the base schema; an existing one (a restarted stack) is only migrated forward.
  if $tool create; then
    $tool setup-schema -v 0.0
  else
    echo "database $db already exists"
  fi
  $tool update-schema -d "$dir"
done
echo "Temporal schema is ready"
