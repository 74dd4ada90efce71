"""Insights at scale: the /insights summary and breakdowns over 100,000 cases, on SQLite and PostgreSQL.

Complaints (70 % closed, 500 merchants, 5,000 SKUs, 180 days) with their ledger entries, surveys and
SLA breaches are bulk-inserted, then `insights.facts.rebuild` folds them into `insight_case` (timed:
the rebuild an operator runs after a migration). Order-line counts are written straight into the
daily rollup (a realistic 2 % complaint rate would need five million order rows to derive them).
Then the code behind GET /insights/summary and /insights/breakdown runs for nine everyday questions,
and one scan (early warning for every merchant and SKU, every merchant's standing) is timed.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from adapters.db_platform import DbNotifier
from bench.stats import ms, percentile
from core.db import make_engine
from insights import facts
from insights.breakdown import breakdown
from insights.early_warning import scan_warnings
from insights.filters import InsightFilter
from insights.standing import scan_standing
from insights.summary import summarize
from models.enums import Category
from models.insight_tables import InsightOrderDay
from models.policy import Policy
from models.tables import Complaint, Consumer, LedgerEntry, Merchant, Order, OrderLine, SlaBreach, Survey

MERCHANTS, SKUS, CONSUMERS, DAYS = 500, 5000, 20_000, 180
TYPES = ["quality_defect", "logistics", "not_as_described", "counterfeit", "after_sales", "food_safety"]
CATEGORIES = [c.value for c in Category]


@dataclass
class InsightsBenchResult:
    database: str
    rows: int
    load_seconds: float
    rebuild_seconds: float
    scan_seconds: float
    timings: dict[str, list[float]] = field(default_factory=dict)

    def all(self) -> list[float]:
        return [t for ts in self.timings.values() for t in ts]


def _sku(i: int) -> tuple[str, str, str]:
    """SKU i belongs to one merchant and one category, always the same."""
    merchant = i % MERCHANTS
    return f"BSKU-{i}", f"BM-{merchant}", CATEGORIES[merchant % len(CATEGORIES)]


def _load(engine: Engine, rows: int, now: datetime) -> None:
    rng = random.Random(7)
    with engine.begin() as conn:
        conn.execute(insert(Consumer), [dict(id=f"BC-{i}", name="n", created_at=now) for i in range(CONSUMERS)])
        conn.execute(insert(Merchant), [dict(id=f"BM-{i}", name="m", created_at=now) for i in range(MERCHANTS)])
        for start in range(0, rows, 10_000):
            cases, lines, orders_, ledger, surveys, breaches = [], [], [], [], [], []
            for i in range(start, min(rows, start + 10_000)):
                sku, merchant, category = _sku(rng.randrange(SKUS))
                created = now - timedelta(minutes=rng.randint(0, 60 * 24 * DAYS))
                closed = rng.random() < 0.7
                stage = "closed" if closed else rng.choice(["evidence", "negotiation", "execution", "review"])
                cid, oid = f"BCMP-{i}", f"BO-{i}"
                orders_.append(
                    dict(
                        id=oid,
                        consumer_id=f"BC-{rng.randrange(CONSUMERS)}",
                        merchant_id=merchant,
                        paid_minor=19_900,
                        placed_at=created - timedelta(days=3),
                    )
                )
                lines.append(
                    dict(id=f"{oid}-L1", order_id=oid, sku=sku, title="t", category=category, paid_minor=19_900)
                )
                level = 0 if rng.random() < 0.85 else rng.randint(1, 3)
                cases.append(
                    dict(
                        id=cid,
                        workflow_id=f"complaint-{cid}",
                        consumer_id=orders_[-1]["consumer_id"],
                        merchant_id=merchant,
                        order_id=oid,
                        order_line_id=f"{oid}-L1",
                        sku=sku,
                        stage=stage,
                        is_open=not closed,
                        type=rng.choice(TYPES),
                        dispute_class=rng.choice(["immediate", "quality"]),
                        severity=rng.choice("ABBC"),
                        channel=rng.choice(["app", "web", "hotline"]),
                        escalation_level=level,
                        created_at=created,
                        updated_at=created,
                        closed_at=created + timedelta(hours=rng.expovariate(1 / 60)) if closed else None,
                        root_cause=rng.choice(["merchant_product", "carrier", "merchant_service"]) if closed else None,
                    )
                )
                if closed:
                    ledger.append(
                        dict(
                            idempotency_key=f"{cid}:r",
                            complaint_id=cid,
                            merchant_id=merchant,
                            kind="merchant_refund",
                            amount_minor=19_900,
                            payer="m",
                            payee="c",
                            created_at=created,
                        )
                    )
                    if rng.random() < 0.2:
                        ledger.append(
                            dict(
                                idempotency_key=f"{cid}:c",
                                complaint_id=cid,
                                merchant_id=merchant,
                                kind="coupon",
                                amount_minor=995,
                                payer="p",
                                payee="c",
                                created_at=created,
                            )
                        )
                    if rng.random() < 0.6:
                        surveys.append(
                            dict(
                                complaint_id=cid,
                                round=1,
                                sent_at=created,
                                due_at=created,
                                answered_at=created,
                                resolved_score=rng.randint(40, 100),
                                communication_score=rng.randint(40, 100),
                            )
                        )
                if level:
                    breaches.append(
                        dict(
                            id=f"{cid}:plan#B1",
                            complaint_id=cid,
                            clock="plan",
                            level=1,
                            due_at=created,
                            breached_at=created,
                            recorded_at=created,
                        )
                    )
            conn.execute(insert(Order), orders_)
            conn.execute(insert(OrderLine), lines)
            conn.execute(insert(Complaint), cases)
            conn.execute(insert(LedgerEntry), ledger)
            if surveys:
                conn.execute(insert(Survey), surveys)
            if breaches:
                conn.execute(insert(SlaBreach), breaches)
        _load_order_days(conn, now, rng)


def _load_order_days(conn: Any, now: datetime, rng: random.Random) -> None:
    """About 50 order lines per complaint, spread over the SKUs' selling days (30 % of days each)."""
    per_merchant: dict[tuple[Any, str, str], int] = {}
    per_category: dict[tuple[Any, str], int] = {}
    batch = []
    for i in range(SKUS):
        sku, merchant, category = _sku(i)
        for d in range(DAYS + 7):
            if rng.random() < 0.3:
                day, n = (now - timedelta(days=d)).date(), rng.randint(5, 40)
                batch.append(dict(grain="sku", day=day, merchant_id=merchant, sku=sku, category=category, lines=n))
                per_merchant[(day, merchant, category)] = per_merchant.get((day, merchant, category), 0) + n
                per_category[(day, category)] = per_category.get((day, category), 0) + n
        if len(batch) >= 20_000:
            conn.execute(insert(InsightOrderDay), batch)
            batch = []
    batch += [
        dict(grain="merchant", day=d, merchant_id=m, sku="", category=c, lines=n)
        for (d, m, c), n in per_merchant.items()
    ]
    batch += [
        dict(grain="category", day=d, merchant_id="", sku="", category=c, lines=n) for (d, c), n in per_category.items()
    ]
    for start in range(0, len(batch), 20_000):
        conn.execute(insert(InsightOrderDay), batch[start : start + 20_000])


