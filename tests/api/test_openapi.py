"""The OpenAPI document is complete: summaries, examples, the error contract and Idempotency-Key everywhere."""

import pytest

from api.main import create_app
from api.routes.actions import STEPS

PUBLIC = {("/health", "get"), ("/health/live", "get"), ("/health/ready", "get"), ("/auth/token", "post")}
EVERY_ROLE = {("/auth/me", "get")}  # any valid token: nothing to forbid


@pytest.fixture(scope="module")
def spec() -> dict:
    return create_app().openapi()


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            yield path, method, op


def _schema(spec, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    return spec["components"]["schemas"][ref.split("/")[-1]] if ref else ref_or_schema


def test_every_operation_has_a_summary_a_tag_and_documented_errors(spec):
    for path, method, op in _operations(spec):
        assert op.get("summary") and op.get("tags"), (path, method)
        if (path, method) in PUBLIC:
            continue
        for status in ("401",) if (path, method) in EVERY_ROLE else ("401", "403"):
            response = op["responses"].get(status)
            assert response, (path, method, status)
            content = response["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
            assert set(content["example"]) == {"error", "request_id"}
        assert any(s.get("OAuth2PasswordBearer") is not None for s in op.get("security", [])), (path, method)


def test_every_request_body_has_an_example(spec):
    for path, method, op in _operations(spec):
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            schema = _schema(spec, content.get("schema", {}))
            assert "example" in content or "examples" in content or "examples" in schema, (path, method, media)


def test_every_case_write_requires_an_idempotency_key_and_admin_writes_accept_one(spec):
    for path, method, op in _operations(spec):
        if method not in ("post", "put") or (path, method) in PUBLIC or path.startswith("/codec"):
            continue
        header = next(
            (p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"), None
        )
        assert header is not None, (path, method)
        assert header["required"] is path.startswith("/complaints"), (path, method)


def test_every_workflow_step_has_its_own_operation_with_409_and_503(spec):
    for step in STEPS:
        op = spec["paths"][f"/complaints/{{complaint_id}}/{step.path}"]["post"]
        assert op["operationId"] == step.name
        assert {"404", "409", "422", "503"} <= set(op["responses"])
        assert step.name in op["description"]


def test_the_token_endpoint_is_the_oauth2_password_flow(spec):
    scheme = spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/auth/token"
