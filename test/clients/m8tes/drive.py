"""Drives holdpoint's m8tes face with m8tes' own, unchanged SDK (PyPI m8tes 4.49.0).

usage: python drive.py --base-url URL/api/v2 --key KEY --admin-key KEY [--agent m8-assistant]

`--key` starts runs and decides their gates (an approver and operator); `--admin-key` manages
pre-approvals and webhooks. Every step prints one JSON line: what the SDK returned or raised (the
fields a user of the SDK reads). The suite (test/api/m8tes-client.test.ts) checks them against what
holdpoint recorded.
"""

import argparse
import http.server
import itertools
import json
import logging
import threading
import time
import uuid

from m8tes import M8tes
from m8tes._exceptions import M8tesError
from m8tes._resources.webhooks import Webhooks

args = argparse.ArgumentParser()
args.add_argument("--base-url", required=True)
args.add_argument("--key", required=True)
args.add_argument("--admin-key", required=True)
args.add_argument("--agent", default="m8-assistant")
opts = args.parse_args()

client = M8tes(api_key=opts.key, base_url=opts.base_url, timeout=60)
admin = M8tes(api_key=opts.admin_key, base_url=opts.base_url, timeout=60)
FAST = {"interval": 0.2, "timeout": 60}


class Warnings(logging.Handler):
    """What the SDK warns about (unknown stream frames, refused gates it rode out)."""

    records = []

    def emit(self, record):
        self.records.append(self.format(record)[:300])


logging.getLogger("m8tes").addHandler(Warnings(level=logging.WARNING))


def out(step, **fields):
    print(json.dumps({"step": step, **fields}, default=str), flush=True)


def refused(exc):
    """An SDK exception as a caller sees it."""
    return {
        "class": type(exc).__name__,
        "status": getattr(exc, "status_code", None),
        "code": getattr(exc, "code", None),
        "error_code": getattr(exc, "error_code", None),
        "message": str(getattr(exc, "message", exc))[:300],
    }


def attempt(call):
    try:
        return {"ok": call()}
    except M8tesError as exc:
        return {"refused": refused(exc)}
    except RuntimeError as exc:
        return {"refused": {"class": type(exc).__name__, "message": str(exc)[:300]}}


def run_fields(run):
    return {
        "id": run.id,
        "id_type": type(run.id).__name__,
        "teammate_id": run.teammate_id,
        "status": run.status,
        "output": run.output,
        "error": run.error,
        "user_id": run.user_id,
        "permission_mode": run.permission_mode,
        "metadata": run.metadata,
        "started_by": run.started_by,
    }


def request_fields(req):
    return {
        "request_id": req.request_id,
        "tool_name": req.tool_name,
        "status": req.status,
        "tool_input": req.tool_input,
        "resumed": req.resumed,
        "remembered": req.remembered,
        "can_remember": req.can_remember,
        "is_plan_approval": req.is_plan_approval,
        "auto_resolved": req.auto_resolved,
    }


def pending(run_id, tool_name=None, deadline=30):
    """The run's pending gates once it waits on one (named `tool_name`, when given)."""
    end = time.monotonic() + deadline
    while True:
        gates = [r for r in client.runs.permissions(run_id) if r.status == "pending"]
        if gates and (tool_name is None or gates[0].tool_name == tool_name):
            return gates
        if time.monotonic() > end:
            raise TimeoutError(f"run {run_id} has no pending {tool_name or 'gate'}: {[(g.tool_name, g.status) for g in client.runs.permissions(run_id)]}")
        time.sleep(0.1)


class Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver, as an m8tes customer runs one."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        Receiver.received.append({"headers": dict(self.headers.items()), "body": body})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_):
        pass


# ── agents ──────────────────────────────────────────────────────────────────────────────
agents = client.agents.list()
agent = next(a for a in agents if a.name == opts.agent)
out("agents", names=[a.name for a in agents.auto_paging_iter()], id=agent.id, id_type=type(agent.id).__name__, tools=agent.tools, got=client.agents.get(agent.id).name)
AGENT = agent.id

# ── a webhook first, so the worker knows it by the time a run needs it ─────────────────
server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{server.server_port}/m8tes-hook"
hook = admin.webhooks.create(url=hook_url, events=["run.awaiting_input", "run.completed"])
out("webhook_created", id=hook.id, id_type=type(hook.id).__name__, events=hook.events, has_secret=bool(hook.secret), active=hook.active, user_id=hook.user_id)

# ── the permission-mode table ─────────────────────────────────────────────────────────────
out("forbidden_modes", **{mode: attempt(lambda mode=mode: client.runs.create(message="x", teammate_id=AGENT, stream=False, human_in_the_loop=False, permission_mode=mode)) for mode in ("approval", "plan")})

run = client.runs.create(message="Email the customer", teammate_id=AGENT, stream=False, metadata={"ticket": "T-9"})
out("create_plain", **run_fields(run))
out("poll_plain", **run_fields(client.runs.poll(run.id, **FAST)))

