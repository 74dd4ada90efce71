"""Creating a login bound to a consumer or merchant is audited with the binding: through the API and the CLI."""

from sqlmodel import Session, select
from typer.testing import CliRunner

from cli.main import app
from models.tables import AuditLog
from tests.api.conftest import new_key


def _created(engine, username: str) -> AuditLog:
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == "user_created")).all()
    [row] = [r for r in rows if r.details.get("username") == username]
    return row


async def test_an_admin_binding_a_login_to_a_consumer_is_on_the_record(api):
    response = await api.http.post(
        "/admin/users",
        headers=api.auth("admin1", new_key()),
        json={"username": "not-really-bob", "password": "a-long-passphrase", "role": "consumer", "consumer_id": "C002"},
    )
    assert response.status_code == 201, response.text
    row = _created(api.engine, "not-really-bob")
    assert row.actor_id == "U-admin1"
    assert row.details["consumer_id"] == "C002" and row.details["merchant_id"] is None


def test_the_cli_records_the_binding_too(api, api_db_url):
    result = CliRunner().invoke(
        app,
        ["user", "create", "cli-shop", "--role", "merchant", "--merchant-id", "M001"],
        env={"DATABASE_URL": api_db_url},
        input="long enough password\n" * 2,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    row = _created(api.engine, "cli-shop")
    assert row.actor_kind == "system" and row.actor_id.startswith("cli:")
    assert row.details["merchant_id"] == "M001" and row.details["role"] == "merchant"
