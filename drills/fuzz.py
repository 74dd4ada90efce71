"""Schemathesis over the API's own OpenAPI document, with a valid token of every role: no 5xx, ever.

Requests are generated from the schema by schemathesis (hypothesis), then sent in this event loop
through the ASGI transport to an app wired to a live dev server and worker. Half of the requests that
name a complaint name a real, open one, so the fuzzing reaches the workflow and not only the 404 path.
"""

import asyncio
import uuid
from datetime import UTC, datetime

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from sqlmodel import Session

from bench.env import bench_env
from bench.fixtures import make_parties
from bench.scenario import FullCase
from drills.api_drills import auth, in_process_api, party_users
from drills.faults import drill_policy
from drills.result import DrillResult
from models.tables import User

STAFF = {"agent": "U-fuzz-agent", "supervisor": "U-fuzz-super", "auditor": "U-fuzz-audit", "admin": "U-fuzz-admin"}


def generate(operation, examples: int) -> list:
    """`examples` requests for one operation; derandomized, so every run sends the same ones."""
    cases: list = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(operation.as_strategy())
    def collect(case) -> None:
        cases.append(case)

    collect()
    return cases


def poison(value, n: int):
    """Every third string NUL-laced, every third one huge: what the schema allows is not all a client sends."""
    if isinstance(value, str):
        return value + "\x00" if n % 3 == 1 else value + "x" * 200_000 if n % 3 == 2 else value
    if isinstance(value, dict):
        return {k: poison(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(v, n) for v in value]
    return value


def _request(case, base_url: str, headers: dict[str, str], n: int = 0) -> dict:
    kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
    out = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers") or {},
        "params": kwargs.get("params") or None,
    }
    if out["params"]:
        out["params"] = {k: poison(v, n) if n % 3 == 1 else v for k, v in out["params"].items()}
    if "json" in kwargs:
        out["json"] = poison(kwargs["json"], n)
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        out["data" if isinstance(data, dict) else "content"] = data
    return out


async def fuzz_drill(examples: int = 10, database_url: str | None = None) -> DrillResult:
    result = DrillResult("schemathesis over the OpenAPI, every role, strings with NUL and 200 KB tails")
    async with bench_env(database_url=database_url) as env:
        queue = f"fuzz-{uuid.uuid4().hex[:6]}"
        [party] = make_parties(env.engine, 1)
        consumer, merchant = party_users(env, party)
        with Session(env.engine) as session:
            for role, user in STAFF.items():
                session.add(
                    User(id=user, username=user.lower(), hashed_password="-", role=role, created_at=datetime.now(UTC))
                )
            session.commit()
        users = {
            **{role: (user, role) for role, user in STAFF.items()},
            "consumer": (consumer, "consumer"),
            "merchant": (merchant, "merchant"),
        }
        async with env.running_worker(queue), in_process_api(env, queue) as http:
            case = FullCase(env.client, env.engine, queue, drill_policy(), party)
            real_id = await case.file()
            schema = schemathesis.openapi.from_dict((await http.get("/openapi.json")).json())
            sent, statuses = 0, {}
            for index, operation in enumerate(op.ok() for op in schema.get_all_operations()):
                for n, generated in enumerate(generate(operation, examples)):
                    if "complaint_id" in (generated.path_parameters or {}) and n % 2 == 0:
                        generated.path_parameters["complaint_id"] = real_id
                    user, role = list(users.values())[(index + n) % len(users)]
                    request = _request(generated, "http://api.drill", auth(user, role, uuid.uuid4().hex), n)
                    try:
                        response = await asyncio.wait_for(http.request(**request), 60)
                    except Exception as exc:  # a request the app could not answer at all counts as a 5xx
                        result.problems.append(
                            f"{operation.method.upper()} {operation.path} as {role}: {type(exc).__name__}: {exc}"[:300]
                        )
                        continue
                    sent += 1
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code >= 500:
                        result.problems.append(
                            f"{operation.method.upper()} {operation.path} as {role} -> "
                            f"{response.status_code}: {response.text[:200]}"
                        )
        result.figures = {"requests": sent, "statuses": dict(sorted(statuses.items()))}
    return result
