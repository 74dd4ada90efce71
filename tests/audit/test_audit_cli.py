"""`complaints audit ...` against the same live stack: auditors only, same results as the API.

Plain (not async) tests: the CLI runs its own event loop, as it does in an operator's shell.
"""

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from api.security import create_access_token
from cli.main import app

runner = CliRunner()


def invoke(stack, *args: str, user: tuple[str, str] = ("U-audit1", "auditor"), temporal: str | None = None):
    settings = stack.api.settings
    token = create_access_token(settings, user_id=user[0], role=user[1])
    address = temporal or stack.env.client.service_client.config.target_host
    env = {
        "DATABASE_URL": stack.db_url,
        "TEMPORAL_ADDRESS": address,
        "JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "COMPLAINTS_TOKEN": token,
    }
    return runner.invoke(app, ["audit", *args], env=env)


@pytest.mark.parametrize(
    "user", [("U-agent1", "agent"), ("U-super1", "supervisor"), ("U-admin1", "admin"), ("U-alice", "consumer")]
)
def test_other_roles_are_refused(audit_stack, user):
    result = invoke(audit_stack, "verify-chain", user=user)
    assert result.exit_code == 1 and "forbidden" in result.output


def test_no_token_is_refused(audit_stack):
    result = runner.invoke(
        app, ["audit", "verify-chain"], env={"DATABASE_URL": audit_stack.db_url, "COMPLAINTS_TOKEN": ""}
    )
    assert result.exit_code == 1 and "unauthorized" in result.output


def test_timeline_csv_and_json_history_replay_and_state(audit_stack, tmp_path):
    cid = audit_stack.cases["tier1_resolved"]
    timeline = invoke(audit_stack, "timeline", cid, "--format", "csv", "--out", str(tmp_path / "t.csv"))
    assert timeline.exit_code == 0, timeline.output
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0].startswith("at,seq,history_event_id") and ",filed," in lines[1]
    as_json = json.loads(invoke(audit_stack, "timeline", cid).stdout)
    assert as_json["consistent"] and len(as_json["entries"]) == len(lines) - 1 - len(as_json["money_lines"])
    as_json["entries"] = [e for e in as_json["entries"] if e["seq"] is not None]
    raw = invoke(audit_stack, "history", cid, "--out", str(tmp_path / "h.json"))
    assert raw.exit_code == 0 and json.loads((tmp_path / "h.json").read_text())["events"]
    verdict = invoke(audit_stack, "replay", cid)
    assert verdict.exit_code == 0 and json.loads(verdict.stdout)["replays_cleanly"]
    event = next(e for e in as_json["entries"] if e["action"] == "execution_started")["history_event_id"]
    state = json.loads(invoke(audit_stack, "state", cid, "--event", str(event)).stdout)
    assert state["state"]["stage"] == "execution" and state["state"]["offers"][-1]["status"] == "accepted"
    assert invoke(audit_stack, "state", cid).exit_code == 1


def test_bulk_replay_shows_progress_and_a_summary(audit_stack):
    start = audit_stack.started_at
    result = invoke(
        audit_stack, "replay-closed", "--from", start.isoformat(), "--to", (start + timedelta(days=400)).isoformat()
    )
    assert result.exit_code == 0, result.output
    assert "Replaying 2 closed cases" in result.stderr and "2 clean, 0 diverged" in result.stderr
    assert json.loads(result.stdout)["replayed"] == 2
    naive = invoke(audit_stack, "replay-closed", "--from", "2026-01-01", "--to", "2027-01-01")
    assert naive.exit_code == 1 and "time zone" in naive.output


def test_verify_chain_and_what_if(audit_stack, tmp_path):
    chain = invoke(audit_stack, "verify-chain", temporal="127.0.0.1:1")  # the log needs no Temporal
    assert chain.exit_code == 0 and json.loads(chain.stdout)["ok"]
    policy = tmp_path / "trial.yaml"
    policy.write_text("version: trial\nnegotiation:\n  gift:\n    percent: 20\n")
    cid = audit_stack.cases["tier1_resolved"]
    assert invoke(audit_stack, "what-if", str(policy), cid).exit_code == 1  # partial, and no --merge
    result = invoke(audit_stack, "what-if", "--merge", str(policy), cid)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    case = report["cases"][0]
    assert case["faithful"] and report["totals"]["cases"] == 1, (case["actual"], case["control"])
    assert f"{cid}: no change" in result.stderr  # accepted at tier 1: a bigger tier-2 gift changes nothing


def test_help_needs_no_token():
    result = runner.invoke(app, ["audit", "replay-closed", "--help"], env={"COMPLAINTS_TOKEN": ""})
    assert result.exit_code == 0 and "--from" in result.output
