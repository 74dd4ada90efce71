"""The benchmark's yardsticks are themselves checked: the bare workflow does a project case's work, the
minimal durable shape keeps only its updates, money activities and survey timer, and the drills' books
check notices a doubled payment, a lost evidence item and a missing audit record."""

import uuid

import pytest
from sqlmodel import Session, select
from temporalio.api.enums.v1 import EventType

from bench.bare_case import BareCase
from bench.bare_workflow import BareWorkflow, bare_activity
from bench.databases import sqlite_database
from bench.fixtures import make_parties
from bench.scenario import FullCase, full_case_policy
from bench.shape import MONEY_ACTIVITIES, event_counts, minimal_shape_of, same_work, shape_of
from core.db import make_engine
from core.settings import DEFAULT_POLICY_FILE, Settings
from drills.checks import full_case_problems
from models.enums import LedgerKind
from models.tables import AuditLog, EvidenceItem, LedgerEntry
from policy.loader import load_policy
from runtime.worker_build import build_worker


@pytest.fixture(scope="module")
def shape_engine(tmp_path_factory):
    """A database of this module's own: the books-check test damages it on purpose."""
    engine = make_engine(sqlite_database(tmp_path_factory.mktemp("shape")))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
async def closed_case(dev_env, shape_engine):
    queue = f"shape-{uuid.uuid4().hex[:6]}"
    [party] = make_parties(shape_engine, 1)
    policy = full_case_policy(load_policy(DEFAULT_POLICY_FILE))
    async with build_worker(dev_env.client, shape_engine, Settings(_env_file=None), task_queue=queue):
        case = FullCase(dev_env.client, shape_engine, queue, policy, party)
        state = await case.run()
    assert state.stage.value == "closed" and state.outcome == "resolved"
    return case


async def _run_bare(dev_env, engine, shape, prefix: str):
    """Run `shape` as a bare case on a worker of its own and count what its history holds."""
    queue = f"{prefix}-{uuid.uuid4().hex[:6]}"
    async with build_worker(
        dev_env.client,
        engine,
        Settings(_env_file=None),
        task_queue=queue,
        workflows=[BareWorkflow],
        activities=[bare_activity],
    ):
        bare = BareCase(dev_env.client, queue, shape, f"{prefix}-{uuid.uuid4().hex[:8]}")
        await bare.run(bare.steps)
    return event_counts(await bare.handle().fetch_history())


async def test_the_bare_workflow_repeats_a_project_case_shape(dev_env, shape_engine, closed_case):
    history = await closed_case.handle().fetch_history()
    shape, counts = shape_of(history), event_counts(history)
    assert [s.update for s in shape.segments] == [
        "file",
        "review_classification",
        "set_liability",
        "make_offer",
        "respond_to_offer",
        "confirm_merchant_refund",
        "answer_survey",
    ]
    assert [len(s.timers_fired) for s in shape.segments].count(1) == 1  # the survey delay really ran out
    bare_counts = await _run_bare(dev_env, shape_engine, shape, "bare")
    assert same_work(bare_counts, counts), (dict(bare_counts), dict(counts))
    # 5 regular activities and one batch of writes per workflow task that writes (13 in a tier-1 case).
    assert counts["activities"] >= 5 and counts["local_activities"] >= 10 and counts["updates"] == 7


async def test_the_minimal_shape_keeps_the_updates_the_money_and_the_survey_timer_only(
    dev_env, shape_engine, closed_case
):
    history = await closed_case.handle().fetch_history()
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    money = [name for name in scheduled if name in MONEY_ACTIVITIES]
    assert sorted(money) == sorted(MONEY_ACTIVITIES)  # freeze, refund, unfreeze: once each in a full case
    minimal = minimal_shape_of(history)
    assert [s.update for s in minimal.segments] == [s.update for s in shape_of(history).segments]
    assert minimal.totals() == {
        "updates": 7,
        "activities": 3,
        "local_activities": 0,
        "timers": 1,
        "timers_fired": 1,
        "upserts": 0,
    }
    counts = await _run_bare(dev_env, shape_engine, minimal, "minimal")
    assert (counts["updates"], counts["activities"], counts["timers"], counts["timers_fired"]) == (7, 3, 1, 1)
    assert counts["upserts"] == counts["local_activities"] == 0


def test_the_books_check_passes_a_clean_case_and_names_each_kind_of_damage(shape_engine, closed_case):
    cid = closed_case.complaint_id
    assert full_case_problems(shape_engine, [cid]) == []
    with Session(shape_engine) as session:
        refund = session.exec(
            select(LedgerEntry).where(
                LedgerEntry.complaint_id == cid, LedgerEntry.kind == LedgerKind.MERCHANT_REFUND.value
            )
        ).one()
        session.add(
            LedgerEntry(
                idempotency_key=f"{refund.idempotency_key}:again",
                complaint_id=cid,
                merchant_id=refund.merchant_id,
                kind=refund.kind,
                amount_minor=refund.amount_minor,
                payer=refund.payer,
                payee=refund.payee,
                created_at=refund.created_at,
            )
        )
        for item in session.exec(select(EvidenceItem).where(EvidenceItem.complaint_id == cid)):
            session.delete(item)
        session.commit()
    problems = full_case_problems(shape_engine, [cid])
    assert any("ledger" in p and "'merchant_refund': 2" in p for p in problems)
    assert any("evidence is not on record" in p for p in problems)
    with Session(shape_engine) as session:
        middle = session.exec(select(AuditLog).where(AuditLog.complaint_id == cid).order_by(AuditLog.id)).all()[3]
        session.delete(middle)
        session.commit()
    problems = full_case_problems(shape_engine, [cid])
    assert any("audit seqs" in p for p in problems) and any("audit chain broken" in p for p in problems)