# ── autonomous with a person: a clarifying question answered by on_question ──────────────
asked = []


def answer_region(req):
    asked.append(req.tool_input["questions"][0]["question"])
    return {req.tool_input["questions"][0]["question"]: "EU"}


done = client.runs.create_and_wait(message="Email the customer", teammate_id=AGENT, human_in_the_loop=True, permission_mode="autonomous", on_question=answer_region, poll_interval=0.2, poll_timeout=60)
out("autonomous_hitl", asked=asked, **run_fields(done))

# ── approval: wait() with callbacks, deny lookups, allow the rest ─────────────────────────
approvals = []


def approve_tools(req):
    approvals.append([req.tool_name, req.tool_input])
    return "deny" if req.tool_name == "lookup" else "allow"


run = client.runs.create(message="Email the customer", teammate_id=AGENT, stream=False, human_in_the_loop=True, permission_mode="approval", user_id="cust_wait")
done = client.runs.wait(run.id, on_question=answer_region, on_approval=approve_tools, **FAST)
out("approval_wait", approvals=approvals, gates=[[g.tool_name, g.status] for g in client.runs.permissions(run.id)], **run_fields(done))

# wait() without the callback it needs raises instead of approving on the caller's behalf.
run = client.runs.create(message="Email the customer", teammate_id=AGENT, stream=False, human_in_the_loop=True, permission_mode="approval", user_id="cust_nocb")
out("wait_without_callback", **attempt(lambda: client.runs.wait(run.id, on_question=answer_region, **FAST)))
client.runs.cancel(run.id)

# ── approve by hand: allow, allow + remember, the same again, the other way ───────────────
run = client.runs.create(message="Email the customer", teammate_id=AGENT, stream=False, human_in_the_loop=True, permission_mode="approval", user_id="cust_remember")
question = pending(run.id, "AskUserQuestion")[0]
out("answer", result=client.runs.answer(run.id, answers={"Region": "US"}), question=request_fields(question))
lookup = pending(run.id, "lookup")[0]
out("approve_allow", **request_fields(client.runs.approve(run.id, request_id=lookup.request_id, decision="allow")))
email = pending(run.id, "send_email")[0]
out("approve_remember", **request_fields(client.runs.approve(run.id, request_id=email.request_id, decision="allow", remember=True)))
out("approve_same_again", **attempt(lambda: request_fields(client.runs.approve(run.id, request_id=email.request_id, decision="allow", remember=True))))
out("approve_contradicted", **attempt(lambda: client.runs.approve(run.id, request_id=email.request_id, decision="deny", reason="changed my mind")))
out("approve_unknown", **attempt(lambda: client.runs.approve(run.id, request_id=f"{email.request_id}9", decision="allow")))
done = client.runs.poll(run.id, **FAST)
out("remember_done", gates=[[g.tool_name, g.status, g.remembered] for g in client.runs.permissions(run.id)], **run_fields(done))
out("answer_after_end", **attempt(lambda: client.runs.answer(run.id, answers={"Region": "EU"}, request_id=question.request_id)))
out("remembered_policy", policies=[[p.tool_name, p.user_id, p.source, type(p.id).__name__] for p in client.permissions.list(user_id="cust_remember")])

# ── pre-approve for cust_123: the gates vanish (wait() has no on_approval and must not need one) ──
p1 = admin.permissions.create(tool="lookup", user_id="cust_123")
p2 = admin.permissions.create(tool="send_email", user_id="cust_123")
again = admin.permissions.create(tool="lookup", user_id="cust_123")
out("preapproved", ids=[p1.id, p2.id, again.id], tools=[p.tool_name for p in admin.permissions.list(user_id="cust_123")], source=p1.source)
run = client.runs.create(message="Email the customer", teammate_id=AGENT, stream=False, human_in_the_loop=True, permission_mode="approval", user_id="cust_123")
done = client.runs.wait(run.id, on_question=answer_region, **FAST)
out("preapproved_run", gates=[g.tool_name for g in client.runs.permissions(run.id)], **run_fields(done))
admin.permissions.delete(p1.id, user_id="cust_123")
admin.permissions.delete(p2.id, user_id="cust_123")
out("preapproval_deleted", left=[p.tool_name for p in admin.permissions.list(user_id="cust_123")], again=attempt(lambda: admin.permissions.delete(p1.id, user_id="cust_123")))

# ── plan: revise twice (by the plan's text, then by its header), then approve ─────────────
plans = []


def plan_or_region(req):
    if not req.is_plan_approval:
        return answer_region(req)
    plans.append(req.plan_text)
    if len(plans) == 1:
        return {req.plan_text: "Do not email b@"}
    if len(plans) == 2:
        return {"Plan Approval": "Shorter, please"}
    return {"Plan Approval": "Approve"}


done = client.runs.create_and_wait(message="Email the customer", teammate_id=AGENT, human_in_the_loop=True, permission_mode="plan", on_question=plan_or_region, poll_interval=0.2, poll_timeout=60)
out("plan", plans=plans, **run_fields(done))

