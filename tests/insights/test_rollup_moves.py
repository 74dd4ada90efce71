"""A fold moves its cases' contribution in the rollups instead of re-aggregating their days.

The promise: after any sequence of changes to any cases, each folded by `facts.refold` (at once, or marked
and folded by drains as the worker does), every rollup row of a touched day equals the aggregate over
exactly that day's facts, and no row is left for a day and category without facts. Generated sequences
(Hypothesis) change stages, classifications, closings, surveys, breaches, money and the category itself, on
SQLite and PostgreSQL.
"""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import update
from sqlmodel import Session, col, select

from core.db import session_scope
from insights import cube, facts, pending
from insights.totals import CHANNELS
from models.insight_tables import InsightDayGroup, InsightDayTotals
from models.tables import Complaint, LedgerEntry, OrderLine, SlaBreach, Survey
from tests.insights.seed import add_complaints, add_merchant, add_orders

CATEGORIES = ["electronics", "fresh", "家居用品", None]
STAGES = ["classification", "negotiation", "closed", "withdrawn", "rejected"]
_periods = itertools.count()


def _stored(session: Session, day, category: str) -> tuple[list[int] | None, dict]:
    row = session.get(InsightDayTotals, (day, category))
    groups = {
        (g.dimension, g.value): {name: getattr(g, name) for name in cube.GROUP_SUMS}
        for g in session.exec(
            select(InsightDayGroup).where(col(InsightDayGroup.day) == day, col(InsightDayGroup.category) == category)
        )
    }
    return (row.totals["values"] if row else None), groups


def _aggregated(session: Session, day, category: str) -> tuple[list[int] | None, dict]:
    agg = cube.Aggregates.over(cube.day_clauses(day, category))  # the same aggregate refresh_day stores
    return cube.aggregate_values(session, agg), cube.aggregate_groups(session, agg)


class RollupMoves(RuleBasedStateMachine):
    engine = None  # set per database by the test

    def __init__(self) -> None:
        super().__init__()
        period = next(_periods)
        # Days of their own for each run (two, so a case's day is one of several); nothing else files there.
        self.days = [datetime(2019, 1, 1, tzinfo=UTC) + timedelta(days=3 * period + d) for d in range(2)]
        self.merchant = f"IMR-MOVE-{period}-{id(self)}"
        add_merchant(self.engine, self.merchant)
        self.cases: list[tuple[str, str]] = []  # (complaint id, order line id)
        self.entries = itertools.count()

    def _refresh(self, cid: str) -> None:
        with session_scope(self.engine) as session:
            facts.refold(session, [cid])

    @rule(day=st.integers(0, 1), hour=st.integers(0, 23), category=st.sampled_from(CATEGORIES))
    def file(self, day, hour, category):
        at = self.days[day] + timedelta(hours=hour)
        (line,) = add_orders(self.engine, self.merchant, "SKU-MOVE", category or "fresh", at, 1)
        (cid,) = add_complaints(
            self.engine, self.merchant, "SKU-MOVE", [line], at, stage="intake", is_open=True, closed_at=None
        )
        self.cases.append((cid, line))
        self._set_category(cid, line, category)
        self._refresh(cid)

    def _set_category(self, cid: str, line: str, category: str | None) -> None:
        """A case's category is its order line's; a case without an order line (None) has none."""
        with session_scope(self.engine) as session:
            if category is not None:
                session.execute(update(OrderLine).where(col(OrderLine.id) == line).values(category=category))
            session.execute(
                update(Complaint).where(col(Complaint.id) == cid).values(order_line_id=line if category else None)
            )

    @rule(
        n=st.integers(0, 10**6),
        stage=st.sampled_from(STAGES),
        kind=st.sampled_from(["quality_defect", "logistics", None]),
        severity=st.sampled_from(["A", "B", "C", None]),
        channel=st.sampled_from(CHANNELS),
        escalation=st.integers(0, 2),
        hours_to_close=st.integers(0, 24 * 40),
    )
    def change(self, n, stage, kind, severity, channel, escalation, hours_to_close):
        if not self.cases:
            return
        cid, _ = self.cases[n % len(self.cases)]
        with session_scope(self.engine) as session:
            row = session.get(Complaint, cid)
            assert row is not None
            closed = stage == "closed"
            row.stage, row.type, row.severity, row.channel = stage, kind, severity, channel
            row.escalation_level = escalation
            row.closed_at = row.created_at + timedelta(hours=hours_to_close) if closed else None
            row.root_cause = "merchant_product" if closed else None
            row.updated_at = row.updated_at + timedelta(seconds=1)
            session.add(row)
        self._refresh(cid)

    @rule(n=st.integers(0, 10**6), category=st.sampled_from(CATEGORIES))
    def recategorise(self, n, category):
        if not self.cases:
            return
        cid, line = self.cases[n % len(self.cases)]
        self._set_category(cid, line, category)
        self._refresh(cid)

    @rule(n=st.integers(0, 10**6), resolved=st.integers(0, 100), communication=st.integers(0, 100))
    def answer_survey(self, n, resolved, communication):
        if not self.cases:
            return
        cid, _ = self.cases[n % len(self.cases)]
        with session_scope(self.engine) as session:
            survey = session.exec(select(Survey).where(Survey.complaint_id == cid)).first()
            at = self.days[0]
            survey = survey or Survey(complaint_id=cid, round=1, sent_at=at, due_at=at)
            survey.answered_at, survey.resolved_score, survey.communication_score = at, resolved, communication
            session.add(survey)
        self._refresh(cid)

    @rule(n=st.integers(0, 10**6), clock=st.sampled_from(["first_contact", "plan", "solution", "dispute_limit"]))
    def breach(self, n, clock):
        if not self.cases:
            return
        cid, _ = self.cases[n % len(self.cases)]
        with session_scope(self.engine) as session:
            key = f"{cid}:{clock}"
            if session.get(SlaBreach, key) is None:
                at = self.days[0]
                session.add(
                    SlaBreach(id=key, complaint_id=cid, clock=clock, level=1, due_at=at, breached_at=at, recorded_at=at)
                )
        self._refresh(cid)

    @rule(n=st.integers(0, 10**6), amount=st.integers(1, 10**7), kind=st.sampled_from(["merchant_refund", "penalty"]))
    def pay(self, n, amount, kind):
        if not self.cases:
            return
        cid, _ = self.cases[n % len(self.cases)]
        with session_scope(self.engine) as session:
            session.add(
                LedgerEntry(
                    idempotency_key=f"{cid}:move:{next(self.entries)}",
                    complaint_id=cid,
                    merchant_id=self.merchant,
                    kind=kind,
                    amount_minor=amount,
                    payer=self.merchant,
                    payee="consumer",
                    created_at=self.days[0],
                )
            )
        self._refresh(cid)

    @invariant()
    def every_touched_rollup_row_is_the_aggregate_of_its_day(self):
        self._check()

    def _check(self) -> None:
        with Session(self.engine) as session:
            for day in self.days:
                for category in [cube.ALL, *(c or "" for c in CATEGORIES)]:
                    stored, aggregated = (
                        _stored(session, day.date(), category),
                        _aggregated(session, day.date(), category),
                    )
                    assert stored == aggregated, (day.date(), category)


