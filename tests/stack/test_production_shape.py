"""The production shape without Docker: the compose one-shots, then `complaints api` and `complaints worker`
as separate processes against an external Temporal server and PostgreSQL, with DEV_MODE=false."""

import asyncio
import base64
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.testing import WorkflowEnvironment

from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from tests.conftest import create_pg_schema, drop_pg_schema

READY_SECONDS = 120


@pytest.fixture
def fresh_pg_schema() -> Iterator[str]:
    """An empty schema: `complaints migrate` must build everything itself."""
    url, schema = create_pg_schema("prod", migrate=False)
    yield url
    drop_pg_schema(schema)


@pytest_asyncio.fixture
async def bare_temporal() -> AsyncIterator[WorkflowEnvironment]:
    """A server with none of our search attributes, like a fresh cluster."""
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT, dev_server_existing_path=find_binary("temporal"), ui=False
    )
    yield env
    await env.shutdown()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def complaints(*args: str, env: dict[str, str], stdin: bytes | None = None) -> str:
    process = await asyncio.create_subprocess_exec(
        find_binary("complaints"),
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(stdin), READY_SECONDS))[0].decode()
    assert process.returncode == 0, f"complaints {' '.join(args)} failed:\n{output}"
    return output


async def wait_for(check, what: str) -> None:
    for _ in range(READY_SECONDS * 4):
        if await check():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{what} not within {READY_SECONDS}s")


@pytest.mark.postgres
async def test_one_shots_then_api_and_worker_serve_on_postgresql(fresh_pg_schema, bare_temporal, tmp_path):
    api_port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_pg_schema,
        "DEV_MODE": "false",
        "DATA_DIR": str(tmp_path),
        "TEMPORAL_ADDRESS": bare_temporal.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": f"prod-shape-{uuid.uuid4().hex[:6]}",
        "API_HOST": "127.0.0.1",
        "API_PORT": str(api_port),
        "JWT_SECRET": "p" * 48,
        "AUDIT_CHAIN_KEY": "a" * 43,
        "API_METRICS_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        "PAYLOAD_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    await complaints("migrate", env=env)
    setup = await complaints("temporal-setup", env=env)
    assert all(key.name in setup for key in search_attributes.ALL)
    await complaints(
        "user",
        "create",
        "first-admin",
        "--role",
        "admin",
        env=env,
        stdin=b"first admin password\nfirst admin password\n",
    )
    token = (await complaints("token", "first-admin", env=env)).strip()

    api = await asyncio.create_subprocess_exec(
        find_binary("complaints"), "api", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    worker = await asyncio.create_subprocess_exec(
        find_binary("complaints"),
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{api_port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:

            async def healthy() -> bool:
                try:
                    return (await http.get("/health")).status_code == 200
                except httpx.HTTPError:
                    return False

            await wait_for(healthy, "API health")
            assert (await http.get("/health")).json() == {"database": "ok", "temporal": "ok"}
            me = await http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200 and "admin" in me.text

        async def polling() -> bool:
            described = await bare_temporal.client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace="default",
                    task_queue=TaskQueue(name=env["TEMPORAL_TASK_QUEUE"]),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
            return bool(described.pollers)

        await wait_for(polling, "the worker polling its task queue")
        report = await complaints("health", "--url", base, env=env)  # exits 0 only when ready
        for line in ("database   ok", "temporal   ok", "workers    ok", "ready      yes"):
            assert line in report, report
        assert "worker     alive" in await complaints("health", "--worker", env=env)  # the worker's healthcheck
    finally:
        for process in (api, worker):
            if process.returncode is None:
                process.terminate()
                await process.wait()
    assert api.returncode is not None and worker.returncode is not None
