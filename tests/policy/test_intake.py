from datetime import timedelta

import pytest

from models.enums import Category
from models.policy import IntakePolicy, Policy
from policy.intake import category_of, check_intake
from tests.policy.builders import T0, evidence_ref, line, order_record

POLICY = Policy()
DELIVERED = T0 + timedelta(days=2)


def check(
    *,
    order=None,
    consumer_id="c1",
    order_line_id=None,
    description="screen cracked",
    evidence=None,
    filed_at=None,
    policy=POLICY,
    **order_fields,
):
    record = order if order is not None else order_record(**order_fields)
    return check_intake(
        consumer_id=consumer_id,
        order=record,
        order_line_id=order_line_id,
        description=description,
        evidence=[evidence_ref()] if evidence is None else evidence,
        filed_at=filed_at or T0 + timedelta(days=3),
        policy=policy,
    )


def test_a_complete_complaint_is_valid_with_the_order_facts_pulled_in():
    result = check(delivered_at=DELIVERED, lines=[line("L1", "electronics", paid_minor=8_800)])
    assert (result.valid, result.rejection, result.missing) == (True, None, [])
    facts = result.order
    assert (facts.order_id, facts.order_line_id, facts.consumer_id, facts.merchant_id) == ("O1", "L1", "c1", "m1")
    assert (facts.sku, facts.category, facts.paid_minor, facts.currency) == (
        "SKU-L1",
        Category.ELECTRONICS,
        8_800,
        "CNY",
    )
    assert (facts.placed_at, facts.delivered_at, facts.carrier, facts.tracking_status) == (
        T0,
        DELIVERED,
        "SF",
        "delivered",
    )
    assert facts.perishable_late is False


def test_unknown_order_is_rejected():
    result = check_intake(
        consumer_id="c1", order=None, order_line_id=None, description="x", evidence=[], filed_at=T0, policy=POLICY
    )
    assert (result.valid, result.rejection, result.order) == (False, "order not found", None)


def test_someone_elses_order_is_rejected():
    result = check(consumer_id="intruder")
    assert (result.valid, result.rejection) == (False, "order does not belong to the consumer")


def test_a_line_of_another_order_is_rejected():
    result = check(order_line_id="L9")
    assert result.valid is False
    assert result.rejection == "order line L9 is not part of order O1"


def test_an_order_without_lines_is_rejected():
    assert check(lines=[]).valid is False


@pytest.mark.parametrize(("category", "days"), [("fresh", 7), ("food", 7), ("clothing", 15), ("electronics", 30)])
@pytest.mark.parametrize(("offset", "valid"), [(timedelta(0), True), (timedelta(seconds=1), False)])
def test_after_sales_window_edge_counted_from_delivery(category, days, offset, valid):
    filed_at = DELIVERED + timedelta(days=days) + offset
    result = check(
        delivered_at=DELIVERED, lines=[line(category=category)], filed_at=filed_at, tracking_status="delivered"
    )
    assert result.valid is valid
    if not valid:
        assert f"{days}-day after-sales window for {category} closed" in result.rejection
        assert "after delivery" in result.rejection


def test_window_counts_from_placement_when_never_delivered():
    inside = check(lines=[line(category="fresh")], filed_at=T0 + timedelta(days=7), tracking_status="in_transit")
    outside = check(
        lines=[line(category="fresh")], filed_at=T0 + timedelta(days=7, seconds=1), tracking_status="in_transit"
    )
    assert inside.valid is True
    assert outside.valid is False and "after order" in outside.rejection


def test_window_length_comes_from_the_policy():
    short = Policy(intake=IntakePolicy(after_sales_window_days={Category.ELECTRONICS: 1, Category.OTHER: 2}))
    assert check(delivered_at=DELIVERED, filed_at=DELIVERED + timedelta(days=2), policy=short).valid is False


