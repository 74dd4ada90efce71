"""Representative cases, one per path of the workflow, driven through the real workflow and activities.

Used to record tests/histories/ (audit/record_histories.py) and by the audit tests, always against a
time-skipping Temporal server and a throwaway database, never production.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from audit.case_driver import AGENT, SUPERVISOR, CaseDriver, Parties, evidence
from core.db import session_scope
from models.case import (
    ClassificationReview,
    EvidenceRequestCmd,
    EvidenceSubmission,
    IntakeCompletion,
    MerchantRefundConfirmation,
    OfferProposal,
    SupervisorReview,
    Tier3Approval,
    Withdrawal,
)
from models.enums import Party, Severity, Stage
from models.fast_lane import MerchantSettlement
from models.insight_tables import MerchantStandingRecord
from workflows.complaint import ComplaintWorkflow as W

# ---- the paths --------------------------------------------------------------------------------------------


async def tier1_resolved(d: CaseDriver) -> str:
    who = await d.parties()
    cid = (await d.file(who, "屏幕破损 the screen cracked after two days of use")).complaint_id
    await d.to_negotiation(cid)
    await d.offer(cid, who, accept=True)
    await d.execute(cid, who)
    await d.survey(cid, who, 95)
    return cid


async def tier2_no_survey_answer(d: CaseDriver) -> str:
    who = await d.parties()
    cid = (await d.file(who, "the product is broken, not working")).complaint_id
    await d.to_negotiation(cid)
    await d.offer(cid, who, accept=False)
    await d.offer(cid, who, accept=True)
    await d.execute(cid, who)
    await d.stage(cid, Stage.REVIEW)
    await d.skip(d.policy.review.survey_delay + timedelta(minutes=1))
    await d.pending(cid, "answer_survey")
    await d.skip(d.policy.review.survey_window + timedelta(minutes=1))  # never answered: the window closes it
    return cid


async def tier3_reopened_then_closed_by_supervisor(d: CaseDriver) -> str:
    who = await d.parties()
    cid = (await d.file(who, "defective charger, not working at all")).complaint_id
    await d.to_negotiation(cid)
    await d.offer(cid, who, accept=False)
    await d.offer(cid, who, accept=False)
    await d.offer(cid, who, accept=True)
    await d.execute(cid, who)
    await d.survey(cid, who, 40)
    await d.stage(cid, Stage.REOPENED)
    await d.update(
        cid,
        W.supervisor_review,
        SupervisorReview(actor=SUPERVISOR, decision="close", reason="the refund was fair and complete"),
    )
    return cid


async def partial_refund_reopened_then_remainder(d: CaseDriver) -> str:
    """A partial refund, re-opened and renegotiated: round 2 offers only the remainder and waits for a
    merchant confirmation of its own (patch `merchant-refund-per-round`)."""
    who = await d.parties(paid_minor=12900)
    cid = (await d.file(who, "屏幕破损 the screen cracked after two days of use")).complaint_id
    await d.to_negotiation(cid)
    state = await d.update(cid, W.make_offer, OfferProposal(actor=AGENT, refund_minor=10000))
    await d.respond(cid, who, state.offers[-1].offer_id, accept=True)
    await d.execute(cid, who)
    await d.survey(cid, who, 60)
    await d.stage(cid, Stage.REOPENED)
    await d.update(
        cid,
        W.supervisor_review,
        SupervisorReview(actor=SUPERVISOR, decision="renegotiate", reason="return postage not covered"),
    )
    state = await d.update(cid, W.make_offer, OfferProposal(actor=AGENT))  # the remainder, 2,900
    await d.respond(cid, who, state.offers[-1].offer_id, accept=True)
    await d.pending(cid, "confirm_merchant_refund")
    await d.update(cid, W.confirm_merchant_refund, MerchantRefundConfirmation(actor=who.merchant, reference="RF-2"))
    await d.survey(cid, who, 95)
    return cid


async def merchant_silent_offer_lapsed_withdrawn(d: CaseDriver) -> str:
    """Merchant misses its evidence deadline (automatic liability); the offer lapses; consumer withdraws."""
    who = await d.parties()
    cid = (await d.file(who, "the item is damaged")).complaint_id
    await d.stage(cid, Stage.CLASSIFICATION)
    await d.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    await d.stage(cid, Stage.EVIDENCE)
    await d.skip(d.policy.evidence.deadlines["merchant"] + timedelta(minutes=1))
    await d.stage(cid, Stage.NEGOTIATION)
    await d.update(cid, W.make_offer, OfferProposal(actor=AGENT))
    await d.skip(d.policy.negotiation.offer_response + timedelta(minutes=1))
    await d.settle(cid, lambda s: s.offers[-1].reminded)
    await d.skip(d.policy.negotiation.offer_reminder_grace + timedelta(minutes=1))
    await d.settle(cid, lambda s: s.offers[-1].status.value == "lapsed")
    await d.update(cid, W.withdraw, Withdrawal(actor=who.consumer, reason="solved it with the shop myself"))
    return cid


async def consumer_evidence_silent(d: CaseDriver) -> str:
    who = await d.parties()
    cid = (await d.file(who, "颜色与描述不符 colour difference")).complaint_id
    await d.stage(cid, Stage.CLASSIFICATION)
    await d.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    await d.update(
        cid,
        W.submit_evidence,
        EvidenceSubmission(actor=who.merchant, party=Party.MERCHANT, item=evidence(f"{cid}-qc-report")),
    )
    await d.update(
        cid, W.request_evidence, EvidenceRequestCmd(actor=AGENT, party=Party.CONSUMER, note="photo in daylight please")
    )
    await d.skip(d.policy.evidence.deadlines["consumer"] + timedelta(minutes=1))
    await d.settle(cid, lambda s: s.evidence_requests[-1].reminded)
    await d.skip(d.policy.evidence.consumer_reminder_grace + timedelta(minutes=1))  # silent again: unsubstantiated
    return cid


async def withdrawn_in_classification(d: CaseDriver) -> str:
    who = await d.parties()
    cid = (await d.file(who, "counterfeit, fake logo")).complaint_id
    await d.stage(cid, Stage.CLASSIFICATION)
    await d.update(cid, W.withdraw, Withdrawal(actor=who.consumer, reason="filed by mistake"))
    return cid


async def after_sales_by_the_classifier(d: CaseDriver) -> str:
    """Classified by the classify_complaint activity (patch 'classifier-activity'), confirmed, then withdrawn."""
    who = await d.parties()
    cid = (await d.file(who, "申请退货一个星期了，商家一直不处理，也不回消息")).complaint_id
    await d.stage(cid, Stage.CLASSIFICATION)
    await d.update(cid, W.withdraw, Withdrawal(actor=who.consumer, reason="the merchant answered at last"))
    return cid


async def rejected_not_your_order(d: CaseDriver) -> str:
    who, other = await d.parties(), await d.parties()
    return (await d.file(who, "broken", order_id=other.order_id, line=None)).complaint_id


async def incomplete_intake_rejected(d: CaseDriver) -> str:
    who = await d.parties()
    cid = (await d.file(who, "", with_evidence=False, line=None)).complaint_id
    await d.pending(cid, "complete_intake")
    await d.skip(d.policy.intake.supplement + timedelta(minutes=1))
    await d.settle(
        cid,
        lambda s: (
            s.pending_actions
            and s.pending_actions[0].due_at
            and s.pending_actions[0].due_at > s.created_at + d.policy.intake.supplement
        ),
    )
    await d.skip(d.policy.intake.supplement_reminder + timedelta(minutes=1))  # still missing: rejected
    return cid


async def food_safety_fast_path(d: CaseDriver) -> str:
    """Severity-A spoiled food: straight to tier 3 with a supervisor's approval, recovery from the merchant."""
    who = await d.parties(category="fresh", paid_minor=8800)
    cid = (await d.file(who, "牛奶变质 the milk was spoiled, my child is allergic")).complaint_id
    await _fast_path_to_review(d, who, cid)
    await d.survey(cid, who, 90)
    return cid


