"""The auditor API on cases the real workflow produced: every endpoint, auditors only (SQLite and PostgreSQL)."""

import csv
import io
from datetime import timedelta

from sqlalchemy import select, text
from sqlmodel import Session

from models.tables import AuditLog
from tests.api.conftest import headers_for

AUDITOR = ("U-audit1", "auditor")
OTHERS = [
    ("U-alice", "consumer"),
    ("U-shop1", "merchant"),
    ("U-agent1", "agent"),
    ("U-super1", "supervisor"),
    ("U-admin1", "admin"),
]


def as_auditor(stack) -> dict:
    return headers_for(stack.api, *AUDITOR)


def endpoints(stack) -> list[tuple[str, str, dict | None]]:
    cid = stack.cases["tier1_resolved"]
    window = {
        "closed_from": stack.started_at.isoformat(),
        "closed_to": (stack.started_at + timedelta(days=400)).isoformat(),
    }
    return [
        ("GET", f"/audit/cases/{cid}/timeline", None),
        ("GET", f"/audit/cases/{cid}/timeline?format=csv", None),
        ("GET", f"/audit/cases/{cid}/history", None),
        ("GET", f"/audit/cases/{cid}/history?decoded=true", None),
        ("GET", f"/audit/cases/{cid}/replay", None),
        ("GET", f"/audit/cases/{cid}/state?event_id=5", None),
        ("GET", "/audit/chain", None),
        ("POST", "/audit/replays", window),
        ("POST", "/audit/what-if", {"policy": {}, "complaint_ids": [cid]}),
    ]


async def test_every_audit_endpoint_refuses_every_other_role_and_anonymous_callers(audit_stack):
    http = audit_stack.api.http
    for method, url, body in endpoints(audit_stack):
        assert (await http.request(method, url, json=body)).status_code == 401, url
        for user, role in OTHERS:
            response = await http.request(method, url, json=body, headers=headers_for(audit_stack.api, user, role))
            assert response.status_code == 403, (url, role)
            assert response.json()["error"]["code"] == "forbidden"


async def test_timeline_tells_the_case_in_plain_words_consistent_with_history_and_log(audit_stack):
    cid = audit_stack.cases["tier1_resolved"]
    response = await audit_stack.api.http.get(f"/audit/cases/{cid}/timeline", headers=as_auditor(audit_stack))
    assert response.status_code == 200
    body = response.json()
    assert body["consistent"] and body["problems"] == []
    api_rows = [e for e in body["entries"] if e["seq"] is None]  # rows the API wrote: the refusals above
    assert (
        api_rows
        and {e["action"] for e in api_rows} == {"access_refused"}
        and all(e["source"] == "audit" for e in api_rows)
    )
    entries = [e for e in body["entries"] if e["seq"] is not None]
    assert entries[0]["action"] == "filed" and entries[0]["actor_kind"] == "consumer"
    assert entries[-1]["action"] == "closed" and entries[-1]["stage_after"] == "closed"
    assert all(e["source"] == "audit+history" and e["history_event_id"] for e in entries)
    assert {"consumer", "agent", "merchant", "deadline", "system"} <= {e["actor_kind"] for e in entries}
    paid = [e["money"] for e in entries if e["money"] and e["money"]["kind"] == "paid"]
    assert [m["step"] for m in paid] == ["merchant_refund"] and paid[0]["amount_minor"] == 19900
    assert body["money_totals_minor"]["paid"] == 19900 and body["money_totals_minor"]["recovered"] == 0
    assert any(e["sla"] for e in entries) and "Agent agent1 confirmed" in " ".join(e["summary"] for e in entries)
    assert all(e["policy_version"] for e in entries)
    as_csv = await audit_stack.api.http.get(f"/audit/cases/{cid}/timeline?format=csv", headers=as_auditor(audit_stack))
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(rows) == len(body["entries"]) + len(body["money_lines"]) and rows[-1]["action"] == "total"
    assert rows[0]["action"] == "filed" and any(r["money"] == "199.00 CNY" for r in rows)


async def test_an_edited_audit_row_shows_in_the_timeline_and_the_chain_verdict(audit_stack):
    cid = audit_stack.cases["tier1_resolved"]
    with Session(audit_stack.engine) as s:
        row = (
            s.execute(select(AuditLog).where(AuditLog.complaint_id == cid, AuditLog.action == "offer_accepted"))
            .scalars()
            .one()
        )
    http, auth = audit_stack.api.http, as_auditor(audit_stack)
    assert (await http.get("/audit/chain", headers=auth)).json()["ok"] is True
    edit = text("UPDATE audit_log SET reason = :reason WHERE id = :id")
    with audit_stack.engine.begin() as conn:
        conn.execute(edit, {"reason": "consumer demanded more", "id": row.id})
    try:
        verdict = (await http.get("/audit/chain", headers=auth)).json()
        assert (verdict["ok"], verdict["first_broken_id"]) == (False, row.id)
        timeline = (await http.get(f"/audit/cases/{cid}/timeline", headers=auth)).json()
        assert not timeline["consistent"]
        assert any(f"audit row {row.id}" in p and "reason" in p for p in timeline["problems"])
    finally:
        with audit_stack.engine.begin() as conn:
            conn.execute(edit, {"reason": row.reason, "id": row.id})
    assert (await http.get("/audit/chain", headers=auth)).json()["ok"] is True


