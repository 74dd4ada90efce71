"""Health: GET /health (database and Temporal reachable), /health/live and /health/ready.

- /health/live: the process answers; nothing else is checked (a liveness probe must not restart an API
  whose database is merely down).
- /health/ready: the API can do its work: the database answers, Temporal answers, and at least one
  worker polls the task queue for workflow tasks and for activity tasks (describe_task_queue).
All need no token and carry no personal data; 503 (with Retry-After) names the part that is not ready.
"""

from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.engine import Engine
from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from api.deps import EngineDep, LinkDep, SettingsDep
from api.temporal_link import HEALTH_TIMEOUT

router = APIRouter(tags=["health"])

Reachability = Literal["ok", "unreachable"]


class Health(BaseModel):
    database: Reachability
    temporal: Reachability


class Live(BaseModel):
    status: Literal["alive"] = "alive"


WorkerStatus = Literal["ok", "no_pollers", "unknown"]


class Workers(BaseModel):
    status: WorkerStatus
    task_queue: str
    workflow_pollers: int = Field(description="workers polling for workflow tasks")
    activity_pollers: int = Field(description="workers polling for activity tasks")


class Ready(BaseModel):
    status: Literal["ready", "not_ready"]
    database: Reachability
    temporal: Reachability
    workers: Workers


def _database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to run SELECT 1 means the database cannot serve requests
        return False


_NOT_READY = {"Retry-After": "5"}


@router.get(
    "/health",
    response_model=Health,
    summary="Database and Temporal reachability (no token needed)",
    responses={
        503: {
            "model": Health,
            "description": "At least one dependency is unreachable",
            "content": {"application/json": {"example": {"database": "ok", "temporal": "unreachable"}}},
        }
    },
)
async def health(engine: EngineDep, link: LinkDep) -> JSONResponse:
    report = Health(
        database="ok" if await run_in_threadpool(_database_ok, engine) else "unreachable",
        temporal="ok" if await link.healthy() else "unreachable",
    )
    up = report.database == "ok" and report.temporal == "ok"
    return JSONResponse(report.model_dump(), status_code=200 if up else 503, headers=None if up else _NOT_READY)


@router.get("/health/live", response_model=Live, summary="Liveness: the API process answers (checks nothing else)")
async def live() -> Live:
    return Live()


async def _pollers(link: LinkDep, namespace: str, task_queue: str, kind: TaskQueueType.ValueType) -> int:
    client = link.connected
    assert client is not None
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=namespace,
            task_queue_type=kind,
            task_queue=TaskQueue(name=task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
        ),
        timeout=HEALTH_TIMEOUT,
    )
    return len(response.pollers)


async def _workers(link: LinkDep, namespace: str, task_queue: str, temporal_up: bool) -> Workers:
    if not temporal_up:
        return Workers(status="unknown", task_queue=task_queue, workflow_pollers=0, activity_pollers=0)
    try:
        workflow = await _pollers(link, namespace, task_queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
        activity = await _pollers(link, namespace, task_queue, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
    except Exception:  # Temporal answered health but not this call: the pollers cannot be known
        return Workers(status="unknown", task_queue=task_queue, workflow_pollers=0, activity_pollers=0)
    status: WorkerStatus = "ok" if workflow and activity else "no_pollers"
    return Workers(status=status, task_queue=task_queue, workflow_pollers=workflow, activity_pollers=activity)


@router.get(
    "/health/ready",
    response_model=Ready,
    summary="Readiness: database, Temporal and workers polling the task queue (no token needed)",
    responses={
        503: {
            "model": Ready,
            "description": "A part is not ready; the body names it",
            "content": {
                "application/json": {
                    "example": {
                        "status": "not_ready",
                        "database": "ok",
                        "temporal": "ok",
                        "workers": {
                            "status": "no_pollers",
                            "task_queue": "complaints",
                            "workflow_pollers": 0,
                            "activity_pollers": 0,
                        },
                    }
                }
            },
        }
    },
)
async def ready(engine: EngineDep, link: LinkDep, settings: SettingsDep) -> JSONResponse:
    database_up = await run_in_threadpool(_database_ok, engine)
    temporal_up = await link.healthy()
    workers = await _workers(link, settings.temporal_namespace, settings.temporal_task_queue, temporal_up)
    up = database_up and temporal_up and workers.status == "ok"
    report = Ready(
        status="ready" if up else "not_ready",
        database="ok" if database_up else "unreachable",
        temporal="ok" if temporal_up else "unreachable",
        workers=workers,
    )
    return JSONResponse(report.model_dump(), status_code=200 if up else 503, headers=None if up else _NOT_READY)