async def late_perishable_circuit_breaker(d: CaseDriver) -> str:
    """A late perishable parcel: refund first plus reship, recovery from the carrier; survey unanswered."""
    who = await d.parties(category="fresh", paid_minor=6600, late=True, delivered_days_ago=None, tracking="overdue")
    cid = (await d.file(who, "快递延误 the parcel is late and still not received")).complaint_id
    await _fast_path_to_review(d, who, cid)
    await d.skip(d.policy.review.survey_delay + timedelta(minutes=1))
    await d.pending(cid, "answer_survey")
    await d.skip(d.policy.review.survey_window + timedelta(minutes=1))
    return cid


async def _fast_path_to_review(d: CaseDriver, who: Parties, cid: str) -> None:
    await d.stage(cid, Stage.CLASSIFICATION)
    state = await d.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    if state.offers and state.offers[-1].status.value == "awaiting_approval":
        await d.update(cid, W.approve_tier3, Tier3Approval(actor=SUPERVISOR, approve=True, reason="fast path"))
    state = await d.settle(cid, lambda s: bool(s.offers) and s.offers[-1].status.value == "pending")
    await d.respond(cid, who, state.offers[-1].offer_id, accept=True)
    await d.execute(cid, who)
    await d.stage(cid, Stage.REVIEW)


