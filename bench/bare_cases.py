"""Bare twins of project cases: their read-model rows copied under a new id, and the bare workflows
behind them (the latency and lateness yardsticks). Kept apart from the workflow modules, whose imports
the sandbox repeats for every run."""

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from bench.bare_clock import BareClockInput, BareClockWorkflow
from models.case import CaseState
from models.tables import Complaint
from workflows.ids import workflow_id

BARE_SUFFIX = "-bare"


def bare_id(complaint_id: str) -> str:
    return complaint_id + BARE_SUFFIX


def copy_rows(engine: Engine, complaint_ids: list[str]) -> list[Complaint]:
    """Each case's read-model row again under its bare id (the bare workflow's rows need a case to belong to,
    and the API finds a case by its row); the original rows."""
    with Session(engine) as session:
        rows = list(session.exec(select(Complaint).where(col(Complaint.id).in_(complaint_ids))).all())
    copies = [{**r.model_dump(), "id": bare_id(r.id), "workflow_id": workflow_id(bare_id(r.id))} for r in rows]
    with engine.begin() as conn:
        conn.execute(insert(Complaint), copies)
    return rows


async def open_bare_clock_cases(
    client: Client, engine: Engine, task_queue: str, cases: dict[str, list[str]], template: CaseState
) -> dict[str, list[str]]:
    """A bare clock twin of every case in `cases` ({user: [complaint ids]}), holding `template` as its state,
    started and answering before it is measured."""
    originals = [cid for ids in cases.values() for cid in ids]
    copy_rows(engine, originals)
    handles = []
    for cid in originals:
        twin = template.model_copy(update={"complaint_id": bare_id(cid)}, deep=True)
        handles.append(
            await client.start_workflow(
                BareClockWorkflow.run, BareClockInput(state=twin), id=workflow_id(bare_id(cid)), task_queue=task_queue
            )
        )
    for handle in handles:  # each has run its first task and sits in the worker's cache, as the project's cases do
        await handle.query(BareClockWorkflow.state)
    return {user: [bare_id(cid) for cid in ids] for user, ids in cases.items()}
