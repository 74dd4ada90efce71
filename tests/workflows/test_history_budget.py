"""The longest case the policy allows stays far from Temporal's history limits (50 MB, 51,200 events)."""

import hashlib
from datetime import timedelta

from temporalio.api.enums.v1 import EventType

from audit.case_driver import AGENT, SUPERVISOR
from models.case import (
    Assignment,
    ClockControl,
    EvidenceRef,
    EvidenceRequestCmd,
    EvidenceSubmission,
    LiabilityDecision,
    OfferResponse,
    SupervisorReview,
    SurveyAnswer,
    Tier3Approval,
)
from models.enums import Party, Stage
from tests.workflows.factories import make_order
from tests.workflows.steps import offer, rejected, to_evidence
from workflows.complaint import ComplaintWorkflow as W

HISTORY_BYTES_LIMIT = 50 * 1024 * 1024
HISTORY_EVENTS_LIMIT = 51_200
UPDATES_PER_HISTORY_LIMIT = 2_000
LONG_TEXT = "长" * 2000  # a long evidence description: it goes into the evidence table, not into every step


def item(n: int) -> EvidenceRef:
    return EvidenceRef(
        kind="photo",
        description=LONG_TEXT,
        attachment_ref=f"s3://ev/{n}.jpg",
        sha256=hashlib.sha256(str(n).encode()).hexdigest(),
    )


async def _one_ladder(driver, who, cid, consumer) -> None:
    """Tier 1 and 2 declined, tier 3 approved and accepted, executed, surveyed with a low score."""
    s = await driver.state(cid)
    while s.tier.rank < 3:
        o = await offer(driver, cid)
        s = await driver.update(
            cid, W.respond_to_offer, OfferResponse(actor=consumer, offer_id=o.offer_id, accept=False)
        )
    o = await offer(driver, cid)
    await driver.update(cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=True, reason="liable"))
    await driver.update(cid, W.respond_to_offer, OfferResponse(actor=consumer, offer_id=o.offer_id, accept=True))
    await driver.stage(cid, Stage.REVIEW)
    await driver.skip(timedelta(hours=48, minutes=1))
    await driver.settle(
        cid, lambda st: st.survey is not None and st.survey.answered_at is None and st.survey.sent_at is not None
    )
    await driver.update(cid, W.answer_survey, SurveyAnswer(actor=consumer, resolved_score=60, communication_score=60))


async def test_the_longest_legal_case_uses_a_small_fraction_of_the_history_limits(driver):
    limits = driver.policy.limits
    who = make_order(driver.engine)
    consumer, merchant = who.consumer, who.merchant
    cid = await to_evidence(driver, who)

    # Every repeatable step up to its policy limit; one more is refused.
    for _ in range(limits.clock_pauses):
        await driver.update(cid, W.control_clock, ClockControl(actor=AGENT, pause=True, reason="waiting on lab"))
        await driver.update(cid, W.control_clock, ClockControl(actor=AGENT, pause=False, reason="lab answered"))
    err = await rejected(driver.update(cid, W.control_clock, ClockControl(actor=AGENT, pause=True, reason="again")))
    assert err.cause.type == "Conflict" and "limit" in err.cause.message
    for party, actor in ((Party.MERCHANT, merchant), (Party.CONSUMER, consumer)):
        have = sum(1 for e in (await driver.state(cid)).evidence if e.party == party)
        for n in range(have, limits.evidence_per_party):
            await driver.update(
                cid, W.submit_evidence, EvidenceSubmission(actor=actor, party=party, item=item(hash((party, n))))
            )
    err = await rejected(
        driver.update(cid, W.submit_evidence, EvidenceSubmission(actor=merchant, party=Party.MERCHANT, item=item(-1)))
    )
    assert err.cause.type == "Conflict"
    await driver.update(cid, W.request_evidence, EvidenceRequestCmd(actor=AGENT, party=Party.CARRIER))
    for n in range(20):
        await driver.update(cid, W.assign, Assignment(actor=SUPERVISOR, assignee=("agent1", "super1")[n % 2]))
    await driver.update(cid, W.set_liability, LiabilityDecision(actor=AGENT, party=Party.MERCHANT, reason="defect"))

    # The whole ladder, then every re-open the policy allows.
    for _ in range(driver.policy.review.max_reopen + 1):
        await _one_ladder(driver, who, cid, consumer)
        s = await driver.state(cid)
        if s.stage == Stage.CLOSED:
            break
        await driver.update(
            cid, W.supervisor_review, SupervisorReview(actor=SUPERVISOR, decision="renegotiate", reason="try again")
        )
    s = await driver.stage(cid, Stage.CLOSED)
    assert s.outcome == "closed_after_reopen_limit"

    history = await driver.handle(cid).fetch_history()
    events = len(history.events)
    size = sum(e.ByteSize() for e in history.events)
    largest = max(e.ByteSize() for e in history.events)
    updates = sum(1 for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
    print(
        f"\nlongest legal case: {events} events ({events / HISTORY_EVENTS_LIMIT:.1%} of {HISTORY_EVENTS_LIMIT}), "
        f"{size / 1024:.0f} KiB ({size / HISTORY_BYTES_LIMIT:.2%} of 50 MiB), largest event "
        f"{largest / 1024:.1f} KiB, {updates} updates ({updates / UPDATES_PER_HISTORY_LIMIT:.0%} of 2,000)"
    )
    assert events < HISTORY_EVENTS_LIMIT / 5
    assert size < HISTORY_BYTES_LIMIT / 5
    assert updates < UPDATES_PER_HISTORY_LIMIT / 2
    assert largest < 64 * 1024  # no step carries the evidence texts: they are stored by reference