async def test_history_exports_raw_and_decoded_and_a_decoded_read_is_audited(audit_stack):
    cid = audit_stack.cases["tier1_resolved"]
    http, auth = audit_stack.api.http, as_auditor(audit_stack)
    raw = (await http.get(f"/audit/cases/{cid}/history", headers=auth)).json()
    assert raw["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    decoded = (await http.get(f"/audit/cases/{cid}/history?decoded=true", headers=auth)).json()
    started = decoded["events"][0]["workflowExecutionStartedEventAttributes"]
    assert started["input"]["payloads"][0]["complaint_id"] == cid
    assert len(decoded["events"]) == len(raw["events"])
    with Session(audit_stack.engine) as s:
        reads = (
            s.execute(select(AuditLog).where(AuditLog.complaint_id == cid, AuditLog.action == "history_decoded"))
            .scalars()
            .all()
        )
    assert reads and reads[-1].actor_id == "U-audit1"


async def test_replay_verdict_state_at_event_and_at_time(audit_stack):
    cid = audit_stack.cases["tier1_resolved"]
    http, auth = audit_stack.api.http, as_auditor(audit_stack)
    verdict = (await http.get(f"/audit/cases/{cid}/replay", headers=auth)).json()
    assert verdict["replays_cleanly"] and verdict["diverged_at_event"] is None
    entries = (await http.get(f"/audit/cases/{cid}/timeline", headers=auth)).json()["entries"]
    offer = next(e for e in entries if e["action"] == "offer_made")
    at_event = (await http.get(f"/audit/cases/{cid}/state?event_id={offer['history_event_id']}", headers=auth)).json()
    state = at_event["state"]
    assert state["stage"] == "negotiation" and state["tier"] == "refund" and state["offers"][-1]["status"] == "pending"
    assert [p["action"] for p in state["pending_actions"]] == ["respond_to_offer"]
    at_time = await http.get(f"/audit/cases/{cid}/state", params={"at": offer["at"]}, headers=auth)
    assert at_time.json()["state"]["offers"][-1]["offer_id"] == state["offers"][-1]["offer_id"]
    assert (await http.get(f"/audit/cases/{cid}/state", headers=auth)).status_code == 422
    assert (await http.get(f"/audit/cases/{cid}/state?event_id=99999", headers=auth)).status_code == 422
    assert (await http.get("/audit/cases/CMP-nope-1/replay", headers=auth)).status_code == 404
    assert (await http.get("/audit/cases/CMP-nope-1/timeline", headers=auth)).status_code == 404


async def test_bulk_replay_of_cases_closed_in_a_range(audit_stack):
    window = {
        "closed_from": audit_stack.started_at.isoformat(),
        "closed_to": (audit_stack.started_at + timedelta(days=400)).isoformat(),
    }
    response = await audit_stack.api.http.post("/audit/replays", json=window, headers=as_auditor(audit_stack))
    summary = response.json()
    assert (summary["replayed"], summary["clean"], summary["diverged"]) == (2, 2, 0)
    empty = {**window, "closed_to": window["closed_from"], "closed_from": "2000-01-01T00:00:00Z"}
    assert (await audit_stack.api.http.post("/audit/replays", json=empty, headers=as_auditor(audit_stack))).json()[
        "replayed"
    ] == 0
    backwards = {"closed_from": window["closed_to"], "closed_to": window["closed_from"]}
    assert (
        await audit_stack.api.http.post("/audit/replays", json=backwards, headers=as_auditor(audit_stack))
    ).status_code == 422


async def test_what_if_reports_per_case_and_total_changes_under_a_proposed_policy(audit_stack):
    lapsed = audit_stack.cases["merchant_silent_offer_lapsed_withdrawn"]
    proposed = {"version": "trial-close-on-lapse", "negotiation": {"lapse_action": "close"}}
    http, auth = audit_stack.api.http, as_auditor(audit_stack)
    for refused, field in (
        ({"policy": {}, "complaint_ids": [lapsed]}, "policy.version"),
        ({"policy": proposed, "complaint_ids": [lapsed]}, "policy.intake"),
        (
            {"policy": {"negotiation": {"lapse_action": "close"}}, "merge": True, "complaint_ids": [lapsed]},
            "policy.version",
        ),
    ):
        answer = await http.post("/audit/what-if", headers=auth, json=refused)
        assert answer.status_code == 422 and field in {d["field"] for d in answer.json()["error"]["details"]}, (
            answer.text
        )
    response = await http.post(
        "/audit/what-if", headers=auth, json={"policy": proposed, "merge": True, "complaint_ids": [lapsed]}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    case = report["cases"][0]
    assert case["faithful"] and case["actual"]["stage"] == "withdrawn"
    assert case["changes"]["stage"] == {"from": "withdrawn", "to": "closed"}
    assert case["proposed"]["rejected_updates"] == ["withdraw: the case had already ended"]
    assert report["totals"]["changed"] == 1 and report["policy_version"] == "trial-close-on-lapse"
    assert case["policy_diff"] == [
        {"path": "negotiation.lapse_action", "from_value": "escalate_tier", "to_value": "close"}
    ]
    assert any("paths part" in line for line in case["path_differences"]), case["path_differences"]
    assert case["proposed"]["steps"] and case["control"]["steps"][0]["action"] == "filed"
    bad = {"policy": {"version": "x", "sla": {"warning_ratio": 7}}, "merge": True, "complaint_ids": [lapsed]}
    refused = await audit_stack.api.http.post("/audit/what-if", json=bad, headers=as_auditor(audit_stack))
    assert refused.status_code == 422 and "sla.warning_ratio" in refused.json()["error"]["message"]