# ── streams: create streaming (ends quietly at the gate), switch mode, rejoin to the end ──
with client.runs.create(message="Email the customer", teammate_id=AGENT, human_in_the_loop=True, permission_mode="approval") as stream:
    frames = [e.raw.get("type") for e in stream]
    run_id = stream.run_id
out("stream_to_gate", run_id=run_id, frames=frames)
question = pending(run_id, "AskUserQuestion")[0]
client.runs.answer(run_id, answers={"Which region?": "EU"}, request_id=question.request_id)
pending(run_id, "lookup")
out("mode_switch", mode=client.runs.update_permission_mode(run_id, permission_mode="autonomous").permission_mode)
client.runs.poll(run_id, **FAST)
rejoined = client.runs.stream(run_id)
frames = [e.raw.get("type") for e in rejoined]
out("stream_rejoined", frames=frames, text=rejoined.text, errors=rejoined.errors)
out("stream_text_default_agent", text="".join(client.runs.stream_text(message="Hello there", raise_on_error=True)))

# ── idempotency: the same key answers the same run; a streaming retry joins its stream ──
KEY = f"drive-{uuid.uuid4()}"
WAITING_USER = f"cust_waiting_{uuid.uuid4().hex[:8]}"
first = client.runs.create(message="Once", teammate_id=AGENT, stream=False, human_in_the_loop=True, user_id=WAITING_USER, idempotency_key=KEY)
second = client.runs.create(message="Once", teammate_id=AGENT, stream=False, human_in_the_loop=True, user_id=WAITING_USER, idempotency_key=KEY)
pending(first.id)
with client.runs.create(message="Once", teammate_id=AGENT, human_in_the_loop=True, user_id=WAITING_USER, idempotency_key=KEY) as joined:
    joined_frames = [e.raw.get("type") for e in joined]
out("idempotent", first=first.id, second=second.id, joined=joined.run_id, joined_frames=joined_frames)

# ── lists, needs-you, cancel, reply ───────────────────────────────────────────────────────
needs = client.runs.needs_you(user_id=WAITING_USER)
out("needs_you", count=needs.count, items=[[i.run_id, i.title, i.mate_name] for i in needs.items])
page = client.runs.list(user_id="cust_wait", limit=1)
paged = list(itertools.islice(client.runs.list(limit=2, teammate_id=AGENT, status="completed").auto_paging_iter(), 6))
out("list", first=[r.id for r in page], has_more=page.has_more, paged=[[r.id, r.status, r.teammate_id] for r in paged])
out("cancel", **run_fields(client.runs.cancel(first.id)))
out("get_unknown", **attempt(lambda: client.runs.get(987654321)))
reply = client.runs.reply_and_wait(done.id, message="And a follow-up", human_in_the_loop=False, poll_interval=0.2, poll_timeout=60)
out("reply", **run_fields(reply))

# ── the webhook: an awaiting_input delivery, verified with the SDK's own helper ───────────
run = client.runs.create(message="Email the customer", teammate_id=AGENT, stream=False, human_in_the_loop=True)
end = time.monotonic() + 20
delivery = None
while delivery is None and time.monotonic() < end:
    delivery = next((d for d in Receiver.received if json.loads(d["body"]).get("run_id") == run.id and json.loads(d["body"]).get("event") == "run.awaiting_input"), None)
    time.sleep(0.1)
body = json.loads(delivery["body"]) if delivery else None
out(
    "webhook_delivery",
    event=body and body["event"],
    run_id=body and body["run_id"],
    status=body and body["data"]["status"],
    verified=bool(delivery) and Webhooks.verify_signature(delivery["body"], delivery["headers"], hook.secret, tolerance_seconds=300),
    tampered=bool(delivery) and Webhooks.verify_signature(delivery["body"] + " ", delivery["headers"], hook.secret),
    wrong_secret=bool(delivery) and Webhooks.verify_signature(delivery["body"], delivery["headers"], "whsec_wrong"),
)
client.runs.wait(run.id, on_question=answer_region, **FAST)
end = time.monotonic() + 20
while True:
    deliveries = [d for d in admin.webhooks.list_deliveries(hook.id) if d.run_id == run.id]
    if [d.status for d in deliveries] == ["delivered", "delivered"] or time.monotonic() > end:
        break
    time.sleep(0.2)
out("webhook_deliveries", items=[[d.event_type, d.run_id, d.status, d.response_status_code, type(d.id).__name__] for d in deliveries])
rotated = admin.webhooks.update(hook.id, rotate_secret=True)
out("webhook_admin", got=admin.webhooks.get(hook.id).url, listed=[w.id for w in admin.webhooks.list()], rotated=bool(rotated.secret) and rotated.secret != hook.secret)
admin.webhooks.delete(hook.id)
out("webhook_deleted", get=attempt(lambda: admin.webhooks.get(hook.id)))
server.shutdown()

out("warnings", records=Warnings.records)
