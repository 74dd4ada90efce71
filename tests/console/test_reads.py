"""The console's reads on both databases (no browser, Temporal down): penalties, the staff timeline, event marks."""

from sqlmodel import Session, func, select

from api.audit import record
from api.deps import Principal
from api.routes.events import _scope_mark
from models.enums import Role
from models.tables import AuditLog, Complaint
from tests.api.conftest import api, api_db_url, api_engine  # noqa: F401  (module fixtures, one run per database)


async def test_penalties_for_supervisors_and_auditors_with_the_interviews_due(api):  # noqa: F811
    for user in ("alice", "shop1", "agent1", "admin1"):
        assert (await api.http.get("/penalties", headers=api.auth(user))).status_code == 403, user
    response = await api.http.get("/penalties?limit=200", headers=api.auth("super1"))
    assert response.status_code == 200, response.text
    rows = response.json()
    assert rows and rows == sorted(rows, key=lambda r: r["created_at"], reverse=True)
    assert all(r["rectification_interview_due"] == r["repeat_offender"] for r in rows)
    assert any(r["merchant_id"] == "M013" and r["rectification_interview_due"] for r in rows)
    assert (await api.http.get("/penalties?limit=0", headers=api.auth("audit1"))).status_code == 422


async def test_case_timeline_reads_the_audit_log_for_staff_only(api):  # noqa: F811
    auditor = Principal(id="U-audit1", username="audit1", role=Role.AUDITOR)
    with Session(api.engine) as session:
        cid = session.exec(select(Complaint.id).order_by(Complaint.id).limit(1)).one()
        record(
            session,
            auditor,
            event_key=f"test-read:{cid}",
            action="personal_data_read",
            complaint_id=cid,
            reason="checking a refund",
            details={"fields": ["contact"]},
        )
        session.commit()
        recorded = session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.complaint_id == cid)).one()
    response = await api.http.get(f"/complaints/{cid}/timeline", headers=api.auth("agent1"))
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    assert len(entries) == recorded and entries[-1]["action"] == "personal_data_read"
    assert entries[-1]["reason"] == "checking a refund" and entries[-1]["summary"].startswith("Auditor")
    for user in ("alice", "shop1", "admin1"):
        assert (await api.http.get(f"/complaints/{cid}/timeline", headers=api.auth(user))).status_code == 403
    assert (await api.http.get("/complaints/CMP-nope/timeline", headers=api.auth("agent1"))).status_code == 404


def test_event_marks_are_scoped_like_the_lists(api):  # noqa: F811
    with Session(api.engine) as session:
        everything = session.exec(select(func.count()).select_from(Complaint)).one()
        alices = session.exec(select(func.count()).select_from(Complaint).where(Complaint.consumer_id == "C001")).one()
    staff = Principal(id="U-agent1", username="agent1", role=Role.AGENT)
    alice = Principal(id="U-alice", username="alice", role=Role.CONSUMER, consumer_id="C001")
    assert _scope_mark(api.engine, staff)["count"] == everything > alices == _scope_mark(api.engine, alice)["count"]
