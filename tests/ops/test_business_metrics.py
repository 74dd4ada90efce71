"""The business collector's queries on SQLite and PostgreSQL: each figure moves by exactly what was booked."""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from audit.chain import append_record
from core.db import session_scope
from models.insight_tables import InsightFlag
from models.tables import Complaint, LedgerEntry, Offer, SlaBreach, Survey
from observability.business import BusinessCollector
from tests.data.factories import NOW, add_consumer, add_merchant, uid


def figures(engine) -> dict[tuple, float]:
    registry = CollectorRegistry()
    registry.register(BusinessCollector(lambda: engine, cache_seconds=0))
    out = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            out[(sample.name, *sorted(sample.labels.items()))] = sample.value
    return out


def moved(before: dict, after: dict) -> dict:
    return {
        key: after.get(key, 0) - before.get(key, 0)
        for key in set(before) | set(after)
        if after.get(key, 0) != before.get(key, 0) and not key[0].endswith("_created")
    }


def test_each_figure_moves_by_what_was_booked(engine):
    before = figures(engine)
    consumer, merchant, cid = add_consumer(engine), add_merchant(engine), uid("CMP")
    clock = f"clock-{cid[-6:]}"
    with session_scope(engine) as session:
        session.add(
            Complaint(
                id=cid,
                workflow_id=f"complaint-{cid}",
                consumer_id=consumer,
                merchant_id=merchant,
                order_id="O-1",
                stage="negotiation",
                severity="B",
                escalation_level=1,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.flush()
        session.add(
            Offer(
                id=f"{cid}:F1",
                complaint_id=cid,
                tier="tier1",
                refund_mode="refund_only",
                refund_minor=500,
                status="declined",
                made_by="U-agent1",
                made_at=NOW,
            )
        )
        session.add(
            LedgerEntry(
                idempotency_key=f"{cid}:L1",
                complaint_id=cid,
                kind="merchant_refund",
                amount_minor=1250,
                payer=merchant,
                payee=consumer,
                created_at=NOW,
            )
        )
        session.add(
            SlaBreach(
                id=f"{cid}:{clock}",
                complaint_id=cid,
                clock=clock,
                level=1,
                due_at=NOW,
                breached_at=NOW,
                recorded_at=NOW,
            )
        )
        session.add(
            Survey(
                complaint_id=cid, sent_at=NOW, due_at=NOW, answered_at=NOW, resolved_score=70, communication_score=None
            )
        )
        append_record(
            session,
            event_key=f"{cid}:000001",
            complaint_id=cid,
            at=NOW,
            actor_kind="deadline",
            actor_id=f"deadline:{clock}",
            action="sla_warning",
            details={"clock": clock},
        )
        session.add(
            InsightFlag(
                subject_kind="merchant",
                subject_id=merchant,
                merchant_id=merchant,
                raised_at=NOW,
                last_evaluated_at=NOW,
                evidence={"rate_per_1000": 90.0},
            )
        )
        session.add(
            InsightFlag(
                subject_kind="sku",
                subject_id=f"{merchant}-SKU",
                merchant_id=merchant,
                raised_at=NOW,
                cleared_at=NOW,
                last_evaluated_at=NOW,
                evidence={},
            )
        )  # cleared

    delta = moved(before, figures(engine))
    assert delta[("complaints_open_cases", ("escalation_level", "1"), ("severity", "B"), ("stage", "negotiation"))] == 1
    assert delta[("complaints_offers_total", ("status", "declined"), ("tier", "tier1"))] == 1
    assert delta[("complaints_money_moved_minor_units_total", ("currency", "CNY"), ("kind", "merchant_refund"))] == 1250
    assert delta[("complaints_sla_breaches_total", ("clock", clock))] == 1
    assert delta[("complaints_sla_warnings_total", ("clock", clock))] == 1
    assert delta[("complaints_survey_score_bucket", ("dimension", "resolved"), ("le", "80"))] == 1
    assert delta[("complaints_survey_score_sum", ("dimension", "resolved"))] == 70
    assert ("complaints_survey_score_count", ("dimension", "communication")) not in delta
    assert delta[("complaints_early_warning_flags", ("flag", "merchant"))] == 1
    assert ("complaints_early_warning_flags", ("flag", "sku")) not in delta  # a cleared flag is not open
    assert figures(engine)[("complaints_business_metrics_up",)] == 1


def test_a_database_that_fails_is_reported_not_raised():
    from sqlalchemy import create_engine

    dead = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    assert figures(dead) == {("complaints_business_metrics_up",): 0}
