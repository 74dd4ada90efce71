"""Ownership at filing and live reads that fail, against the real workflow on the time-skipping server."""

import uuid
from datetime import UTC, datetime

import pytest_asyncio
from sqlmodel import Session, func, select
from temporalio import workflow
from temporalio.worker import Worker

from api.policy_store import install_policy
from core.settings import DEFAULT_POLICY_FILE
from models.tables import AuditLog, Complaint
from policy.loader import load_policy
from tests.api.conftest import api_settings, make_party, start_live_api
from tests.api.flow import act, as_user, evidence, file_case, read, wait_stage
from tests.api.test_auth import assert_error
from workflows.ids import workflow_id


def _counts(engine, case_id: str, *parties) -> tuple[int, int]:
    """Complaints of these parties, and audit rows an attempt could have written.

    The victim's own case keeps recording its process (classification) while the attempts run, so its rows
    count only when they are a join; rows of no case (request-level records) always count.
    """
    consumers = [party.consumer_id for party in parties]
    with Session(engine) as session:
        theirs = select(Complaint.id).where(Complaint.consumer_id.in_(consumers))
        return (
            session.exec(select(func.count()).select_from(Complaint).where(Complaint.consumer_id.in_(consumers))).one(),
            session.exec(
                select(func.count())
                .select_from(AuditLog)
                .where(
                    AuditLog.complaint_id.is_(None)
                    | (AuditLog.complaint_id.in_(theirs) & (AuditLog.complaint_id != case_id))
                    | ((AuditLog.complaint_id == case_id) & (AuditLog.action == "duplicate_joined"))
                )
            ).one(),
        )


def _field(response) -> str:
    return response.json()["error"]["details"][0]["field"]


async def test_a_consumer_can_neither_join_nor_probe_another_consumers_case(live_api):
    victim, attacker = make_party(live_api.engine, lines=2), make_party(live_api.engine)
    cid = (await file_case(live_api, victim))["complaint_id"]
    before_state = (await read(live_api, cid))["live"]
    before = _counts(live_api.engine, cid, victim, attacker)

    async def attempt(body: dict, user: str = attacker.consumer_user, party=attacker):
        return await live_api.http.post(
            "/complaints", json={"description": "mine now", **body}, headers=as_user(live_api, user, party)
        )

    own_order_their_line = await attempt({"order_id": attacker.order_id, "order_line_id": victim.lines[0]})
    assert_error(own_order_their_line, 404, "not_found")
    assert _field(own_order_their_line) == "body.order_line_id"
    their_order = await attempt({"order_id": victim.order_id, "order_line_id": victim.lines[0]})
    no_order = await attempt({"order_id": "O9999999"})
    for response in (their_order, no_order):
        assert_error(response, 404, "not_found")
        assert _field(response) == "body.order_id"
    # "Not yours" and "does not exist" read the same, so order ids cannot be probed.
    assert their_order.json()["error"]["message"].replace(victim.order_id, "X") == no_order.json()["error"][
        "message"
    ].replace("O9999999", "X")
    no_line = await attempt({"order_id": attacker.order_id, "order_line_id": f"{attacker.order_id}-L9"})
    assert _field(no_line) == "body.order_line_id"
    for_agent = await live_api.http.post(
        "/complaints",
        headers=as_user(live_api, "U-agent1"),
        json={"consumer_id": victim.consumer_id, "order_id": "O9999999", "description": "phoned in"},
    )
    assert_error(for_agent, 404, "not_found")
    wrong_consumer = await live_api.http.post(
        "/complaints",
        headers=as_user(live_api, "U-agent1"),
        json={"consumer_id": victim.consumer_id, "order_id": attacker.order_id, "description": "phoned in"},
    )
    assert _field(wrong_consumer) == "body.consumer_id"

    # Nothing was written anywhere: no workflow, no read-model row, no audit record, no join on the victim's case.
    assert _counts(live_api.engine, cid, victim, attacker) == before
    after_state = (await read(live_api, cid))["live"]
    assert after_state["joined_filings"] == before_state["joined_filings"] == 0
    victim_merchant_view = await live_api.http.get(
        "/complaints", headers=as_user(live_api, victim.merchant_user, victim)
    )
    assert [item["id"] for item in victim_merchant_view.json()["items"]] == [cid]
    # And a real join by the owner still works and hands back the owner's own case.
    joined = await live_api.http.post(
        "/complaints",
        headers=as_user(live_api, victim.consumer_user, victim),
        json={"order_id": victim.order_id, "order_line_id": victim.lines[0], "description": "again"},
    )
    assert joined.status_code == 200 and joined.json()["joined"] is True
    assert joined.json()["state"]["consumer_id"] == victim.consumer_id


