"""One missed deadline, one escalation; the overdue queue keeps every case holding a breached clock."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from api.listing import overdue_clause
from models.tables import AuditLog, Complaint, SlaBreach
from tests.workflows.factories import make_order
from tests.workflows.steps import to_classification


async def test_clocks_due_together_make_one_escalation_listing_both(driver):
    who = make_order(driver.engine)
    cid = await to_classification(driver, who)  # severity B, nobody claims it: first contact and plan run on
    s = await driver.state(cid)
    due = {c.name: c.due_at for c in s.clocks}
    # The default policy gives B the same value for both; they start moments apart (filing, classification).
    assert abs(due["first_contact"] - due["plan"]) < timedelta(seconds=5)
    await driver.skip(timedelta(hours=24, minutes=1))
    s = await driver.settle(cid, lambda st: st.escalation_level >= 1)
    await driver.skip(timedelta(minutes=30))
    s = await driver.state(cid)
    assert s.escalation_level == 1  # the old code went on to level 2 one second later
    with Session(driver.engine) as db:
        escalations = db.exec(
            select(AuditLog).where(AuditLog.complaint_id == cid, AuditLog.action == "escalated")
        ).all()
        breaches = db.exec(select(SlaBreach).where(SlaBreach.complaint_id == cid)).all()
        row = db.get(Complaint, cid)
        overdue = db.exec(select(Complaint.id).where(overdue_clause(datetime.now(UTC)))).all()
    assert len(escalations) == 1
    assert {c["clock"] for c in escalations[0].details["clocks"]} == {"first_contact", "plan"}
    assert sorted((b.clock, b.level) for b in breaches) == [("first_contact", 1), ("plan", 1)]
    # Both clocks re-armed (due again in the future), yet the case stays on the overdue queue.
    assert row is not None and row.sla_breached and cid in overdue
