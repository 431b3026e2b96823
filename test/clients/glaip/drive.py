"""Drives holdpoint's GL AIP face with GL AIP's own Python client (PyPI glaip-sdk), unchanged.

Each scenario prints one JSON line with what the client returned or raised; the jest test
(test/api/glaip-client.test.ts) checks them against holdpoint's own record of the runs.
"""

import argparse
import json
import logging
import threading
import time
import uuid

from glaip_sdk import Client
from glaip_sdk.exceptions import APIError
from glaip_sdk.hitl import HITLDecision, HITLRequest, HITLResponse, RemoteHITLHandler
from glaip_sdk.utils.rendering.renderer.factory import make_silent_renderer

parser = argparse.ArgumentParser()
parser.add_argument("--url", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--viewer-key", required=True)
parser.add_argument("--agent", required=True, help="the workflow whose tool asks for confirmation")
parser.add_argument("--timeout-agent", required=True, help="a workflow whose confirmation times out (timeout_skip)")
args = parser.parse_args()

# The client's Rich logging handler prints every request; keep the output to our JSON lines.
logging.getLogger().setLevel(logging.WARNING)


def emit(scenario, **fields):
    print(json.dumps({"scenario": scenario, **fields}, default=str), flush=True)


def error_of(exc):
    return {"type": type(exc).__name__, "status": getattr(exc, "status_code", None), "message": str(exc)}


client = Client(api_url=args.url, api_key=args.key, timeout=30)
quiet = make_silent_renderer

# Health, listing and reading: agents are holdpoint's workflows, with UUID ids.
emit("ping", healthy=client.ping())
agents = client.list_agents()
emit("list", agents=[{"id": a.id, "name": a.name, "type": a.agent_type, "framework": a.framework} for a in agents])
agent = next(a for a in agents if a.name == args.agent)
timeout_agent = next(a for a in agents if a.name == args.timeout_agent)
fetched = client.get_agent(agent.id)
emit("get", id=fetched.id, name=fetched.name, instruction=fetched.instruction, uuid_ok=str(uuid.UUID(fetched.id)) == fetched.id)
found = client.find_agents(args.agent)
emit("find", names=[a.name for a in found])
try:
    client.get_agent("00000000-0000-4000-8000-000000000000")
    emit("get_unknown", raised=None)
except APIError as exc:
    emit("get_unknown", raised=error_of(exc))

# A run paused on a tool call, approved by the client's own HITL handler (a callback), on the same stream.
seen = []


def approver(request: HITLRequest) -> HITLResponse:
    seen.append({"request_id": request.request_id, "tool": request.tool_name, "args": request.tool_args, "timeout_at": request.timeout_at, "timeout_seconds": request.timeout_seconds})
    return HITLResponse(decision=HITLDecision.APPROVED, operator_input="LGTM from the glaip callback")


handler = RemoteHITLHandler(callback=approver, client=client)
text = agent.run("Send the offer to jane.doe@example.com", hitl_handler=handler, renderer=quiet())
emit("run_approved", text=text, requests=seen)

# The same, rejected: the reason reaches the agent, which answers without the tool.
seen_reject = []


def rejecter(request: HITLRequest) -> HITLResponse:
    seen_reject.append(request.request_id)
    return HITLResponse(decision=HITLDecision.REJECTED, operator_input="not before the budget review")


text = client.agents.run_agent(agent.id, "Send the offer to john@example.com", hitl_handler=RemoteHITLHandler(callback=rejecter, client=client), renderer=quiet())
emit("run_rejected", text=text, requests=seen_reject)

# No handler on the stream: another thread finds the request in the pending list and skips it.
skipped = {}


def skip_from_inbox():
    deadline = time.time() + 60
    while time.time() < deadline:
        pending = client.hitl.list_pending()
        mine = [p for p in pending if p.get("agent_id") == args.agent]
        if mine:
            item = mine[0]
            skipped["pending"] = item
            skipped["answer"] = client.hitl.skip(item["request_id"], operator_input="skip it", run_id="client-run-1")
            try:
                client.hitl.approve(item["request_id"])
                skipped["second"] = None
            except APIError as exc:
                skipped["second"] = error_of(exc)
            return
        time.sleep(0.2)


inbox = threading.Thread(target=skip_from_inbox)
inbox.start()
text = client.agents.run_agent(agent.id, "Send the offer to max@example.com", renderer=quiet())
inbox.join()
emit("run_skipped", text=text, **skipped)

# Traced, with the handler approving everything (GLAIP_HITL_AUTO_APPROVE's explicit form).
result = client.agents.run_agent(
    agent.id,
    "Send the offer to ada@example.com",
    hitl_handler=RemoteHITLHandler(client=client, auto_approve=True),
    renderer=quiet(),
    trace=True,
    runtime_config={"agent_config": {"planning": False}},
)
emit(
    "run_traced",
    text=result.text,
    run_id=result.run_id,
    usage={"input": result.usage.input_tokens, "output": result.usage.output_tokens} if result.usage else None,
    kinds=[(e.get("metadata") or {}).get("kind") for e in result.events],
)

# Nobody decides: holdpoint's timer settles it as timeout_skip and the agent goes on without the tool.
text = client.agents.run_agent(timeout_agent.id, "Send the offer to late@example.com", renderer=quiet())
emit("run_timeout_skip", text=text)

# Refusals: a viewer may not start runs, a wrong key is refused, an unknown request is not found.
viewer = Client(api_url=args.url, api_key=args.viewer_key, timeout=30)
try:
    viewer.agents.run_agent(agent.id, "nope", renderer=quiet())
    emit("viewer_run", raised=None)
except APIError as exc:
    emit("viewer_run", raised=error_of(exc))
try:
    Client(api_url=args.url, api_key="hp_wrong_key", timeout=30).list_agents()
    emit("bad_key", raised=None)
except APIError as exc:
    emit("bad_key", raised=error_of(exc))
try:
    client.hitl.approve("wfr_unknown.step.1")
    emit("decide_unknown", raised=None)
except APIError as exc:
    emit("decide_unknown", raised=error_of(exc))
