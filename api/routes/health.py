"""GET /health: are the database and Temporal reachable? 200 when both are, 503 otherwise."""

from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.deps import EngineDep, LinkDep

router = APIRouter(tags=["health"])

Reachability = Literal["ok", "unreachable"]


class Health(BaseModel):
    database: Reachability
    temporal: Reachability


def _database_ok(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to run SELECT 1 means the database cannot serve requests
        return False


@router.get("/health", response_model=Health, summary="Database and Temporal reachability (no token needed)",
            responses={503: {"model": Health, "description": "At least one dependency is unreachable",
                             "content": {"application/json": {
                                 "example": {"database": "ok", "temporal": "unreachable"}}}}})
async def health(engine: EngineDep, link: LinkDep) -> JSONResponse:
    report = Health(database="ok" if await run_in_threadpool(_database_ok, engine) else "unreachable",
                    temporal="ok" if await link.healthy() else "unreachable")
    up = report.database == "ok" and report.temporal == "ok"
    return JSONResponse(report.model_dump(), status_code=200 if up else 503,
                        headers=None if up else {"Retry-After": "5"})
