"""Case list query at scale: the API's own listing code over 100,000 read-model rows.

Rows are bulk-inserted (executemany in batches) into a throwaway SQLite file and a throwaway
PostgreSQL schema, statistics are refreshed (ANALYZE, as after any bulk load), then `api.listing.page`
runs the filters agents and merchants use every day. Each query counts the total and fetches a page of
50, exactly as GET /complaints does; the time includes building the summaries.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlmodel import Session

from api.deps import Principal
from api.listing import ComplaintFilters, filter_clauses, page
from bench.stats import percentile
from core.db import make_engine
from models.enums import Role, Severity, Stage
from models.tables import Complaint, Consumer, Merchant

CONSUMERS, MERCHANTS, AGENTS = 20_000, 500, 50
OPEN_STAGES = [Stage.INTAKE, Stage.CLASSIFICATION, Stage.EVIDENCE, Stage.NEGOTIATION, Stage.EXECUTION, Stage.REVIEW]
TYPES = ["quality_defect", "logistics", "not_as_described", "counterfeit", "after_sales", "food_safety"]

AGENT = Principal(id="agent-7", username="agent7", role=Role.AGENT)
MERCHANT = Principal(id="U-m", username="m", role=Role.MERCHANT, merchant_id="BM-42")
CONSUMER = Principal(id="U-c", username="c", role=Role.CONSUMER, consumer_id="BC-4242")

# (label, who asks, filters): the lists behind the UI's work queues and search.
QUERIES = [
    (
        "agent: open evidence, severity A, newest first",
        AGENT,
        dict(stage=[Stage.EVIDENCE], severity=[Severity.A], is_open=True),
    ),
    ("agent: my open cases by SLA due", AGENT, dict(assignee="me", is_open=True, sort="sla_due_at")),
    ("agent: overdue, by SLA due", AGENT, dict(overdue=True, sort="sla_due_at")),
    ("agent: escalated, by priority", AGENT, dict(escalated=True, sort="-priority")),
    ("agent: type logistics, last 7 days", AGENT, dict(type=["logistics"], created_from="RECENT")),
    ("merchant: own shop, newest first", MERCHANT, dict()),
    ("merchant: own open cases in negotiation", MERCHANT, dict(stage=[Stage.NEGOTIATION], is_open=True)),
    ("consumer: own complaints", CONSUMER, dict()),
    ("agent: page 1 of all open", AGENT, dict(is_open=True)),
    ("agent: page 20 of all open", AGENT, dict(is_open=True, offset=1000)),
]
FIRST_PAGE, DEEP_PAGE = "agent: page 1 of all open", "agent: page 20 of all open"
# PostgreSQL's deep page is "as fast as the first" when its p50 is within this factor of the first page's.
# (SQLite's ratio is printed too; its OFFSET still materialises the rows it skips.)
DEEP_PAGE_TARGET = 1.2
DEEP_PAGE_DATABASE = "PostgreSQL"


@dataclass
class ListingResult:
    database: str
    rows: int
    load_seconds: float
    timings: dict[str, list[float]] = field(default_factory=dict)

    def all(self) -> list[float]:
        return [t for ts in self.timings.values() for t in ts]

    def p(self, pct: float, label: str | None = None) -> float:
        return percentile(self.timings[label] if label else self.all(), pct)

    def deep_page_ratio(self) -> float:
        """Page 20 over page 1 of the same list (p50): what the offset itself costs."""
        return self.p(50, DEEP_PAGE) / self.p(50, FIRST_PAGE)


def _rows(count: int, now: datetime, rng: random.Random) -> list[dict]:
    rows = []
    for i in range(count):
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 180))
        closed = rng.random() < 0.7
        stage = (Stage.CLOSED if rng.random() < 0.9 else Stage.WITHDRAWN) if closed else rng.choice(OPEN_STAGES)
        due = None if closed else now + timedelta(hours=rng.uniform(-24, 72))
        level = 0 if closed or rng.random() < 0.85 else rng.randint(1, 3)
        rows.append(
            dict(
                id=f"BCMP-{i}",
                workflow_id=f"complaint-BCMP-{i}",
                consumer_id=f"BC-{rng.randrange(CONSUMERS)}",
                merchant_id=f"BM-{rng.randrange(MERCHANTS)}",
                order_id=f"BO-{i}",
                order_line_id=f"BO-{i}-L1",
                sku=f"SKU-{rng.randrange(5000)}",
                stage=stage.value,
                is_open=not closed,
                type=rng.choice(TYPES),
                severity=rng.choice([Severity.A, Severity.B, Severity.B, Severity.C]).value,
                sla_clock="stage",
                sla_due_at=due,
                sla_paused=False,
                escalation_level=level,
                priority=level,
                assignee="supervisors" if level else f"agent-{rng.randrange(AGENTS)}",
                refunded_minor=0,
                created_at=created,
                updated_at=created,
                closed_at=created + timedelta(days=3) if closed else None,
            )
        )
    return rows


def load(url: str, rows: int, now: datetime) -> float:
    """Bulk-insert the parties and `rows` complaints; seconds taken."""
    engine = make_engine(url)
    rng = random.Random(42)
    began = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Consumer), [dict(id=f"BC-{i}", name="n", created_at=now) for i in range(CONSUMERS)])
        conn.execute(insert(Merchant), [dict(id=f"BM-{i}", name="m", created_at=now) for i in range(MERCHANTS)])
        batch = _rows(rows, now, rng)
        for start in range(0, rows, 10_000):
            conn.execute(insert(Complaint), batch[start : start + 10_000])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - began


def measure(url: str, database: str, rows: int, repeats: int) -> ListingResult:
    now = datetime.now(UTC)
    result = ListingResult(database=database, rows=rows, load_seconds=load(url, rows, now))
    engine = make_engine(url)
    try:
        for label, principal, raw in QUERIES:
            params = {k: (now - timedelta(days=7) if v == "RECENT" else v) for k, v in raw.items()}
            filters = ComplaintFilters(**params)
            timings = result.timings.setdefault(label, [])
            for n in range(repeats + 2):
                began = time.perf_counter()
                with Session(engine) as session:
                    page(
                        session,
                        principal,
                        filter_clauses(filters, principal, datetime.now(UTC)),
                        filters.sort,
                        filters.limit,
                        filters.offset,
                    )
                if n >= 2:  # the first two warm the connection and the statement cache
                    timings.append(time.perf_counter() - began)
    finally:
        engine.dispose()
    return result