@workflow.defn(name="NotAComplaint", sandboxed=False)
class NotAComplaint:
    """Has no `state` query: every live read of it fails the way a broken workflow task does."""

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)


async def test_a_live_read_whose_query_fails_answers_live_null_with_live_error(live_api, ts_env):
    party = make_party(live_api.engine)
    cid = f"CMP-QF-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    with Session(live_api.engine) as session:
        session.add(
            Complaint(
                id=cid,
                workflow_id=workflow_id(cid),
                consumer_id=party.consumer_id,
                merchant_id=party.merchant_id,
                order_id=party.order_id,
                stage="evidence",
                is_open=True,
                created_at=now,
                updated_at=now,
            )
        )
        session.commit()
    queue = f"qf-{uuid.uuid4().hex[:8]}"
    async with Worker(ts_env.client, task_queue=queue, workflows=[NotAComplaint]):
        handle = await ts_env.client.start_workflow(NotAComplaint.run, id=workflow_id(cid), task_queue=queue)
        try:
            detail = await live_api.http.get(f"/complaints/{cid}", headers=as_user(live_api, "U-agent1"))
            assert detail.status_code == 200, detail.text
            body = detail.json()
            assert body["live"] is None and "could not answer" in body["live_error"]
            assert body["complaint"]["id"] == cid
        finally:
            await handle.terminate()


@pytest_asyncio.fixture(scope="module")
async def small_api(ts_env, live_engine, tmp_path_factory):
    """Policy limits of 2 evidence items per party and 2 repeat filings: the API answers the workflow's refusal."""
    data_dir = tmp_path_factory.mktemp("small")
    policy = load_policy(DEFAULT_POLICY_FILE)
    install_policy(
        api_settings(data_dir),
        policy.model_copy(
            update={
                "version": "small-limits",
                "limits": policy.limits.model_copy(update={"evidence_per_party": 2, "joined_filings": 2}),
            }
        ),
    )
    async for instance in start_live_api(ts_env.client, live_engine, data_dir):
        yield instance


async def test_one_party_adds_a_bounded_number_of_evidence_items(small_api):
    party = make_party(small_api.engine)
    cid = (await file_case(small_api, party))["complaint_id"]  # one consumer item with the filing
    await wait_stage(small_api, cid, "classification")
    await act(small_api, cid, "classification-review", {"confirm": True}, "U-agent1")
    await wait_stage(small_api, cid, "evidence")
    second = await act(
        small_api, cid, "evidence", {"party": "consumer", "item": evidence("two")}, party.consumer_user, party
    )
    assert second.status_code == 200, second.text
    third = await act(
        small_api, cid, "evidence", {"party": "consumer", "item": evidence("three")}, party.consumer_user, party
    )
    assert "limit of 2 evidence items" in assert_error(third, 409, "conflict")["error"]["message"]
    merchant = await act(
        small_api, cid, "evidence", {"party": "merchant", "item": evidence("m1")}, party.merchant_user, party
    )
    assert merchant.status_code == 200, merchant.text  # counted per party


async def test_an_open_case_takes_a_bounded_number_of_joined_filings(small_api):
    party = make_party(small_api.engine)
    cid = (await file_case(small_api, party))["complaint_id"]
    await wait_stage(small_api, cid, "classification")
    body = {"order_id": party.order_id, "order_line_id": party.lines[0], "description": "again"}
    for _ in range(2):
        joined = await small_api.http.post(
            "/complaints", json=body, headers=as_user(small_api, party.consumer_user, party)
        )
        assert joined.status_code == 200 and joined.json()["joined"], joined.text
    refused = await small_api.http.post(
        "/complaints", json=body, headers=as_user(small_api, party.consumer_user, party)
    )
    assert "limit of 2 repeat filings" in assert_error(refused, 409, "conflict")["error"]["message"]
    assert (await read(small_api, cid))["live"]["joined_filings"] == 2
