#!/bin/sh
# Waits for the Temporal frontend, then creates the namespace if it is missing (compose only: the
# local cluster registers it over gRPC with the same retention, src/temporal/cluster.ts).
set -eu
NAMESPACE="${DEFAULT_NAMESPACE:-default}"
MAX_ATTEMPTS=60
attempt=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then echo "Temporal at $TEMPORAL_ADDRESS is not healthy"; exit 1; fi
  echo "waiting for Temporal at $TEMPORAL_ADDRESS ($attempt/$MAX_ATTEMPTS)"
  sleep 2
done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --retention 72h
echo "namespace $NAMESPACE is ready"
