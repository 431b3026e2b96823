"""Another service deciding holdpoint runs through Temporal's Python SDK, as README shows.

It sends `decide` the way a typed Python service does (a dataclass whose unset fields are None, so
the payload carries nulls, and `group:`-prefixed groups), as a signal, then waits for the outcome
the documented way: the `awaitSettled` update, and when the run closed before the update landed
(Temporal then answers the update with an error), the `getRun` query, which a closed run answers
from its history. One JSON line per run.
"""

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, List, Optional

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

parser = argparse.ArgumentParser()
parser.add_argument("--address", required=True)
parser.add_argument("--runs", required=True, help="comma-separated run ids, each paused at step 'approval'")
args = parser.parse_args()


@dataclass
class Decision:
    """holdpoint's `decide` payload as a Python service would type it (see decide.input.schema.json)."""

    value: Any = None
    request_id: Optional[str] = None
    step: Optional[str] = None
    action: Optional[str] = None
    comment: Optional[str] = None
    by: Optional[str] = None
    groups: Optional[List[str]] = None
    digest: Optional[str] = None
    idempotency_key: Optional[str] = None
    wait_ms: Optional[int] = None


async def decide_and_wait(client: Client, run_id: str) -> dict:
    handle = client.get_workflow_handle(run_id)
    decision = Decision(value="approve", step="approval", by="crm-service", groups=["group:sales-ops"], comment="auto-approved by the CRM")
    # The SDK's converter sends the dataclass as JSON, its unset fields as null.
    await handle.signal("decide", decision)
    try:
        run = await handle.execute_update("awaitSettled", {"wait_ms": 10000})
        how = "update"
    except (WorkflowUpdateFailedError, RPCError) as err:
        # The run closed before the update reached it: read its final state instead.
        run = await handle.query("getRun")
        how = f"query after {type(err).__name__}"
    return {"run_id": run_id, "status": run["status"], "how": how, "decided_by": run["steps"][0].get("decision", {}).get("by"), "comment": run["steps"][0].get("decision", {}).get("comment")}


async def main() -> None:
    client = await Client.connect(args.address, namespace="default")
    for run_id in args.runs.split(","):
        print(json.dumps(await decide_and_wait(client, run_id)), flush=True)


asyncio.run(main())
# Every result is printed and flushed. Skip the interpreter's finalization: with the SDK's core
# runtime threads still alive it can abort ("PyGILState_Release: thread state ... must be current"),
# which turned a run whose 50 answers were all right into a failure.
sys.stdout.flush()
os._exit(0)
