"""Role × endpoint: every allowed cell reaches the workflow, every denied cell is 403 and changes nothing
(another party's case is a 404, like an unknown one).

The expected table is the workflow interface's (notes/workflow-interface.md), written out here so the
test checks the API against the specification rather than against itself.
"""

import pytest

from api.routes.actions import STEPS
from tests.api.conftest import make_party
from tests.api.flow import act, as_user, evidence, file_case, wait_stage
from tests.api.test_auth import assert_error

ALLOWED = {
    "complete_intake": {"agent", "consumer"},
    "review_classification": {"agent", "supervisor"},
    "request_evidence": {"agent", "supervisor"},
    "submit_evidence": {"consumer", "merchant", "agent"},
    "set_liability": {"agent", "supervisor"},
    "make_offer": {"agent", "supervisor"},
    "respond_to_offer": {"consumer", "agent"},
    "approve_tier3": {"supervisor"},
    "withdraw": {"consumer", "agent"},
    "answer_survey": {"consumer"},
    "assign": {"agent", "supervisor"},
    "control_clock": {"agent", "supervisor"},
    "supervisor_review": {"supervisor"},
    "confirm_merchant_refund": {"merchant", "agent"},
    "confirm_shipment": {"merchant", "agent"},
}
ROLES = ("consumer", "merchant", "agent", "supervisor", "auditor", "admin")
STAFF_USER = {"agent": "U-agent1", "supervisor": "U-super1", "auditor": "U-audit1", "admin": "U-admin1"}

BODIES = {
    "complete_intake": {"description": "more detail on the crack"},
    "review_classification": {"confirm": True},
    "request_evidence": {"party": "merchant", "note": "QC report please"},
    "submit_evidence": {"party": "consumer", "item": evidence("matrix")},
    "set_liability": {"party": "merchant", "reason": "photo shows the crack"},
    "make_offer": {"refund_mode": "refund_only"},
    "respond_to_offer": {"offer_id": "O1", "accept": True},
    "approve_tier3": {"approve": True, "reason": "merchant unresponsive"},
    "withdraw": {"reason": "resolved directly"},
    "answer_survey": {"resolved_score": 90, "communication_score": 90},
    "assign": {},
    "control_clock": {"pause": True, "reason": "waiting for the lab"},
    "supervisor_review": {"decision": "close", "reason": "nothing more to do"},
    "confirm_merchant_refund": {"reference": "RF-9"},
    "confirm_shipment": {"carrier": "SF", "tracking_number": "SF1"},
}
REACHED_WORKFLOW = {"invalid_stage", "conflict"}


def test_the_api_implements_exactly_the_interface_table():
    assert {s.name: {r.value for r in s.roles} for s in STEPS} == ALLOWED


def _user(role: str, party) -> str:
    return {"consumer": party.consumer_user, "merchant": party.merchant_user}.get(role) or STAFF_USER[role]


def _body(step: str, role: str) -> dict:
    if step == "submit_evidence" and role == "merchant":
        return {**BODIES[step], "party": "merchant"}
    return BODIES[step]


@pytest.fixture(scope="module")
async def matrix_case(live_api):
    """A case waiting in classification; withdrawals in the matrix go to cases of their own."""
    party = make_party(live_api.engine, lines=2)
    cid = (await file_case(live_api, party))["complaint_id"]
    await wait_stage(live_api, cid, "classification")
    return cid, party


@pytest.mark.parametrize("step", [s for s in ALLOWED])
async def test_action_cells(live_api, matrix_case, step):
    cid, party = matrix_case
    path = next(s.path for s in STEPS if s.name == step)
    for role in ROLES:
        target, owner = cid, party
        if step == "withdraw" and role in ALLOWED[step]:
            owner = make_party(live_api.engine)
            target = (await file_case(live_api, owner))["complaint_id"]
        response = await act(live_api, target, path, _body(step, role), _user(role, owner), owner)
        if role in ALLOWED[step]:
            assert response.status_code in (200, 409), (step, role, response.text)
            if response.status_code == 409:
                assert response.json()["error"]["code"] in REACHED_WORKFLOW, (step, role)
        else:
            body = assert_error(response, 403, "forbidden")
            assert f"role '{role}' may not use this endpoint" in body["error"]["message"], (step, role)


async def test_consumers_and_merchants_reach_only_their_own_cases(live_api, matrix_case):
    cid, _ = matrix_case
    stranger = make_party(live_api.engine)
    for step, role in (
        ("complete_intake", "consumer"),
        ("submit_evidence", "consumer"),
        ("withdraw", "consumer"),
        ("respond_to_offer", "consumer"),
        ("answer_survey", "consumer"),
        ("submit_evidence", "merchant"),
        ("confirm_merchant_refund", "merchant"),
        ("confirm_shipment", "merchant"),
    ):
        path = next(s.path for s in STEPS if s.name == step)
        response = await act(live_api, cid, path, _body(step, role), _user(role, stranger), stranger)
        assert_error(response, 404, "not_found")  # another party's case looks like no case at all
    for user in (stranger.consumer_user, stranger.merchant_user):
        assert_error(
            await live_api.http.get(f"/complaints/{cid}", headers=as_user(live_api, user, stranger)), 404, "not_found"
        )


async def test_consumers_and_merchants_submit_evidence_only_as_themselves(live_api, matrix_case):
    cid, party = matrix_case
    as_merchant = await act(
        live_api, cid, "evidence", {"party": "merchant", "item": evidence("x")}, party.consumer_user, party
    )
    assert_error(as_merchant, 403, "forbidden")
    as_carrier = await act(
        live_api, cid, "evidence", {"party": "carrier", "item": evidence("y")}, party.merchant_user, party
    )
    assert_error(as_carrier, 403, "forbidden")


async def test_read_cells(live_api, matrix_case):
    cid, party = matrix_case
    readers = {"consumer", "merchant", "agent", "supervisor", "auditor"}
    personal = {"consumer", "agent", "supervisor", "auditor"}
    for role in ROLES:
        headers = as_user(live_api, _user(role, party), party)
        detail = await live_api.http.get(f"/complaints/{cid}", headers=headers)
        listing = await live_api.http.get("/complaints", headers=headers)
        private = await live_api.http.get(f"/complaints/{cid}/personal-data", headers=headers)
        for response, allowed in ((detail, readers), (listing, readers), (private, personal)):
            if role in allowed:
                assert response.status_code == 200, (role, response.request.url, response.text)
            else:
                assert_error(response, 403, "forbidden")
