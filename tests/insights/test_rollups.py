"""The rollups answer exactly what the facts answer: summaries (with exact percentiles) and breakdowns over
windows with partial first and last days, kept current by the per-case refresh, and not read when stale."""

import math
import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from core.db import session_scope
from insights import cube, facts
from insights.breakdown import breakdown, filing_day
from insights.filters import InsightFilter
from insights.summary import summarize
from insights.totals import CHANNELS
from models.insight_tables import InsightCase, InsightDayTotals
from models.tables import Complaint, Survey
from tests.insights.seed import NOW, add_complaints, add_merchant, add_orders

# A period of its own (other tests seed the weeks before NOW), starting mid-day: partial first and last days.
START = NOW - timedelta(days=300, hours=7)
WINDOW = dict(created_from=START, created_to=START + timedelta(days=6, hours=15))
EVERY_CHANNEL = dict(channel=list(CHANNELS))  # the same cases, but a filter the rollups do not serve
TYPES = ["quality_defect", "logistics", "not_as_described", "counterfeit", None]
ROOT_CAUSES = ["merchant_product", "carrier", "merchant_service", "consumer", None]


def _seed(engine) -> list[str]:
    rng = random.Random(13)
    tag = uuid.uuid4().hex[:8]
    ids = []
    for n, category in enumerate(["electronics", "fresh"]):
        merchant, sku = f"IMR-{tag}-{n}", f"SKU-R-{tag}-{n}"
        add_merchant(engine, merchant)
        lines = add_orders(engine, merchant, sku, category, START - timedelta(days=1), 45)
        for line in lines:
            at = START + timedelta(minutes=rng.randint(-600, 60 * 24 * 7))
            stage = rng.choice(["closed", "closed", "closed", "withdrawn", "rejected", "negotiation"])
            open_ = stage == "negotiation"
            ids += add_complaints(
                engine,
                merchant,
                sku,
                [line],
                at,
                stage=stage,
                is_open=open_,
                type=rng.choice(TYPES),
                severity=rng.choice(["A", "B", "C", None]),
                channel=rng.choice(CHANNELS),
                escalation_level=rng.choice([0, 0, 1]),
                root_cause=None if open_ else rng.choice(ROOT_CAUSES),
                closed_at=None if open_ else at + timedelta(seconds=rng.randint(30, 20 * 86400)),
            )
    with session_scope(engine) as session:
        for cid in ids[::3]:
            session.add(
                Survey(
                    complaint_id=cid,
                    round=1,
                    sent_at=START,
                    due_at=START,
                    answered_at=START,
                    resolved_score=rng.randint(30, 100),
                    communication_score=rng.randint(30, 100),
                )
            )
    facts.rebuild(engine, ids)
    return ids


@pytest.fixture
def seeded(engine) -> list[str]:
    return _seed(engine)


def _figures(s) -> dict:
    return s.model_dump(exclude={"window"})


def test_summary_from_the_rollup_equals_the_facts_and_the_hand_computed_percentiles(engine, seeded):
    with Session(engine) as session:
        start, end = InsightFilter(**WINDOW).window()
        for f in (InsightFilter(**WINDOW), InsightFilter(category=["fresh"], **WINDOW)):
            rolled, hist = cube.rolled_window(session, f, 80)
            assert hist is not None  # the rollup answered
            s = summarize(session, f, satisfaction_threshold=80, currency="CNY")
            direct = summarize(session, f.model_copy(update=EVERY_CHANNEL), satisfaction_threshold=80, currency="CNY")
            assert _figures(s) == _figures(direct)
            by_hand = sorted(
                session.exec(
                    select(InsightCase.resolution_seconds).where(
                        col(InsightCase.created_at) >= start,
                        col(InsightCase.created_at) < end,
                        col(InsightCase.resolution_seconds).is_not(None),
                        *([col(InsightCase.category).in_(f.category)] if f.category else []),
                    )
                ).all()
            )
            assert s.resolution["closed"] == len(by_hand) > 10
            for p in (50, 90, 95):
                kth = by_hand[math.ceil(p / 100 * len(by_hand)) - 1]
                assert s.resolution[f"p{p}_hours"] == round(kth / 3600, 2)
            assert s.resolution["mean_hours"] == round(sum(by_hand) / len(by_hand) / 3600, 2)


@pytest.mark.parametrize("by", ["root_cause", "type", "severity", "channel", "dispute_class", "category", "day"])
def test_breakdown_from_the_rollup_equals_the_facts(engine, seeded, by):
    with Session(engine) as session:
        for f in (InsightFilter(**WINDOW), InsightFilter(category=["electronics"], **WINDOW)):
            assert cube.window_groups(session, f, by, filing_day(session)) is not None  # the rollup answers
            rolled = breakdown(session, f, by, min_complaints=1)
            direct = breakdown(session, f.model_copy(update=EVERY_CHANNEL), by, min_complaints=1)
            assert rolled == direct and sum(r.complaints for r in rolled) > 20


def test_the_per_case_refresh_keeps_the_rollups_current(engine, seeded):
    f = InsightFilter(**WINDOW)
    cid = seeded[1]
    with session_scope(engine) as session:
        session.execute(
            update(Complaint).where(col(Complaint.id) == cid).values(root_cause="unsubstantiated", stage="closed")
        )
        facts.refold(session, [cid])  # what the insights drain runs for the marked case
    with Session(engine) as session:
        rolled = {r.key: r for r in breakdown(session, f, "root_cause", min_complaints=1)}
        direct = {
            r.key: r for r in breakdown(session, f.model_copy(update=EVERY_CHANNEL), "root_cause", min_complaints=1)
        }
        summary = summarize(session, f, satisfaction_threshold=80, currency="CNY")
        summary_direct = summarize(
            session, f.model_copy(update=EVERY_CHANNEL), satisfaction_threshold=80, currency="CNY"
        )
    assert rolled == direct and rolled["unsubstantiated"].complaints >= 1
    assert _figures(summary) == _figures(summary_direct)


def test_rollup_rows_of_another_layout_are_not_read(engine, seeded):
    f = InsightFilter(**WINDOW)
    with session_scope(engine) as session:
        day = (START + timedelta(days=2)).date()
        session.execute(update(InsightDayTotals).where(col(InsightDayTotals.day) == day).values(layout=""))
    with Session(engine) as session:
        assert cube.rolled_window(session, f, 80)[1] is None
        assert cube.window_groups(session, f, "root_cause", None) is None
        assert breakdown(session, f, "root_cause", min_complaints=1) == breakdown(
            session, f.model_copy(update=EVERY_CHANNEL), "root_cause", min_complaints=1
        )
    cube.rebuild(engine)
    with Session(engine) as session:
        assert cube.rolled_window(session, f, 80)[1] is not None