def _questions(now: datetime) -> list[tuple[str, dict[str, Any], str | None]]:
    """(label, filter, breakdown or None for the summary)."""
    d180, d30, d90 = now - timedelta(days=DAYS), now - timedelta(days=30), now - timedelta(days=90)
    return [
        ("summary: everything, 180 days", dict(created_from=d180), None),
        ("summary: everything, 30 days", dict(created_from=d30), None),
        ("summary: one merchant, 180 days", dict(created_from=d180, merchant_id="BM-42"), None),
        ("summary: one SKU, 180 days", dict(created_from=d180, sku="BSKU-42"), None),
        (
            "summary: electronics, severity A, 90 days",
            dict(created_from=d90, category=["electronics"], severity=["A"]),
            None,
        ),
        ("breakdown: top 20 merchants by rate, 30 days", dict(created_from=d30), "merchant"),
        ("breakdown: top 50 SKUs, 180 days", dict(created_from=d180), "sku"),
        ("breakdown: per day, 90 days", dict(created_from=d90), "day"),
        ("breakdown: root causes, 180 days", dict(created_from=d180), "root_cause"),
    ]


def measure(url: str, database: str, rows: int, repeats: int) -> InsightsBenchResult:
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        began = time.perf_counter()
        _load(engine, rows, now)
        loaded = time.perf_counter() - began
        began = time.perf_counter()
        facts.rebuild(engine)
        rebuilt = time.perf_counter() - began
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        result = InsightsBenchResult(
            database=database, rows=rows, load_seconds=loaded, rebuild_seconds=rebuilt, scan_seconds=0.0
        )
        for label, raw, by in _questions(now):
            f = InsightFilter(created_to=now, **raw)
            timings = result.timings.setdefault(label, [])
            for n in range(repeats + 2):
                began = time.perf_counter()
                with Session(engine) as session:
                    if by is None:
                        summarize(session, f, satisfaction_threshold=80, currency="CNY", now=now)
                    else:
                        breakdown(
                            session,
                            f,
                            by,
                            sort="rate" if by == "merchant" else "complaints",  # type: ignore[arg-type]
                            limit=50,
                            now=now,
                        )
                if n >= 2:  # the first two warm the connection and the statement cache
                    timings.append(time.perf_counter() - began)
        policy = Policy()
        began = time.perf_counter()
        scan_warnings(engine, DbNotifier(engine), policy, now)
        scan_standing(engine, DbNotifier(engine), policy, now)
        result.scan_seconds = time.perf_counter() - began
        return result
    finally:
        engine.dispose()


def add_to_report(report: Any, res: InsightsBenchResult) -> None:
    p50, p95 = percentile(res.all(), 50), percentile(res.all(), 95)
    per_query = {
        label: {"p50_ms": percentile(t, 50) * 1000, "p95_ms": percentile(t, 95) * 1000}
        for label, t in res.timings.items()
    }
    report.figures.setdefault("insights", {})[res.database] = {
        "rows": res.rows,
        "load_s": res.load_seconds,
        "rebuild_s": res.rebuild_seconds,
        "scan_s": res.scan_seconds,
        "p50_ms": p50 * 1000,
        "p95_ms": p95 * 1000,
        "queries": per_query,
    }
    verdict = "meets target" if p95 < 0.2 else "MISSES target"
    report.lines.append(
        f"Insights on {res.database} ({res.rows:,} cases): p50 {ms(p50)}, p95 {ms(p95)} — target "
        f"p95 < 200 ms: {verdict}; facts rebuild {res.rebuild_seconds:.1f} s, one scan "
        f"{res.scan_seconds:.1f} s"
    )
    for label, figures in per_query.items():
        report.lines.append(f"    {label}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms")
