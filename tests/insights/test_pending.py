"""The insights drain: the read-model writer marks a case, a drain folds it, and nothing written is lost.

The promises (insights/pending.py), on SQLite and PostgreSQL:
- a write that marks a case while a drain holds that case waits for the drain, and stays marked after it;
- drains running at once fold every case, each once: the rollups equal the aggregate of the facts after;
- an insights query drains first: its figures count what was written before it, with no worker running;
- a refused drain writes nothing and keeps its marks.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlalchemy import update
from sqlmodel import Session, col, select

from core.db import session_scope
from insights import cube, facts, pending
from models.insight_tables import InsightCase, InsightDayTotals, InsightPending
from models.tables import Complaint
from seed.demo import seed_demo
from tests.api.conftest import api_settings, start_api
from tests.insights.seed import add_complaints, add_merchant, add_orders
from tests.insights.test_rollup_moves import _aggregated, _stored

DAY = datetime(2017, 3, 1, 8, tzinfo=UTC)


def _cases(engine, tag: str, count: int, day: datetime = DAY) -> list[str]:
    merchant = f"IMR-PEND-{tag}-{id(engine)}"
    add_merchant(engine, merchant)
    lines = add_orders(engine, merchant, f"SKU-{tag}", "fresh", day, count)
    return add_complaints(engine, merchant, f"SKU-{tag}", lines, day, stage="negotiation", is_open=True)


def _mark(engine, ids: list[str]) -> None:
    with session_scope(engine) as session:
        for cid in ids:
            pending.mark(session, cid, datetime.now(UTC))


def _close(engine, cid: str) -> None:
    """What the read-model writer does for a closing step: the row changes and the case is marked."""
    with session_scope(engine) as session:
        session.execute(
            update(Complaint)
            .where(col(Complaint.id) == cid)
            .values(stage="closed", is_open=False, closed_at=DAY + timedelta(days=1), root_cause="merchant_product")
        )
        pending.mark(session, cid, datetime.now(UTC))


def _stage_of_fact(engine, cid: str) -> str | None:
    with Session(engine) as session:
        fact = session.get(InsightCase, cid)
        return fact.stage if fact else None


def _rollups_whole(engine, day: datetime) -> None:
    with Session(engine) as session:
        for category in (cube.ALL, "fresh"):
            assert _stored(session, day.date(), category) == _aggregated(session, day.date(), category), category


def test_a_case_marked_twice_waits_once_and_is_folded(engine):
    ids = _cases(engine, "TWICE", 2)
    _mark(engine, ids)
    _mark(engine, ids)
    with Session(engine) as session:
        assert pending.backlog(session)[0] >= 2
    assert pending.drain(engine) >= 2
    assert all(_stage_of_fact(engine, cid) == "negotiation" for cid in ids)
    _rollups_whole(engine, DAY)


def test_a_mark_written_while_a_drain_holds_the_case_is_not_lost(engine):
    (cid,) = _cases(engine, "RACE", 1)
    _mark(engine, [cid])
    pending.drain(engine, wait=True)  # every older mark folded: the claim below holds this case alone
    _mark(engine, [cid])
    writer_done = threading.Event()

    def write() -> None:
        _close(engine, cid)
        writer_done.set()

    with Session(engine, expire_on_commit=False) as drain_session:
        claimed = list(drain_session.execute(pending._claim_statement(engine.dialect.name, True), {"n": 10}).scalars())
        assert cid in claimed
        facts.refold(drain_session, claimed)  # folds the case as it was: still in negotiation
        writer = threading.Thread(target=write)
        writer.start()
        # The writer's mark waits for the drain's claim (its row lock; SQLite: the one write lock).
        assert not writer_done.wait(1.0)
        drain_session.commit()
    writer.join(30)
    assert writer_done.is_set()
    assert _stage_of_fact(engine, cid) == "negotiation"  # what the drain saw
    with Session(engine) as session:
        assert session.get(InsightPending, cid) is not None  # the writer's mark survived the claim
    pending.drain(engine, wait=True)
    assert _stage_of_fact(engine, cid) == "closed"
    _rollups_whole(engine, DAY)


def test_drains_at_once_fold_every_case_once(engine):
    day = DAY + timedelta(days=2)
    ids = _cases(engine, "MANY", 60, day)
    _mark(engine, ids)
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            pending.drain(engine, chunk=7)
        except BaseException as err:  # reported below: a thread's exception is otherwise only printed
            errors.append(err)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for cid in ids[::3]:  # writes keep arriving while the drains run
        _close(engine, cid)
    for t in threads:
        t.join(60)
    assert errors == []
    pending.drain(engine, wait=True)
    with Session(engine) as session:
        stages = dict(
            session.exec(
                select(InsightCase.complaint_id, InsightCase.stage).where(col(InsightCase.complaint_id).in_(ids))
            ).all()
        )
    assert stages == {cid: "closed" if i % 3 == 0 else "negotiation" for i, cid in enumerate(ids)}
    _rollups_whole(engine, day)
    with Session(engine) as session:
        row = session.get(InsightDayTotals, (day.date(), cube.ALL))
        assert row is not None and row.totals["values"][cube.KEYS.index("n")] == 60


def test_a_refused_fold_writes_nothing_and_keeps_its_marks(engine, monkeypatch):
    ids = _cases(engine, "REFUSE", 3)
    _mark(engine, ids)

    def refused(session, claimed):
        session.execute(update(Complaint).where(col(Complaint.id) == ids[0]).values(stage="closed"))
        raise RuntimeError("the database went away mid-fold")

    monkeypatch.setattr(facts, "refold", refused)
    with pytest.raises(RuntimeError):
        pending.drain(engine)
    monkeypatch.undo()
    with Session(engine) as session:
        assert session.get(Complaint, ids[0]).stage == "negotiation"
    assert pending.drain(engine, wait=True) >= 3  # the marks are all still there
    assert [_stage_of_fact(engine, cid) for cid in ids] == ["negotiation"] * 3


@pytest_asyncio.fixture
async def api(engine, tmp_path):
    seed_demo(engine, now=datetime.now(UTC))
    async for instance in start_api(api_settings(tmp_path), engine):
        yield instance


async def test_an_insights_query_counts_what_was_written_before_it(api, engine):
    from api.security import create_access_token

    day = DAY + timedelta(days=5)
    ids = _cases(engine, "QUERY", 3, day)
    _mark(engine, ids)  # as the read-model writer leaves them; no worker drains here
    token = create_access_token(api.settings, user_id="U-super1", role="supervisor")
    window = {"created_from": day.replace(hour=0).isoformat(), "created_to": (day + timedelta(days=1)).isoformat()}
    response = await api.http.get("/insights/summary", params=window, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["filed"] == 3
    _close(engine, ids[0])
    by_stage = await api.http.get(
        "/insights/breakdown",
        params={**window, "by": "merchant", "min_complaints": 1},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert by_stage.status_code == 200, by_stage.text
    (row,) = by_stage.json()
    assert row["complaints"] == 3 and row["closed"] == 1