async def counterfeit_escalated_once_penalised_at_tier1(d: CaseDriver) -> str:
    """Severity B left unclaimed: first contact and plan fall due together, one escalation listing both
    (patch `one-escalation-per-deadline`); classified by the classify activity (`classifier-activity`); a
    counterfeit settled at tier 1 with the merchant liable is penalised (`penalty-follows-liability`)."""
    who = await d.parties()
    cid = (await d.file(who, "假货 this is a counterfeit, the logo is fake")).complaint_id
    await d.stage(cid, Stage.CLASSIFICATION)
    await d.skip(d.policy.sla.by_severity[Severity.B].plan + timedelta(minutes=1))
    await d.settle(cid, lambda s: s.escalation_level == 1)
    await d.to_negotiation(cid)
    await d.offer(cid, who, accept=True)
    await d.execute(cid, who)
    await d.survey(cid, who, 95)
    return cid


async def food_safety_carrier_paid_at_once(d: CaseDriver) -> str:
    """Spoiled food, late by the carrier: paid at once, recovered from the carrier, no approval or acceptance
    (patch `food-safety-carrier-pays-at-once`); the urgent clock from filing (`urgent-clock-at-filing`)."""
    who = await d.parties(category="fresh", paid_minor=8800, late=True, delivered_days_ago=None, tracking="overdue")
    cid = (
        await d.file(who, "牛奶变质 the milk arrived late and spoiled, my child got sick", with_evidence=False)
    ).complaint_id
    await d.pending(cid, "complete_intake")
    await d.update(cid, W.complete_intake, IntakeCompletion(actor=who.consumer, evidence=[evidence(f"{cid}-photo")]))
    await d.stage(cid, Stage.CLASSIFICATION)
    await d.update(cid, W.review_classification, ClassificationReview(actor=AGENT, confirm=True))
    await d.execute(cid, who)
    await d.survey(cid, who, 90)
    return cid


async def offer_pending_withdrawn(d: CaseDriver) -> str:
    """The consumer withdraws while an offer is open: it closes as withdrawn (`withdrawal-closes-offers`)."""
    who = await d.parties()
    cid = (await d.file(who, "the product is broken, not working")).complaint_id
    await d.to_negotiation(cid)
    await d.update(cid, W.make_offer, OfferProposal(actor=AGENT))
    await d.update(cid, W.withdraw, Withdrawal(actor=who.consumer, reason="the shop replaced it"))
    return cid


async def trusted_merchant_settles_tier1_itself(d: CaseDriver) -> str:
    """The fast lane (patch `fast-lane-self-service`): a trusted merchant offers a tier-1 refund itself, the
    standing it used comes from the standing_for_case activity, the consumer accepts, and the case closes with
    no agent or supervisor step."""
    who = await d.parties()
    now = await d.env.get_current_time()
    with session_scope(d.engine) as session:
        session.add(
            MerchantStandingRecord(
                merchant_id=who.merchant.id,
                tier="trusted",
                reason="1200 order lines, complaint rate 0.004, no penalty",
                since=now,
                computed_at=now,
                changes=1,
                policy_version=d.policy.version,
            )
        )
    cid = (await d.file(who, "屏幕破损 the screen cracked after two days of use")).complaint_id
    await d.stage(cid, Stage.CLASSIFICATION)
    state = await d.update(cid, W.merchant_settle, MerchantSettlement(actor=who.merchant, refund_minor=15000))
    await d.respond(cid, who, state.offers[-1].offer_id, accept=True)
    await d.execute(cid, who)
    await d.survey(cid, who, 95)
    return cid


