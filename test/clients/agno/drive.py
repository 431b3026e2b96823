"""Drives holdpoint's AgentOS face with Agno's own, unchanged client (agno.client.AgentOSClient).

usage: python drive.py --base-url URL --key KEY [--approver-key KEY] [--workflow agno-deploy]

Every step prints one JSON line: what the client returned (the fields a user of the client reads).
Requirements are resolved the Agno way, as the golden transcripts do: `RunRequirement.from_dict(...)`
with `.confirm()` / `.reject(note)` for tool calls, `StepRequirement.select()` for a route.
"""

import argparse
import asyncio
import copy
import json
import logging
import time

from agno.client import AgentOSClient
from agno.db.base import SessionType
from agno.run.requirement import RunRequirement
from agno.workflow.types import StepRequirement

args = argparse.ArgumentParser()
args.add_argument("--base-url", required=True)
args.add_argument("--key", required=True)
args.add_argument("--approver-key")
args.add_argument("--workflow", default="agno-deploy")
opts = args.parse_args()

AUTH = {"Authorization": f"Bearer {opts.key}"}
APPROVER = {"Authorization": f"Bearer {opts.approver_key or opts.key}"}
WF = opts.workflow
RELEASE = json.dumps({"app": "payments", "version": "2.1", "environment": "production"})
client = AgentOSClient(base_url=opts.base_url, timeout=60)


class Errors(logging.Handler):
    """What the client logs at ERROR (it logs, and skips, frames it cannot parse)."""

    records = []

    def emit(self, record):
        self.records.append(self.format(record)[:300])


for name in ("agno", "agno-team", "agno-workflow"):
    logging.getLogger(name).addHandler(Errors(level=logging.ERROR))


def out(step, **fields):
    print(json.dumps({"step": step, **fields}, default=str), flush=True)


def run_summary(o):
    """The parsed WorkflowRunOutput, as a user of the client sees it."""
    return {
        "type": type(o).__name__,
        "run_id": o.run_id,
        "session_id": o.session_id,
        "workflow_id": o.workflow_id,
        "status": str(o.status),
        "is_paused": o.is_paused,
        "pause_kind": str(o.pause_kind) if o.pause_kind else None,
        "paused_step_name": o.paused_step_name,
        "content": o.content,
        "step_results": [s.step_name for s in (o.step_results or [])],
        "tools": [
            [t.tool_name, t.confirmed, t.result]
            for r in (o.step_executor_runs or [])
            for t in (getattr(r, "tools", None) or [])
        ],
        "requirements": [type(r).__name__ for r in (o.step_requirements or [])],
        "active": len(o.active_step_requirements),
        "executor_resolution": len(o.steps_requiring_executor_resolution),
        "metrics": type(o.metrics).__name__ if o.metrics else None,
    }


def resolve_exec(step_reqs, action, note=None):
    """Resolves the active (last) requirement's tool calls as the golden driver does."""
    active = step_reqs[-1]
    resolved = []
    for er in active.executor_requirements or []:
        rr = RunRequirement.from_dict(copy.deepcopy(er)) if isinstance(er, dict) else er
        if action == "confirm":
            rr.confirm()
        else:
            rr.reject(note=note)
        resolved.append(rr)
    active.executor_requirements = resolved
    return step_reqs


async def collect(stream):
    events = []
    async for event in stream:
        events.append(event)
    return events


def event_names(events):
    return [getattr(e, "event", type(e).__name__) for e in events]


async def until(check, seconds=30):
    """Waits (with a deadline) for what visibility shows a moment after the write."""
    deadline = time.monotonic() + seconds
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


