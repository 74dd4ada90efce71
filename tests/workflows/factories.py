"""Test data: each test makes its own consumer, merchant and order, so tests never share state."""

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from audit.case_driver import Parties, seed_order


def make_order(
    engine: Engine,
    *,
    category: str = "electronics",
    paid_minor: int = 19900,
    lines: int = 1,
    delivered_days_ago: float | None = 2,
    tracking: str = "delivered",
    late: bool = False,
    deposit_minor: int = 500_000,
    now: datetime | None = None,
) -> Parties:
    """The case driver's seeder, dated by the wall clock unless the test passes the server's `now`."""
    return seed_order(
        engine,
        now or datetime.now(UTC),
        category=category,
        paid_minor=paid_minor,
        lines=lines,
        delivered_days_ago=delivered_days_ago,
        tracking=tracking,
        late=late,
        deposit_minor=deposit_minor,
    )