class DrainedRollupMoves(RollupMoves):
    """The same changes, each marked as the read-model writer marks it, folded by drains of any chunk size:
    a chunk of several cases of one day moves each rollup row once. Checked whenever nothing is marked, and
    at the end after a last drain."""

    def _refresh(self, cid: str) -> None:
        with session_scope(self.engine) as session:
            pending.mark(session, cid, datetime.now(UTC))

    @rule(chunk=st.integers(1, 4))
    def drain(self, chunk):
        claimed, changed = pending.drain_once(self.engine, chunk)
        assert changed <= claimed <= chunk

    @invariant()
    def every_touched_rollup_row_is_the_aggregate_of_its_day(self):
        with Session(self.engine) as session:
            waiting, _ = pending.backlog(session)
        if waiting == 0:
            self._check()

    def teardown(self) -> None:
        pending.drain(self.engine, chunk=3)
        with Session(self.engine) as session:
            assert pending.backlog(session) == (0, None)
        self._check()


@pytest.mark.parametrize("machine", [RollupMoves, DrainedRollupMoves], ids=["refreshed", "drained"])
def test_moved_contributions_equal_the_re_aggregated_day(engine, machine):
    machine.engine = engine
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_a_row_that_does_not_hold_the_old_contribution_is_re_aggregated(engine):
    """A rollup damaged by hand (or by a writer of an older version) is made whole by the next move."""
    machine_day = datetime(2018, 6, 1, 9, tzinfo=UTC)
    merchant = f"IMR-DAMAGE-{id(engine)}"
    add_merchant(engine, merchant)
    lines = add_orders(engine, merchant, "SKU-DMG", "fresh", machine_day, 2)
    ids = add_complaints(engine, merchant, "SKU-DMG", lines, machine_day, stage="negotiation", is_open=True)
    for cid in ids:
        with session_scope(engine) as session:
            facts.refold(session, [cid])
    with session_scope(engine) as session:
        session.execute(
            update(InsightDayTotals)
            .where(col(InsightDayTotals.day) == machine_day.date())
            .values(totals={"layout": cube.LAYOUT, "values": [0] * (len(cube.KEYS) + cube.SCORES + len(cube.EDGES))})
        )
        session.execute(update(Complaint).where(col(Complaint.id) == ids[0]).values(stage="closed"))
        facts.refold(session, [ids[0]])
    with Session(engine) as session:
        for category in (cube.ALL, "fresh"):
            stored, aggregated = (
                _stored(session, machine_day.date(), category),
                _aggregated(session, machine_day.date(), category),
            )
            assert stored == aggregated and stored[0] is not None and stored[0][cube.KEYS.index("n")] == 2