def test_an_unknown_category_gets_the_other_window():
    result = check(delivered_at=DELIVERED, lines=[line(category="garden")], filed_at=DELIVERED + timedelta(days=16))
    assert result.valid is False and "15-day after-sales window for other" in result.rejection
    assert category_of(" Fresh ") == Category.FRESH


def test_no_window_configured_means_no_limit():
    open_ended = Policy(intake=IntakePolicy(after_sales_window_days={Category.FRESH: 7}))
    assert check(delivered_at=DELIVERED, filed_at=DELIVERED + timedelta(days=400), policy=open_ended).valid is True


def test_multi_line_order_without_a_line_is_missing_the_line_and_has_no_facts_yet():
    result = check(lines=[line("L1"), line("L2")])
    assert (result.valid, result.missing, result.order) == (True, ["order_line"], None)


def test_multi_line_order_with_a_line_picks_that_line():
    result = check(lines=[line("L1"), line("L2", "fresh", 300)], order_line_id="L2", delivered_at=DELIVERED)
    assert (result.order.order_line_id, result.order.category, result.order.paid_minor) == ("L2", Category.FRESH, 300)


def test_single_line_order_uses_its_only_line():
    assert check(order_line_id=None).order.order_line_id == "L1"


@pytest.mark.parametrize(
    ("description", "evidence", "missing"),
    [
        ("", [], ["description"]),
        ("   ", [evidence_ref()], ["description"]),
        ("这是假货", [], ["evidence"]),  # counterfeit needs evidence
        ("spoiled milk", [], ["evidence"]),  # food safety needs evidence
        ("色差明显", [], ["evidence"]),  # not as described needs evidence
        ("screen cracked", [evidence_ref()], []),
        ("parcel lost", [], []),  # logistics: the carrier's records are the evidence
        ("cannot cancel", [], []),
        ("unhappy", [], []),  # no keyword, no type: nothing to demand yet
    ],
)
def test_missing_information(description, evidence, missing):
    result = check(description=description, evidence=evidence)
    assert (result.valid, result.missing) == (True, missing)


def test_everything_missing_at_once():
    result = check(lines=[line("L1"), line("L2")], description="", evidence=[])
    assert result.missing == ["order_line", "description"]


def test_evidence_requirement_follows_the_policy():
    lenient = Policy(intake=IntakePolicy(evidence_required_for=[]))
    assert check(description="这是假货", evidence=[], policy=lenient).missing == []


PROMISED = T0 + timedelta(days=2)


@pytest.mark.parametrize(
    ("category", "tracking", "delivered_at", "filed_at", "late"),
    [
        ("fresh", "overdue", None, T0 + timedelta(days=1), True),
        ("food", "abnormal", None, T0 + timedelta(days=1), True),
        ("fresh", "lost", None, T0 + timedelta(days=1), True),
        ("fresh", "delivered", PROMISED + timedelta(minutes=1), PROMISED + timedelta(days=1), True),
        ("fresh", "delivered", PROMISED, PROMISED + timedelta(days=1), False),  # on the promised instant is on time
        ("fresh", "in_transit", None, PROMISED + timedelta(seconds=1), True),
        ("fresh", "in_transit", None, PROMISED, False),
        ("electronics", "overdue", None, T0 + timedelta(days=1), False),  # not perishable
        ("clothing", "delivered", PROMISED + timedelta(days=1), PROMISED + timedelta(days=2), False),
    ],
)
def test_perishable_late(category, tracking, delivered_at, filed_at, late):
    result = check(
        lines=[line(category=category)],
        tracking_status=tracking,
        delivered_at=delivered_at,
        promised_by=PROMISED,
        filed_at=filed_at,
    )
    assert result.order.perishable_late is late


def test_without_a_promise_only_tracking_makes_a_perishable_late():
    assert (
        check(lines=[line(category="fresh")], tracking_status="in_transit", promised_by=None).order.perishable_late
        is False
    )
