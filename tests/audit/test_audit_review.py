"""Outside a case and offline: every audit record, refused attempts, the policy archive, review bundles,
and a CLI whose stdout stays parseable (SQLite and PostgreSQL, the same live stack as the other audit tests)."""

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from api.security import create_access_token
from cli.main import app
from tests.api.conftest import headers_for
from tests.audit.test_audit_cli import invoke

ROOT = Path(__file__).resolve().parents[2]
AUDITOR = ("U-audit1", "auditor")


async def test_records_list_what_happens_outside_cases_with_filters(audit_stack):
    http = audit_stack.api.http
    auditor, admin = headers_for(audit_stack.api, *AUDITOR), headers_for(audit_stack.api, "U-admin1", "admin")
    cid = audit_stack.cases["tier1_resolved"]
    assert (await http.get("/audit/chain", headers=admin)).status_code == 403
    merchant = headers_for(audit_stack.api, "U-shop1", "merchant")
    assert (await http.get(f"/complaints/{cid}/personal-data", headers=merchant)).status_code == 403
    assert (await http.get(f"/audit/cases/{cid}/history", headers=auditor)).status_code == 200  # unencrypted raw
    page = (await http.get("/audit/records", params={"action": "access_refused"}, headers=auditor)).json()
    refused = {(r["actor_id"], r["details"]["resource"]) for r in page["items"]}
    assert {("U-admin1", "audit"), ("U-shop1", "personal_data")} <= refused
    shop = next(r for r in page["items"] if r["actor_id"] == "U-shop1")
    assert shop["cases"] == [cid] and shop["details"]["path"].endswith("/personal-data")
    exported = (
        await http.get("/audit/records", params={"action": "history_exported", "actor_id": "U-audit1"}, headers=auditor)
    ).json()
    assert exported["items"][0]["cases"] == [cid] and exported["items"][0]["details"]["encrypted"] is False
    newest = exported["items"][0]["at"]
    earlier = (
        await http.get(
            "/audit/records",
            params={"until": newest, "action": "history_exported", "actor_id": "U-audit1"},
            headers=auditor,
        )
    ).json()
    assert earlier["total"] == exported["total"] - 1
    transitions = (
        await http.get("/audit/records", params={"actor_kind": "consumer", "limit": 2}, headers=auditor)
    ).json()
    assert len(transitions["items"]) == 2 and transitions["total"] > 2
    assert all("snapshot" not in r["details"] for r in transitions["items"])
    naive = await http.get("/audit/records", params={"since": "2026-01-01T00:00:00"}, headers=auditor)
    assert naive.status_code == 422


async def test_every_policy_version_is_archived_and_any_two_compare(audit_stack):
    http, admin = audit_stack.api.http, headers_for(audit_stack.api, "U-admin1", "admin")
    auditor = headers_for(audit_stack.api, *AUDITOR)
    base = (await http.get("/admin/policy", headers=admin)).json()["policy"]
    for version, percent in (("trial-a", 6), ("trial-b", 7)):
        new = {
            **base,
            "version": version,
            "negotiation": {**base["negotiation"], "gift": {**base["negotiation"]["gift"], "percent": percent}},
        }
        assert (await http.put("/admin/policy", json=new, headers=admin)).status_code == 200
    versions = [v["version"] for v in (await http.get("/admin/policy/versions", headers=auditor)).json()]
    assert {base["version"], "trial-a", "trial-b"} <= set(versions)
    one = (await http.get("/admin/policy/versions/trial-a", headers=auditor)).json()
    assert one["policy"]["negotiation"]["gift"]["percent"] == 6 and len(one["sha256"]) == 64
    diff = (
        await http.get("/admin/policy/diff", params={"from": base["version"], "to": "trial-b"}, headers=auditor)
    ).json()
    assert diff["differences"] == [
        {"path": "negotiation.gift.percent", "from_value": base["negotiation"]["gift"]["percent"], "to_value": 7}
    ]
    reused = {**base, "version": "trial-a"}  # an archived name with other content
    answer = await http.put("/admin/policy", json=reused, headers=admin)
    assert answer.status_code == 422 and "archived with other content" in answer.text
    assert (await http.get("/admin/policy/versions/nope", headers=auditor)).status_code == 404
    original = {**base, "version": base["version"]}
    assert (await http.put("/admin/policy", json=original, headers=admin)).status_code == 200  # same content: allowed
    changed = (await http.get("/audit/records", params={"action": "policy_changed"}, headers=auditor)).json()
    assert changed["items"][0]["details"]["to_version"] == base["version"]


