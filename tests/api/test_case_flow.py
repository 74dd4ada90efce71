"""A complaint's life through the API against the real workflow, activities and database."""

from datetime import timedelta

from sqlmodel import Session, select

from models.tables import AuditLog, Complaint
from tests.api.conftest import make_party, new_key
from tests.api.flow import act, as_user, evidence, file_case, read, wait_for, wait_stage
from tests.api.test_auth import assert_error


async def test_consumer_files_and_a_duplicate_on_the_same_line_joins_the_open_case(live_api):
    party = make_party(live_api.engine)
    filed = await file_case(live_api, party)
    assert filed["joined"] is False and filed["complaint_id"].startswith("CMP-")
    assert filed["state"]["consumer_id"] == party.consumer_id

    again = await live_api.http.post(
        "/complaints",
        headers=as_user(live_api, party.consumer_user, party),
        json={"order_id": party.order_id, "order_line_id": party.lines[0], "description": "still cracked"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["joined"] is True and again.json()["complaint_id"] == filed["complaint_id"]
    with Session(live_api.engine) as session:
        rows = session.exec(select(Complaint).where(Complaint.order_id == party.order_id)).all()
    assert [r.id for r in rows] == [filed["complaint_id"]]


async def test_an_agent_files_on_a_consumers_behalf(live_api):
    party = make_party(live_api.engine)
    response = await live_api.http.post(
        "/complaints",
        headers=as_user(live_api, "U-agent1"),
        json={
            "consumer_id": party.consumer_id,
            "order_id": party.order_id,
            "order_line_id": party.lines[0],
            "channel": "hotline",
            "description": "caller says the screen is broken",
            "evidence": [evidence("hot")],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["state"]["consumer_id"] == party.consumer_id


async def test_filing_refusals(live_api):
    party, other = make_party(live_api.engine), make_party(live_api.engine)
    body = {"order_id": party.order_id, "order_line_id": party.lines[0], "description": "broken"}
    agent_without_consumer = await live_api.http.post("/complaints", json=body, headers=as_user(live_api, "U-agent1"))
    assert (
        assert_error(agent_without_consumer, 422, "validation_error")["error"]["details"][0]["field"]
        == "body.consumer_id"
    )
    for_someone_else = await live_api.http.post(
        "/complaints",
        json={**body, "consumer_id": other.consumer_id},
        headers=as_user(live_api, party.consumer_user, party),
    )
    assert_error(for_someone_else, 403, "forbidden")
    on_their_order = await live_api.http.post(
        "/complaints", json=body, headers=as_user(live_api, other.consumer_user, other)
    )
    assert assert_error(on_their_order, 404, "not_found")["error"]["details"][0]["field"] == "body.order_id"
    no_key = as_user(live_api, party.consumer_user, party)
    del no_key["Idempotency-Key"]
    missing = await live_api.http.post("/complaints", json=body, headers=no_key)
    assert assert_error(missing, 422, "validation_error")["error"]["details"][0]["field"] == "header.Idempotency-Key"
    empty = await live_api.http.post(
        "/complaints", json={**body, "description": "  "}, headers=as_user(live_api, party.consumer_user, party)
    )
    assert assert_error(empty, 422, "validation_error")["error"]["details"][0]["field"] == "body.description"
    for user in ("U-super1", "U-audit1", "U-admin1"):
        assert_error(
            await live_api.http.post(
                "/complaints", json={**body, "consumer_id": party.consumer_id}, headers=as_user(live_api, user)
            ),
            403,
            "forbidden",
        )
    with Session(live_api.engine) as session:
        assert session.exec(select(Complaint).where(Complaint.order_id == party.order_id)).all() == []


async def test_tier1_refund_from_filing_to_closed_through_the_api(isolated_live_api):
    live_api, env = isolated_live_api
    party = make_party(live_api.engine)
    cid = (await file_case(live_api, party))["complaint_id"]
    await wait_stage(live_api, cid, "classification")

    reviewed = await act(live_api, cid, "classification-review", {"confirm": True}, "U-agent1")
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["stage"] == "evidence"

    submitted = await act(
        live_api, cid, "evidence", {"party": "merchant", "item": evidence("qc")}, party.merchant_user, party
    )
    assert submitted.status_code == 200, submitted.text
    merchant_view = submitted.json()
    assert "consumer_id" not in merchant_view and "survey" not in merchant_view
    assert {e["party"]: e["description"] for e in merchant_view["evidence"]} == {
        "consumer": None,
        "merchant": "close-up of the crack",
    }

    liable = await act(live_api, cid, "liability", {"party": "merchant", "reason": "photo shows the crack"}, "U-agent1")
    assert liable.json()["stage"] == "negotiation"
    offered = await act(live_api, cid, "offers", {"refund_mode": "refund_only"}, "U-agent1")
    offer = offered.json()["offers"][-1]
    assert offer["status"] == "pending" and offer["refund_minor"] == 19900

    accepted = await act(
        live_api, cid, "offer-response", {"offer_id": offer["offer_id"], "accept": True}, party.consumer_user, party
    )
    assert accepted.json()["stage"] == "execution"
    await wait_for(live_api, cid, lambda s: any(p["action"] == "confirm_merchant_refund" for p in s["pending_actions"]))
    refunded = await act(live_api, cid, "merchant-refund", {"reference": "RF-1"}, party.merchant_user, party)
    assert refunded.status_code == 200, refunded.text
    await wait_stage(live_api, cid, "review")
    await env.sleep(timedelta(hours=49))
    await wait_for(live_api, cid, lambda s: s["survey"] is not None and s["survey"]["sent_at"] is not None)

    answered = await act(
        live_api, cid, "survey", {"resolved_score": 95, "communication_score": 90}, party.consumer_user, party
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["stage"] == "closed" and answered.json()["outcome"] == "resolved"

    detail = await read(live_api, cid, party.consumer_user, party)
    assert detail["complaint"]["stage"] == "closed" and detail["complaint"]["refunded_minor"] == 19900
    with Session(live_api.engine) as session:
        actors = {a.actor_id for a in session.exec(select(AuditLog).where(AuditLog.complaint_id == cid))}
    assert {"U-agent1", party.consumer_user, party.merchant_user} <= actors

    after_close = await act(live_api, cid, "withdrawal", {"reason": "changed my mind"}, party.consumer_user, party)
    error = assert_error(after_close, 409, "invalid_stage")["error"]
    assert "closed" in error["message"] and error["details"]["stage"] == "closed"


async def test_an_action_in_the_wrong_stage_is_409_naming_stage_and_expectation(live_api):
    party = make_party(live_api.engine)
    cid = (await file_case(live_api, party))["complaint_id"]
    await wait_stage(live_api, cid, "classification")
    response = await act(
        live_api, cid, "offer-response", {"offer_id": "O1", "accept": True}, party.consumer_user, party
    )
    error = assert_error(response, 409, "invalid_stage")["error"]
    assert "classification" in error["message"] and "respond_to_offer" in error["message"]
    assert error["details"]["stage"] == "classification" and error["details"]["expected"]


async def test_a_well_formed_payload_that_breaks_policy_is_422_naming_the_field(live_api):
    party = make_party(live_api.engine)
    cid = (await file_case(live_api, party))["complaint_id"]
    await wait_stage(live_api, cid, "classification")
    await act(live_api, cid, "classification-review", {"confirm": True}, "U-agent1")
    await act(live_api, cid, "liability", {"party": "merchant", "reason": "crack"}, "U-agent1")
    too_much = await act(live_api, cid, "offers", {"refund_minor": 10_000_000}, "U-agent1")
    error = assert_error(too_much, 422, "validation_error")["error"]
    assert error["details"][0]["field"] == "body.refund_minor" and "refund_minor" in error["message"]
    bad_shape = await act(live_api, cid, "offers", {"refund_minor": -1}, "U-agent1")
    assert assert_error(bad_shape, 422, "validation_error")["error"]["details"][0]["field"] == "body.refund_minor"
    extra = await act(live_api, cid, "offers", {"actor": {"id": "U-super1", "role": "supervisor"}}, "U-agent1")
    assert assert_error(extra, 422, "validation_error")["error"]["details"][0]["field"] == "body.actor"


async def test_read_one_has_live_state_and_pending_actions(live_api):
    party = make_party(live_api.engine)
    cid = (await file_case(live_api, party))["complaint_id"]
    live = await wait_stage(live_api, cid, "classification")
    assert [p["action"] for p in live["pending_actions"]] == ["review_classification"]
    detail = await read(live_api, cid, party.merchant_user, party)
    assert detail["live"]["stage"] == "classification" and "consumer_id" not in detail["live"]
    assert detail["live_error"] is None
    assert_error(
        await live_api.http.get("/complaints/CMP-nope-1", headers=as_user(live_api, "U-agent1")), 404, "not_found"
    )
    unknown = await act(live_api, "CMP-nope-1", "withdrawal", {"reason": "x"}, "U-agent1", key=new_key())
    assert_error(unknown, 404, "not_found")


async def test_assignment_rules(live_api):
    party = make_party(live_api.engine)
    cid = (await file_case(live_api, party))["complaint_id"]
    unknown = await act(live_api, cid, "assignment", {"assignee": "U-nobody"}, "U-super1")
    assert assert_error(unknown, 422, "validation_error")["error"]["details"][0]["field"] == "body.assignee"
    to_consumer = await act(live_api, cid, "assignment", {"assignee": party.consumer_user}, "U-super1")
    assert_error(to_consumer, 422, "validation_error")
    assigned = await act(live_api, cid, "assignment", {"assignee": "U-agent2"}, "U-super1")
    assert assigned.status_code == 200 and assigned.json()["assignee"] == "U-agent2"
    for_someone_else = await act(live_api, cid, "assignment", {"assignee": "U-agent2"}, "U-agent1")
    assert_error(for_someone_else, 403, "forbidden")
    # agent2 holds the case: agent1 taking it is explicit (409 without takeover) and audited as a takeover.
    silent = await act(live_api, cid, "assignment", {}, "U-agent1")
    assert assert_error(silent, 409, "conflict")["error"]["message"].startswith("the case is claimed by U-agent2")
    claimed = await act(live_api, cid, "assignment", {"takeover": True}, "U-agent1")
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "U-agent1"
    with Session(live_api.engine) as session:
        taken = session.exec(
            select(AuditLog)
            .where(AuditLog.complaint_id == cid, AuditLog.action == "assigned")
            .order_by(AuditLog.id.desc())
        ).first()
    assert {k: taken.details.get(k) for k in ("from", "to", "takeover")} == {
        "from": "U-agent2",
        "to": "U-agent1",
        "takeover": True,
    }
    mine = await live_api.http.get("/queues/mine", headers=as_user(live_api, "U-agent1"))
    assert cid in [item["id"] for item in mine.json()["items"]]
