"""The operator commands, invoked the way an operator does (typer's CliRunner or the installed script)."""

import asyncio
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, select
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from api.security import decode_access_token, verify_password
from cli.main import app
from cli.temporal_setup import SearchAttributeConflict, register_search_attributes
from core import search_attributes
from core.binaries import SERVER_STARTUP_TIMEOUT, find_binary
from core.db import make_engine
from core.settings import DEFAULT_POLICY_FILE, Settings
from models.tables import Consumer, User

runner = CliRunner()


def invoke(args: list[str], env: dict[str, str] | None = None, **kwargs):
    return runner.invoke(app, args, env=env, catch_exceptions=False, **kwargs)


def test_settings_masks_every_secret():
    secrets = {
        "JWT_SECRET": "jwt-very-secret-value-1234567890",
        "PAYLOAD_KEY": "cGF5bG9hZC1rZXktc2VjcmV0",
        "TEMPORAL_API_KEY": "temporal-cloud-api-key",
    }
    result = invoke(["settings"], env={**secrets, "DATABASE_URL": "postgresql+psycopg://app:db-pass-42@db/cases"})
    assert result.exit_code == 0
    for value in [*secrets.values(), "db-pass-42"]:
        assert value not in result.output
    lines = dict(line.split(None, 1) for line in result.output.splitlines() if line.strip())
    assert lines["JWT_SECRET"] == lines["PAYLOAD_KEY"] == lines["TEMPORAL_API_KEY"] == "********"
    assert lines["DATABASE_URL"] == "postgresql+psycopg://app:***@db/cases"
    assert set(Settings.model_fields) <= {name.lower() for name in lines}


def test_settings_flags_the_built_in_development_jwt_secret():
    result = invoke(["settings"], env={"JWT_SECRET": None})
    assert "built-in development value: set JWT_SECRET in production" in result.output
    assert Settings.model_fields["jwt_secret"].default.get_secret_value() not in result.output


def test_policy_check_accepts_the_default_policy():
    result = invoke(["policy", "check", str(DEFAULT_POLICY_FILE)])
    assert result.exit_code == 0 and "valid" in result.output


def test_policy_check_rejects_a_bad_file_naming_the_field(tmp_path: Path):
    bad = tmp_path / "policy.yaml"
    bad.write_text("version: broken\nsla:\n  warning_ratio: 7\n")
    result = invoke(["policy", "check", str(bad)])
    assert result.exit_code == 1
    assert "invalid policy" in result.output and "sla.warning_ratio" in result.output


def test_policy_check_reports_a_missing_file(tmp_path: Path):
    result = invoke(["policy", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1 and "not found" in result.output


def test_migrate_creates_the_schema(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = invoke(["migrate"], env={"DATABASE_URL": url})
    assert result.exit_code == 0 and "database at head" in result.output
    engine = make_engine(url)
    assert {"alembic_version", "complaint", "app_user"} <= set(sa_inspect(engine).get_table_names())
    engine.dispose()


@pytest.fixture
def user_db(sqlite_url) -> str:
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        if not session.get(Consumer, "c-cli"):
            session.add(Consumer(id="c-cli", name="CLI Consumer", created_at=datetime.now(UTC)))
            session.commit()
    engine.dispose()
    return sqlite_url


def test_user_create_then_token_for_that_user(user_db):
    env = {"DATABASE_URL": user_db}
    created = invoke(
        ["user", "create", "ops-admin", "--role", "admin"],
        env=env,
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert created.exit_code == 0, created.output
    engine = make_engine(user_db)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "ops-admin")).one()
    engine.dispose()
    assert user.role == "admin" and verify_password("correct horse battery", user.hashed_password)

    token = invoke(["token", "ops-admin"], env=env)
    assert token.exit_code == 0
    assert decode_access_token(Settings(), token.output.strip()) == user.id
    listed = invoke(["user", "list"], env=env)
    assert "ops-admin" in listed.output and "admin" in listed.output


def test_user_create_refuses_a_party_role_without_its_party(user_db):
    env = {"DATABASE_URL": user_db}
    result = invoke(
        ["user", "create", "shopper", "--role", "consumer"],
        env=env,
        input="long enough password\nlong enough password\n",
    )
    assert result.exit_code == 1 and "needs --consumer-id" in result.output
    unknown = invoke(
        ["user", "create", "shopper", "--role", "consumer", "--consumer-id", "c-missing"],
        env=env,
        input="long enough password\nlong enough password\n",
    )
    assert unknown.exit_code == 1 and "no consumer with id 'c-missing'" in unknown.output
    linked = invoke(
        ["user", "create", "shopper", "--role", "consumer", "--consumer-id", "c-cli"],
        env=env,
        input="long enough password\nlong enough password\n",
    )
    assert linked.exit_code == 0, linked.output


def test_token_for_an_unknown_user_fails(user_db):
    result = invoke(["token", "nobody"], env={"DATABASE_URL": user_db})
    assert result.exit_code == 1 and "no active user named 'nobody'" in result.output


def test_health_fails_when_the_api_is_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        result = invoke(["health", "--url", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1 and "unreachable" in result.output


async def _custom_attributes(env: WorkflowEnvironment) -> dict[str, int]:
    listed = await env.client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="default"))
    return dict(listed.custom_attributes)


async def test_temporal_setup_registers_every_key_once_and_detects_conflicts():
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT, dev_server_existing_path=find_binary("temporal"), ui=False
    )
    try:
        address = env.client.service_client.config.target_host
        process = await asyncio.create_subprocess_exec(
            find_binary("complaints"),
            "temporal-setup",
            env={**os.environ, "TEMPORAL_ADDRESS": address},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await process.communicate())[0].decode()
        assert process.returncode == 0, output
        registered = await _custom_attributes(env)
        assert {name: registered[name] for name in registered if name.startswith("Case")} == {
            key.name: int(key.indexed_value_type) for key in search_attributes.ALL
        }

        again = await register_search_attributes(env.client, "default")
        assert again.added == [] and again.present == sorted(k.name for k in search_attributes.ALL)

        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace="default", search_attributes={"CaseClash": IndexedValueType.INDEXED_VALUE_TYPE_INT}
            )
        )
        clash = SearchAttributeKey.for_keyword("CaseClash")
        with pytest.raises(SearchAttributeConflict, match="CaseClash is registered as INDEXED_VALUE_TYPE_INT"):
            await register_search_attributes(env.client, "default", [clash])
    finally:
        await env.shutdown()
