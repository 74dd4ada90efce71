"""The benchmark's bare yardsticks do the work they claim, and no more (nothing here is timed).

- The bare clock case answers the API's own clock route (same token, idempotency claim and ownership
  check as a project case) with a validated update that schedules nothing and writes nothing.
- The bare deadlines fire one timer per given instant and record exactly one breach row per timer.
"""

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func
from sqlmodel import Session, col, select
from temporalio.api.enums.v1 import EventType

from api.main import create_app
from api.security import create_access_token
from bench.bare_cases import open_bare_clock_cases
from bench.bare_deadlines import BareDeadlines, BareDeadlineWorkflow
from bench.bare_records import BARE_CLOCK
from bench.bare_worker import BARE_WORKFLOWS, bare_activities
from bench.databases import sqlite_database
from bench.fixtures import make_parties
from bench.scenario import FullCase
from core.db import make_engine
from core.settings import DEFAULT_POLICY_FILE, Settings
from models.enums import Stage
from models.tables import AuditLog, Complaint, SlaBreach, User
from policy.loader import load_policy
from runtime.worker_build import build_worker
from workflows.ids import workflow_id

E = EventType
AGENT = "U-yardstick-agent"
SECRET = "yardstick-secret-" + "x" * 40


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(sqlite_database(tmp_path_factory.mktemp("yardsticks")))
    with engine.begin() as conn:
        conn.execute(
            User.__table__.insert(),  # type: ignore[attr-defined]
            [dict(id=AGENT, username="yardstick", hashed_password="-", role="agent", created_at=datetime.now(UTC))],
        )
    yield engine
    engine.dispose()


@pytest_asyncio.fixture(scope="module")
async def workers(dev_env, engine):
    """The project's worker and the bare one, in this process, each on its own queue."""
    project_queue, bare_queue = f"yard-{uuid.uuid4().hex[:6]}", f"yard-bare-{uuid.uuid4().hex[:6]}"
    settings = Settings(_env_file=None)
    project = build_worker(dev_env.client, engine, settings, task_queue=project_queue)
    bare = build_worker(
        dev_env.client,
        engine,
        settings,
        task_queue=bare_queue,
        workflows=BARE_WORKFLOWS,
        activities=bare_activities(engine),
    )
    async with project, bare:
        yield project_queue, bare_queue


@pytest_asyncio.fixture(scope="module")
async def twin(dev_env, engine, workers) -> tuple[str, str]:
    """(a project case in evidence, its bare clock twin)."""
    project_queue, bare_queue = workers
    [party] = make_parties(engine, 1)
    policy = load_policy(DEFAULT_POLICY_FILE)
    case = FullCase(dev_env.client, engine, project_queue, policy, party)
    await case.file()
    assert (await case.step("review_classification")).stage == Stage.EVIDENCE
    template = await FullCase.state_of(dev_env.client, case.complaint_id)
    [[bare]] = (
        await open_bare_clock_cases(dev_env.client, engine, bare_queue, {AGENT: [case.complaint_id]}, template)
    ).values()
    return case.complaint_id, bare


@pytest_asyncio.fixture(scope="module")
async def http(dev_env, engine, tmp_path_factory):
    settings = Settings(_env_file=None, jwt_secret=SECRET, dev_mode=False, data_dir=tmp_path_factory.mktemp("api"))
    app = create_app(settings, client=dev_env.client, engine=engine)
    token = create_access_token(settings, user_id=AGENT, role="agent")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://api.test", headers={"Authorization": f"Bearer {token}"}
        ) as client:
            yield client


async def _clock(http: httpx.AsyncClient, cid: str, pause: bool) -> httpx.Response:
    return await http.post(
        f"/complaints/{cid}/clock",
        json={"pause": pause, "reason": "waiting for the carrier's report"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )


def _kinds(history) -> Counter:
    return Counter(e.event_type for e in history.events)


def _audit_rows(engine, cid: str) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.complaint_id == cid)).one()


async def test_the_bare_clock_case_answers_the_clock_route_with_a_validated_update_and_nothing_else(
    dev_env, engine, twin, http
):
    project, bare = twin
    audit_before = _audit_rows(engine, project)

    for cid in (project, bare):  # the same route, token and checks reach both
        paused = await _clock(http, cid, pause=True)
        assert paused.status_code == 200, paused.text
        assert paused.json()["complaint_id"] == cid
        again = await _clock(http, cid, pause=True)
        assert again.status_code == 409, again.text  # both validators refuse pausing a paused clock
        resumed = await _clock(http, cid, pause=False)
        assert resumed.status_code == 200, resumed.text

    bare_history = _kinds(await dev_env.client.get_workflow_handle(workflow_id(bare)).fetch_history())
    assert bare_history[E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED] == 2  # the refused one never entered
    for work in (E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, E.EVENT_TYPE_MARKER_RECORDED, E.EVENT_TYPE_TIMER_STARTED):
        assert bare_history[work] == 0
    assert _audit_rows(engine, bare) == 0
    # The project's action is a full write: its audit records are in the database.
    assert _audit_rows(engine, project) >= audit_before + 2


async def test_the_bare_deadlines_record_one_row_per_timer_at_its_instant(dev_env, engine, twin, workers):
    _, bare = twin
    _, bare_queue = workers
    start = datetime.now(UTC)
    due = [start + timedelta(seconds=1), start + timedelta(seconds=1), start + timedelta(seconds=2)]
    handle = await dev_env.client.start_workflow(
        BareDeadlineWorkflow.run,
        BareDeadlines(complaint_id=bare, due=due),
        id=f"deadlines-{uuid.uuid4().hex[:8]}",
        task_queue=bare_queue,
    )
    assert await handle.result() == 3
    with Session(engine) as session:
        rows = session.exec(
            select(SlaBreach)
            .where(SlaBreach.complaint_id == bare, SlaBreach.clock == BARE_CLOCK)
            .order_by(col(SlaBreach.level))
        ).all()
    assert [r.due_at for r in rows] == due
    assert all(r.due_at <= r.breached_at <= r.recorded_at for r in rows)  # each timer fired, then wrote
    history = _kinds(await handle.fetch_history())
    assert history[E.EVENT_TYPE_TIMER_STARTED] == history[E.EVENT_TYPE_TIMER_FIRED] == 3
    assert history[E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED] == 3
    with Session(engine) as session:  # the twin's case row is untouched: only the breach rows were written
        row = session.get(Complaint, bare)
        assert row is not None and row.escalation_level == 0
