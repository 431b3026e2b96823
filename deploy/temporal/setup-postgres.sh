#!/bin/sh
# Creates and migrates Temporal's two PostgreSQL databases (what auto-setup used to do).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
DB_PORT="${DB_PORT:-5432}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

until nc -z "$POSTGRES_SEEDS" "$DB_PORT"; do echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$DB_PORT"; sleep 1; done

for db in temporal temporal_visibility; do
  case "$db" in
    temporal) dir="$SCHEMA_DIR/temporal/versioned" ;;
    *) dir="$SCHEMA_DIR/visibility/versioned" ;;
  esac
  tool="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -u $POSTGRES_USER -p $DB_PORT --pw $POSTGRES_PWD --db $db"
  # A new database gets the base schema; an existing one (a restarted stack) is only migrated forward.
  if $tool create; then
    $tool setup-schema -v 0.0
  else
    echo "database $db already exists"
  fi
  $tool update-schema -d "$dir"
done
echo "Temporal schema is ready"
