"""The fast lane end to end through the API: a trusted merchant settles, the consumer accepts, the case
closes with no agent step; the standing used is in the audit record. A merchant on watch is refused."""

import asyncio
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from core.db import session_scope
from insights import pending
from models.insight_tables import InsightCase, InsightPending, MerchantStandingRecord
from models.tables import AuditLog
from tests.api.conftest import isolated_live_api, live_engine, make_party, sqlite_only_db_url  # noqa: F401,F811
from tests.api.flow import act, file_case, read, wait_for, wait_stage


def _stand(engine, merchant_id: str, tier: str, reason: str) -> None:
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        session.add(
            MerchantStandingRecord(
                merchant_id=merchant_id,
                tier=tier,
                reason=reason,
                since=now,
                computed_at=now,
                changes=1,
                policy_version="test",
            )
        )


async def test_trusted_merchant_settles_and_the_case_closes_without_an_agent(isolated_live_api):  # noqa: F811
    api, env = isolated_live_api
    party = make_party(api.engine)
    _stand(api.engine, party.merchant_id, "trusted", "1200 order lines, complaint rate 0.004, no penalty")
    cid = (await file_case(api, party))["complaint_id"]
    await wait_stage(api, cid, "classification")

    settled = await act(
        api, cid, "merchant-settlement", {"refund_minor": 15000, "coupon_minor": 500}, party.merchant_user, party
    )
    assert settled.status_code == 200, settled.text
    offer = settled.json()["offers"][-1]
    assert (settled.json()["stage"], offer["tier"], offer["made_by"]) == (
        "negotiation",
        "refund_plus_gift",
        party.merchant_user,
    )
    assert (offer["refund_minor"], offer["gift_coupon_minor"], offer["status"]) == (15000, 500, "pending")

    accepted = await act(
        api, cid, "offer-response", {"offer_id": offer["offer_id"], "accept": True}, party.consumer_user, party
    )
    assert accepted.json()["stage"] == "execution", accepted.text
    await wait_for(api, cid, lambda s: any(p["action"] == "confirm_merchant_refund" for p in s["pending_actions"]))
    refunded = await act(api, cid, "merchant-refund", {"reference": "RF-FAST-1"}, party.merchant_user, party)
    assert refunded.status_code == 200, refunded.text
    await wait_stage(api, cid, "review")
    await env.sleep(timedelta(hours=49))
    await wait_for(api, cid, lambda s: s["survey"] is not None and s["survey"]["sent_at"] is not None)
    answered = await act(
        api, cid, "survey", {"resolved_score": 95, "communication_score": 92}, party.consumer_user, party
    )
    assert answered.json()["stage"] == "closed" and answered.json()["outcome"] == "resolved", answered.text

    with Session(api.engine) as session:
        trail = session.exec(select(AuditLog).where(AuditLog.complaint_id == cid).order_by(AuditLog.id)).all()
        assert session.get(InsightPending, cid) is not None  # the read-model writer marked it for the drain
    assert pending.drain(api.engine, wait=True) >= 1
    with Session(api.engine) as session:
        assert session.get(InsightPending, cid) is None
        fact = session.get(InsightCase, cid)
    print("\nfast lane, filing to close:")
    for a in trail:
        print(
            f"  {a.at:%H:%M:%S} {a.actor_kind}:{a.actor_id} {a.action} {a.stage_before}->{a.stage_after}"
            f"{' | ' + a.reason if a.reason else ''}"
        )
    staff = [a for a in trail if a.actor_kind in ("agent", "supervisor")]
    assert staff == []  # no agent step, from filing to close
    assert not [a for a in trail if a.action == "escalated"]  # the merchant's offer was the first contact
    settlement = next(a for a in trail if a.action == "merchant_self_settlement")
    assert settlement.details["standing"]["tier"] == "trusted"
    assert settlement.details["standing"]["reason"].startswith("1200 order lines")
    # The drain folded the closed case's facts.
    assert fact is not None and fact.stage == "closed" and fact.refund_minor == 15000 and fact.coupon_minor == 500
    detail = await read(api, cid, party.consumer_user, party)
    assert detail["complaint"]["refunded_minor"] == 15000


async def test_merchant_not_trusted_is_refused_and_nothing_is_written(isolated_live_api):  # noqa: F811
    api, _ = isolated_live_api
    party = make_party(api.engine)
    _stand(api.engine, party.merchant_id, "watch", "early warning active on the merchant")
    cid = (await file_case(api, party))["complaint_id"]
    await wait_stage(api, cid, "classification")
    before = 0
    for _ in range(200):  # the live state moves before its audit record commits: wait for the record
        with Session(api.engine) as session:
            trail = session.exec(select(AuditLog).where(AuditLog.complaint_id == cid)).all()
        if any(a.action == "classification_suggested" for a in trail):
            before = len(trail)
            break
        await asyncio.sleep(0.05)

    refused = await act(api, cid, "merchant-settlement", {}, party.merchant_user, party)
    too_much = await act(
        api, cid, "merchant-settlement", {"refund_minor": 19900, "coupon_minor": 999_999}, party.merchant_user, party
    )
    stranger = make_party(api.engine)
    not_theirs = await act(api, cid, "merchant-settlement", {}, stranger.merchant_user, stranger)

    assert refused.status_code == 403 and "stands as watch" in refused.json()["error"]["message"], refused.text
    assert too_much.status_code == 422 and "coupon" in too_much.json()["error"]["message"], too_much.text
    assert not_theirs.status_code == 404  # not yours reads as does not exist
    with Session(api.engine) as session:
        assert len(session.exec(select(AuditLog).where(AuditLog.complaint_id == cid)).all()) == before
    assert (await read(api, cid))["live"]["stage"] == "classification"