Scenario = Callable[[CaseDriver], Awaitable[str]]

SCENARIOS: dict[str, Scenario] = {
    fn.__name__: fn
    for fn in (
        tier1_resolved,
        tier2_no_survey_answer,
        tier3_reopened_then_closed_by_supervisor,
        partial_refund_reopened_then_remainder,
        merchant_silent_offer_lapsed_withdrawn,
        consumer_evidence_silent,
        withdrawn_in_classification,
        rejected_not_your_order,
        incomplete_intake_rejected,
        food_safety_fast_path,
        late_perishable_circuit_breaker,
        after_sales_by_the_classifier,
        counterfeit_escalated_once_penalised_at_tier1,
        food_safety_carrier_paid_at_once,
        offer_pending_withdrawn,
        trusted_merchant_settles_tier1_itself,
    )
}

# The same paths recorded again under the workflow of issue 15 (patch `local-step-writes`: the step's own
# writes are local activities) as files of their own; the files above keep proving that the old path replays.
LOCAL_STEP_WRITES_PATHS = (
    "tier1_resolved",
    "tier3_reopened_then_closed_by_supervisor",
    "counterfeit_escalated_once_penalised_at_tier1",
    "merchant_silent_offer_lapsed_withdrawn",
    "offer_pending_withdrawn",
)
SCENARIOS |= {f"v2_{name}": SCENARIOS[name] for name in LOCAL_STEP_WRITES_PATHS}

# Recorded again once the case has one clock keeper (patch `clock-keeper`, with `local-step-writes`): the
# v2 files above keep proving that cases started between the two patches replay.
CLOCK_KEEPER_PATHS = (
    *LOCAL_STEP_WRITES_PATHS,
    "tier2_no_survey_answer",
    "consumer_evidence_silent",
    "incomplete_intake_rejected",
)
SCENARIOS |= {f"v3_{name}": SCENARIOS[name] for name in CLOCK_KEEPER_PATHS}

# Recorded again once a new case asks every later patch at its start (patch `patches-at-start`, with
# `clock-keeper`; step writes as regular activities, the default): the v3 files keep proving that cases
# started before it replay, each patch asked where its change takes effect.
PATCHES_AT_START_PATHS = CLOCK_KEEPER_PATHS
SCENARIOS |= {f"v4_{name}": SCENARIOS[name] for name in PATCHES_AT_START_PATHS}

# Recorded again once a step's writes go as one local activity per workflow task (patch `batched-step-writes`,
# with local step writes on, the default since 2026-12-03, and every earlier patch): every path. The v2 and
# v3 files keep proving that cases with one local activity per write replay, v4 those with regular ones.
BATCHED_STEP_WRITES_PATHS = tuple(name for name in SCENARIOS if not name.startswith("v"))
SCENARIOS |= {f"v5_{name}": SCENARIOS[name] for name in BATCHED_STEP_WRITES_PATHS}

# Recorded again once a new case takes every patch with one marker (patch `all-patches-at-once`): every path.
# The v5 files keep proving that cases started with a marker per patch replay.
ALL_PATCHES_AT_ONCE_PATHS = BATCHED_STEP_WRITES_PATHS
SCENARIOS |= {f"v6_{name}": SCENARIOS[name] for name in ALL_PATCHES_AT_ONCE_PATHS}

# Recorded again once the buffer is kept through a free case lock (patch `batch-through-free-lock`): every path.
# The v6 files keep proving that cases that wrote the buffer before every lock replay.
BATCH_THROUGH_FREE_LOCK_PATHS = BATCHED_STEP_WRITES_PATHS
SCENARIOS |= {f"v7_{name}": SCENARIOS[name] for name in BATCH_THROUGH_FREE_LOCK_PATHS}