def test_a_bundle_verifies_offline_and_a_tampered_one_does_not(audit_stack, tmp_path):
    cid = audit_stack.cases["tier1_resolved"]
    anchored = invoke(audit_stack, "anchor", "--out", str(tmp_path / "anchors.jsonl"))
    assert anchored.exit_code == 0, anchored.output
    bundle = tmp_path / "case.json"
    exported = invoke(audit_stack, "export", cid, "--bundle", str(bundle))
    assert exported.exit_code == 0, exported.output
    data = json.loads(bundle.read_text())
    assert data["audit_rows"] and data["policy"]["version"] and data["chain_proof"]["rows"]
    offline = CliRunner().invoke(
        app,
        ["audit", "verify-bundle", str(bundle)],
        env={"DATABASE_URL": "sqlite:////nonexistent/x.db", "TEMPORAL_ADDRESS": "127.0.0.1:1", "COMPLAINTS_TOKEN": ""},
    )
    assert offline.exit_code == 0, offline.output
    verdict = json.loads(offline.stdout)
    assert verdict["chain_ok"] and verdict["hmac_checked"] and verdict["replay"]["replays_cleanly"]
    assert verdict["replay"]["decisions_compared"] > 0 and verdict["policy_matches_history"]
    row = next(r for r in data["audit_rows"] if r["action"] == "offer_made")
    row["details"]["refund_minor"] = 1
    bundle.write_text(json.dumps(data))
    tampered = CliRunner().invoke(app, ["audit", "verify-bundle", str(bundle)], env={"COMPLAINTS_TOKEN": ""})
    assert tampered.exit_code == 1
    assert any(
        f"audit row {row['id']} (offer_made) does not match" in f for f in json.loads(tampered.stdout)["findings"]
    )
    chain = invoke(audit_stack, "verify-chain", "--anchor", str(tmp_path / "anchors.jsonl"))
    assert chain.exit_code == 0 and json.loads(chain.stdout)["anchors_checked"] >= 1


def test_the_newest_rows_deleted_after_an_anchor_fail_verify_chain(audit_stack, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    assert invoke(audit_stack, "anchor", "--out", str(anchors)).exit_code == 0
    head = json.loads(anchors.read_text().splitlines()[-1])
    with audit_stack.engine.begin() as conn:
        saved = conn.execute(text("SELECT * FROM audit_log WHERE id = :id"), {"id": head["seq"]}).mappings().one()
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": head["seq"]})
    try:
        result = invoke(audit_stack, "verify-chain", "--anchor", str(anchors))
        assert result.exit_code == 1 and "newest rows deleted" in json.loads(result.stdout)["reason"]
    finally:
        with audit_stack.engine.begin() as conn:
            cols = ", ".join(saved.keys())
            conn.execute(
                text(f"INSERT INTO audit_log ({cols}) VALUES ({', '.join(':' + k for k in saved.keys())})"),
                {
                    **saved,
                    "details": json.dumps(saved["details"]) if isinstance(saved["details"], dict) else saved["details"],
                },
            )
    assert invoke(audit_stack, "verify-chain", "--anchor", str(anchors)).exit_code == 0


def test_a_wrong_temporal_address_is_one_line(audit_stack):
    result = invoke(audit_stack, "replay", audit_stack.cases["tier1_resolved"], temporal="127.0.0.1:1")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot reach Temporal at 127.0.0.1:1" in lines[0]


def test_sdk_warnings_go_to_stderr_and_stdout_stays_json(audit_stack, tmp_path):
    """A diverging replay makes the SDK core log WARN lines; in a real process they must not reach stdout."""
    cid = audit_stack.cases["tier1_resolved"]
    bundle = tmp_path / "b.json"
    assert invoke(audit_stack, "export", cid, "--bundle", str(bundle)).exit_code == 0
    script = (
        "import audit.replay as r; from tests.audit.incompatible_workflow import UnguardedChange; "
        "r.default_workflows = lambda: [UnguardedChange]; import sys; from cli.main import main; "
        f"sys.argv = ['complaints', 'audit', 'verify-bundle', {str(bundle)!r}]; main()"
    )
    token = create_access_token(audit_stack.api.settings, user_id="U-audit1", role="auditor")
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COMPLAINTS_TOKEN": token, "HOME": str(tmp_path)},
    )
    assert done.returncode == 1, done.stderr[-2000:]
    verdict = json.loads(done.stdout)
    assert verdict["replay"]["commands_match"] is False and "Nondeterminism" in verdict["replay"]["reason"]
    assert "WARN" in done.stderr or "Failing workflow task" in done.stderr


async def test_seeded_legacy_cases_say_so_in_lists_and_audit_answers(audit_stack):
    http, auditor = audit_stack.api.http, headers_for(audit_stack.api, *AUDITOR)
    agent = headers_for(audit_stack.api, "U-agent1", "agent")
    listed = (await http.get("/complaints", params={"merchant_id": "M013"}, headers=agent)).json()["items"]
    legacy = [c for c in listed if c["id"].startswith("HIST-")]
    assert legacy and all(c["legacy"] for c in legacy)
    live = (await http.get("/complaints", params={"limit": 5}, headers=agent)).json()["items"]
    assert not any(c["legacy"] for c in live if not c["id"].startswith("HIST-"))
    cid = legacy[0]["id"]
    timeline = (await http.get(f"/audit/cases/{cid}/timeline", headers=auditor)).json()
    assert timeline["legacy"] and "seeded legacy case" in timeline["note"] and timeline["entries"]
    assert timeline["money_totals_minor"]["paid"] > 0
    for path in ("replay", "history", "state?event_id=1"):
        answer = await http.get(f"/audit/cases/{cid}/{path}", headers=auditor)
        assert answer.status_code == 409 and "seeded legacy case" in answer.json()["error"]["message"], path
    assert (await http.get("/audit/cases/CMP-none-1/replay", headers=auditor)).status_code == 404
