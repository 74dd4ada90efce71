"""The rectification interview as a supervisor's task through the API: listed, held once, refused cleanly."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, func, select

from adapters.db_platform import DbMerchantDeposits
from models.tables import AuditLog, Complaint, RectificationInterview
from tests.api.conftest import ONE_USER_PER_ROLE, new_key
from tests.api.test_auth import assert_error


def _book(engine, due: datetime) -> tuple[str, str]:
    """A repeat offender's penalty on a seeded case, with its interview, the way the workflow books it."""
    with Session(engine) as session:
        case = session.exec(select(Complaint).order_by(Complaint.id)).first()
        complaint_id, merchant_id = case.id, case.merchant_id
    key = f"{complaint_id}:penalty:{new_key()}"
    DbMerchantDeposits(engine).apply_penalty(
        key, complaint_id, merchant_id, 0, datetime.now(UTC), 2, True, interview_due=due
    )
    return key, complaint_id


def _writes(engine, interview_id: str) -> tuple[int, tuple]:
    with Session(engine) as session:
        audit_rows = session.exec(select(func.count()).select_from(AuditLog)).one()
        row = session.get(RectificationInterview, interview_id)
        return audit_rows, (row.held_at, row.held_by, row.notes)


async def test_a_supervisor_holds_the_interview_once_and_it_is_audited(api):
    soon, late = (
        _book(api.engine, datetime.now(UTC) + timedelta(days=7)),
        _book(api.engine, datetime.now(UTC) - timedelta(hours=1)),
    )
    listed = await api.http.get("/rectification-interviews", headers=api.auth("super1"))
    assert listed.status_code == 200, listed.text
    states = {i["id"]: i["state"] for i in listed.json()}
    assert (states[soon[0]], states[late[0]]) == ("open", "overdue")
    overdue = await api.http.get("/rectification-interviews", headers=api.auth("audit1"), params={"state": "overdue"})
    assert [i["id"] for i in overdue.json()] == [late[0]]

    held = await api.http.post(
        f"/rectification-interviews/{soon[0]}/held",
        headers=api.auth("super1"),
        json={"notes": "已约谈, QC plan agreed"},
    )
    assert held.status_code == 200, held.text
    assert (held.json()["state"], held.json()["held_by"]) == ("held", "U-super1")
    with Session(api.engine) as session:
        [record] = session.exec(
            select(AuditLog).where(AuditLog.action == "rectification_interview_held", AuditLog.complaint_id == soon[1])
        ).all()
    assert (record.actor_id, record.details["interview_id"], record.reason) == (
        "U-super1",
        soon[0],
        "已约谈, QC plan agreed",
    )
    penalties = await api.http.get("/penalties", headers=api.auth("super1"))
    assert soon[0] in [p["rectification_interview_id"] for p in penalties.json()]

    # Held once: a second supervisor is refused and nothing is written.
    before = _writes(api.engine, soon[0])
    again = await api.http.post(
        f"/rectification-interviews/{soon[0]}/held", headers=api.auth("super1"), json={"notes": "once more"}
    )
    assert_error(again, 409, "conflict")
    assert _writes(api.engine, soon[0]) == before


async def test_only_supervisors_hold_and_bad_input_names_the_field(api):
    interview_id, _ = _book(api.engine, datetime.now(UTC) + timedelta(days=7))
    before = _writes(api.engine, interview_id)
    url = f"/rectification-interviews/{interview_id}/held"
    for role, username in ONE_USER_PER_ROLE.items():
        if role != "supervisor":
            assert_error(await api.http.post(url, headers=api.auth(username), json={"notes": "x"}), 403, "forbidden")
    for role in ("consumer", "merchant", "agent", "admin"):
        listed = await api.http.get("/rectification-interviews", headers=api.auth(ONE_USER_PER_ROLE[role]))
        assert_error(listed, 403, "forbidden")
    for notes, why in (("", "empty"), ("x" * 1001, "too long"), ("ok\x00", "NUL")):
        refused = await api.http.post(url, headers=api.auth("super1"), json={"notes": notes})
        assert refused.status_code == 422, (why, refused.text)
        assert refused.json()["error"]["details"][0]["field"] == "body.notes", why
    extra = await api.http.post(url, headers=api.auth("super1"), json={"notes": "ok", "held_by": "U-other"})
    assert extra.status_code == 422
    missing = await api.http.post(
        "/rectification-interviews/nope/held", headers=api.auth("super1"), json={"notes": "x"}
    )
    assert_error(missing, 404, "not_found")
    assert _writes(api.engine, interview_id) == before


async def test_a_retry_with_the_same_key_replays_the_holding(api):
    interview_id, _ = _book(api.engine, datetime.now(UTC) + timedelta(days=7))
    key = new_key()
    url = f"/rectification-interviews/{interview_id}/held"
    first = await api.http.post(url, headers=api.auth("super1", key), json={"notes": "done"})
    retry = await api.http.post(url, headers=api.auth("super1", key), json={"notes": "done"})
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json() and retry.headers.get("idempotent-replayed") == "true"
