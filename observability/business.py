"""Business figures for Prometheus, computed from the read model when Prometheus scrapes.

Gauges of what is true now (open cases) and counters of what ever happened (warnings, breaches, offers,
money, survey answers) are both read from the database, so every API replica reports the same numbers and
a restart loses nothing. Results are kept for BUSINESS_METRICS_CACHE_SECONDS: several scrapers (or a
Prometheus pair) cost the database one round of queries per interval. A failed round is reported as
`complaints_business_metrics_up 0` instead of failing the whole scrape.

Early-warning flags are raised and cleared by the insights scan (insights/warning.py); the open ones are
counted here by what they watch, as `complaints_early_warning_flags{flag="merchant"|"sku"}`.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from models.insight_tables import InsightFlag
from models.tables import AuditLog, Complaint, LedgerEntry, Offer, SlaBreach, Survey

log = logging.getLogger("observability.business")

SURVEY_BUCKETS = (20, 40, 60, 80, 100)
SURVEY_DIMENSIONS = {"resolved": Survey.resolved_score, "communication": Survey.communication_score}

# name -> (kind, help); the dashboard test checks every panel's query against these names.
FAMILIES: dict[str, tuple[str, str]] = {
    "complaints_open_cases": ("gauge", "Open cases by stage, severity and escalation level (read model)."),
    "complaints_closed_cases": ("gauge", "Finished cases by final stage and outcome (read model)."),
    "complaints_sla_warnings": ("counter", "SLA warnings given, by clock (audit log)."),
    "complaints_sla_breaches": ("counter", "SLA breaches recorded, by clock."),
    "complaints_offers": ("counter", "Offers made, by tier and current status."),
    "complaints_money_moved_minor_units": (
        "counter",
        ("Money booked in the ledger, by kind and currency, in minor units (cents, fen)."),
    ),
    "complaints_ledger_entries": ("counter", "Ledger entries, by kind."),
    "complaints_survey_score": ("histogram", "Answered review surveys: score 0-100 by dimension."),
    "complaints_early_warning_flags": ("gauge", "Open early-warning flags, by what they watch (merchant, sku)."),
    "complaints_business_metrics_up": ("gauge", "1 when the last round of business queries succeeded."),
}


def _label(value: object) -> str:
    return "" if value is None else str(value)


def _rows(session: Session, statement) -> list[tuple]:  # any SELECT
    return [tuple(row) for row in session.execute(statement).all()]


def _query(session: Session) -> list:
    c = Complaint
    open_cases = GaugeMetricFamily(
        "complaints_open_cases", FAMILIES["complaints_open_cases"][1], labels=["stage", "severity", "escalation_level"]
    )
    for stage, severity, level, count in _rows(
        session,
        select(c.stage, c.severity, c.escalation_level, func.count())
        .where(c.is_open)
        .group_by(c.stage, c.severity, c.escalation_level),
    ):
        open_cases.add_metric([stage, _label(severity), str(level)], count)

    closed = GaugeMetricFamily(
        "complaints_closed_cases", FAMILIES["complaints_closed_cases"][1], labels=["stage", "outcome"]
    )
    for stage, outcome, count in _rows(
        session, select(c.stage, c.outcome, func.count()).where(col(c.is_open).is_(False)).group_by(c.stage, c.outcome)
    ):
        closed.add_metric([stage, _label(outcome)], count)

    warnings = CounterMetricFamily("complaints_sla_warnings", FAMILIES["complaints_sla_warnings"][1], labels=["clock"])
    clock = AuditLog.__table__.c.details["clock"].as_string()
    for name, count in _rows(
        session, select(clock, func.count()).where(AuditLog.action == "sla_warning").group_by(clock)
    ):
        warnings.add_metric([_label(name)], count)

    breaches = CounterMetricFamily("complaints_sla_breaches", FAMILIES["complaints_sla_breaches"][1], labels=["clock"])
    for name, count in _rows(session, select(SlaBreach.clock, func.count()).group_by(SlaBreach.clock)):
        breaches.add_metric([name], count)

    offers = CounterMetricFamily("complaints_offers", FAMILIES["complaints_offers"][1], labels=["tier", "status"])
    for tier, status, count in _rows(
        session, select(Offer.tier, Offer.status, func.count()).group_by(Offer.tier, Offer.status)
    ):
        offers.add_metric([tier, status], count)

    money = CounterMetricFamily(
        "complaints_money_moved_minor_units",
        FAMILIES["complaints_money_moved_minor_units"][1],
        labels=["kind", "currency"],
    )
    entries = CounterMetricFamily(
        "complaints_ledger_entries", FAMILIES["complaints_ledger_entries"][1], labels=["kind"]
    )
    per_kind: dict[str, int] = {}
    for kind, currency, amount, count in _rows(
        session,
        select(LedgerEntry.kind, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor), func.count()).group_by(
            LedgerEntry.kind, LedgerEntry.currency
        ),
    ):
        money.add_metric([kind, currency], int(amount or 0))
        per_kind[kind] = per_kind.get(kind, 0) + count
    for kind, count in per_kind.items():
        entries.add_metric([kind], count)

    surveys = HistogramMetricFamily(
        "complaints_survey_score", FAMILIES["complaints_survey_score"][1], labels=["dimension"]
    )
    for dimension, column in SURVEY_DIMENSIONS.items():
        scores = _rows(session, select(column, func.count()).where(col(column).is_not(None)).group_by(column))
        buckets = [(str(bound), sum(n for score, n in scores if score <= bound)) for bound in SURVEY_BUCKETS]
        total = sum(n for _, n in scores)
        surveys.add_metric([dimension], buckets + [("+Inf", total)], sum_value=sum(s * n for s, n in scores))

    families: list = [open_cases, closed, warnings, breaches, offers, money, entries, surveys]
    flags = GaugeMetricFamily(
        "complaints_early_warning_flags", FAMILIES["complaints_early_warning_flags"][1], labels=["flag"]
    )
    open_flags = select(InsightFlag.subject_kind, func.count()).where(col(InsightFlag.cleared_at).is_(None))
    for kind, count in _rows(session, open_flags.group_by(InsightFlag.subject_kind)):
        flags.add_metric([_label(kind)], count)
    families.append(flags)
    return families


@dataclass(eq=False)  # registries key collectors by identity
class BusinessCollector(Collector):
    """A prometheus_client custom collector: `registry.register(BusinessCollector(lambda: engine))`."""

    engine: Callable[[], Engine | None]
    cache_seconds: float = 15.0
    _cached: list = field(default_factory=list)
    _cached_at: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def describe(self) -> Iterable:
        return []  # families depend on data; an empty describe keeps registration from running queries

    def collect(self) -> Iterator:
        with self._lock:
            now = time.monotonic()
            if now - self._cached_at >= self.cache_seconds:
                self._cached = self._refresh()
                self._cached_at = now
            yield from self._cached

    def _refresh(self) -> list:
        up = GaugeMetricFamily("complaints_business_metrics_up", FAMILIES["complaints_business_metrics_up"][1])
        engine = self.engine()
        if engine is None:
            up.add_metric([], 0)
            return [up]
        try:
            with Session(engine) as session:
                families = _query(session)
        except Exception as exc:  # a database outage must not take the SDK and HTTP metrics down with it
            log.warning("business metrics unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [*families, up]