async def main():
    config = client.get_config(headers=AUTH)
    out("config", type=type(config).__name__, os_id=config.os_id, workflows=[w.id for w in config.workflows])

    listed = await client.list_workflows(headers=AUTH)
    out("list_workflows", types=sorted({type(w).__name__ for w in listed}), ids=[w.id for w in listed])

    wf = client.get_workflow(WF, headers=AUTH)
    out("get_workflow", type=type(wf).__name__, id=wf.id, name=wf.name, steps=[[s["name"], s["type"]] for s in wf.steps], has_input_schema=wf.input_schema is not None)

    # Non-streamed: run until the tool asks, then confirm.
    run1 = await client.run_workflow(WF, message=RELEASE, user_id="end-user-7", headers=AUTH)
    out("run_paused", **run_summary(run1), tool=run1.step_requirements[-1].executor_requirements[0]["tool_execution"]["tool_name"])
    cont1 = await client.continue_workflow_run(WF, run1.run_id, resolve_exec(run1.step_requirements, "confirm"), session_id=run1.session_id, headers=AUTH)
    out("continue_confirmed", **run_summary(cont1))

    # Again, and reject with a note: the tool does not run, the model hears why.
    run2 = await client.run_workflow(WF, message=RELEASE, headers=AUTH)
    cont2 = await client.continue_workflow_run(WF, run2.run_id, resolve_exec(run2.step_requirements, "reject", note="Not during the freeze"), session_id=run2.session_id, headers=AUTH)
    out("continue_rejected", **run_summary(cont2), agent_text=next((s.content for s in cont2.step_results if s.step_name == "detailed_analysis"), None))

    # Streamed: run until WorkflowPaused, rebuild the requirements from it, continue streamed.
    events = await collect(client.run_workflow_stream(WF, message=RELEASE, headers=AUTH))
    paused = next(e for e in reversed(events) if getattr(e, "event", None) == "WorkflowPaused")
    out("stream_paused", events=event_names(events), types=[type(e).__name__ for e in events][-3:], run_id=paused.run_id, session_id=paused.session_id, pause_kind=str(paused.pause_kind))
    reqs = resolve_exec([StepRequirement.from_dict(copy.deepcopy(d)) for d in paused.step_requirements], "confirm")
    more = await collect(client.continue_workflow_run_stream(WF, paused.run_id, reqs, session_id=paused.session_id, headers=AUTH))
    done = more[-1]
    out("stream_continued", events=event_names(more), final=type(done).__name__, content=getattr(done, "content", None), run_content=[e.content for e in more if getattr(e, "event", None) == "RunContent"])

    # A route selection (a step pause with three options) decided through StepRequirement.select(),
    # by another key: whoever continues is the decider, and the approver rules apply to them.
    lead = await client.run_workflow("lead-router", message=json.dumps({"leadId": "lead-agno", "employees": 4000}), headers=AUTH)
    out("route_paused", **run_summary(lead), choices=lead.step_requirements[-1].available_choices)
    lead.step_requirements[-1].select("escalate")
    routed = await client.continue_workflow_run("lead-router", lead.run_id, lead.step_requirements, session_id=lead.session_id, headers=APPROVER)
    out("route_selected", **run_summary(routed))

    # Cancel a paused run: the client sends no body and no session id.
    run4 = await client.run_workflow(WF, message=RELEASE, headers=AUTH)
    cancelled = await client.cancel_workflow_run(WF, run4.run_id, headers=AUTH)
    after = await client.get_session_run(run4.session_id, run4.run_id, headers=AUTH)
    out("cancelled", returned=cancelled, type=type(after).__name__, run_id=after.run_id, status=after.status, workflow_id=after.workflow_id)

    # Sessions: every run above lives in one.
    async def listed_sessions():
        page = await client.get_sessions(session_type=SessionType.WORKFLOW, component_id=WF, headers=AUTH)
        ids = [s.session_id for s in page.data]
        return page if run1.session_id in ids and run4.session_id in ids else None

    page = await until(listed_sessions)
    out("sessions", types=sorted({type(s).__name__ for s in page.data}), ids=[s.session_id for s in page.data], names=[s.session_name for s in page.data], total=page.meta.total_count)
    session = await client.get_session(run1.session_id, headers=AUTH)
    out("session", type=type(session).__name__, session_id=session.session_id, session_name=session.session_name, workflow_id=session.workflow_id)
    runs = await client.get_session_runs(run1.session_id, headers=AUTH)
    out("session_runs", types=[type(r).__name__ for r in runs], runs=[[r.run_id, r.status, r.user_id] for r in runs])
    one = await client.get_session_run(run1.session_id, run1.run_id, headers=AUTH)
    out("session_run", type=type(one).__name__, run_id=one.run_id, status=one.status, events=[e.get("event") for e in (one.events or [])], content=one.content)
    previews = await client.aget_session_run_previews(run1.session_id, headers=AUTH)
    out("run_previews", types=[type(p).__name__ for p in previews], statuses=[p.status for p in previews])

    out("client_errors", errors=Errors.records)


asyncio.run(main())
