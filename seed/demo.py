"""`seed_demo`: the demo data set — shops, consumers, orders with their scenarios, history, demo users.

Deterministic (one random.Random, times relative to `now`) and idempotent: the presence of merchant
M001 marks a seeded database, and everything is written in one transaction, so a database is either
fully seeded or not at all. Known ids for docs and tests: consumer C001 with orders O1001 (fresh,
late, perishable), O1002 (electronics, two lines, delivered a week ago) and O1003 (outside the
after-sales window), all from merchant M001; merchant M013 with a history of penalties.
"""

import random
from datetime import datetime, timedelta
from typing import NamedTuple

from pwdlib import PasswordHash
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from core.db import session_scope
from models.enums import Category, Role, TrackingStatus
from models.tables import Consumer, Merchant, User
from seed.catalog import (
    GIVEN_NAMES,
    PHONE_PREFIXES,
    PLACES,
    REQUIRED_DEPOSIT,
    SHOPS,
    STREETS,
    SURNAMES,
    ShopSpec,
)
from seed.history import HISTORY_MERCHANT, build_history
from seed.orders import (
    LATE_OTHER_ORDERS,
    LATE_PERISHABLE_ORDERS,
    OUT_OF_WINDOW_ORDERS,
    OrderMaker,
    PlacedOrder,
)

MARKER_MERCHANT = "M001"
DEMO_PASSWORD = "demo-password"
CONSUMER_COUNT = 60
ORDER_COUNT = 400  # including the three well-known orders and M013's history


class DemoUser(NamedTuple):
    username: str
    role: Role
    password: str
    consumer_id: str | None = None
    merchant_id: str | None = None


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("alice", Role.CONSUMER, DEMO_PASSWORD, consumer_id="C001"),
    DemoUser("bob", Role.CONSUMER, DEMO_PASSWORD, consumer_id="C002"),
    DemoUser("shop1", Role.MERCHANT, DEMO_PASSWORD, merchant_id="M001"),
    DemoUser("shop13", Role.MERCHANT, DEMO_PASSWORD, merchant_id="M013"),
    DemoUser("agent1", Role.AGENT, DEMO_PASSWORD),
    DemoUser("agent2", Role.AGENT, DEMO_PASSWORD),
    DemoUser("super1", Role.SUPERVISOR, DEMO_PASSWORD),
    DemoUser("audit1", Role.AUDITOR, DEMO_PASSWORD),
    DemoUser("admin1", Role.ADMIN, DEMO_PASSWORD),
)


class SeedSummary(BaseModel):
    """What one run added; all zero (created=False) when the database was already seeded."""

    created: bool = False
    merchants: int = 0
    consumers: int = 0
    orders: int = 0
    order_lines: int = 0
    complaints: int = 0
    ledger_entries: int = 0
    penalties: int = 0
    users: int = 0


def seed_demo(engine: Engine, *, now: datetime, rng_seed: int = 7) -> SeedSummary:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if _is_seeded(engine):
        return SeedSummary()
    rng = random.Random(rng_seed)
    merchants = _merchants(rng, now)
    consumers = _consumers(rng, now)
    consumer_ids = [c.id for c in consumers]
    maker = OrderMaker(rng, now)
    history = build_history(rng, now, maker, _shop(HISTORY_MERCHANT), merchants[HISTORY_MERCHANT], consumer_ids[1:])
    orders = maker.well_known() + history.orders
    orders += _generated_orders(rng, maker, consumer_ids, ORDER_COUNT - len(orders))
    users = _users(now)
    try:
        with session_scope(engine) as session:
            # Parents before children: the foreign keys are checked row by row on flush.
            for batch in (
                list(merchants.values()),
                consumers,
                users,
                [o.order for o in orders],
                [line for o in orders for line in o.lines],
                history.complaints,
                history.ledger,
                history.penalties,
            ):
                session.add_all(batch)
                session.flush()
    except IntegrityError:
        if _is_seeded(engine):  # a concurrent seeder finished first: its data set is the same one
            return SeedSummary()
        raise
    return SeedSummary(
        created=True,
        merchants=len(merchants),
        consumers=len(consumers),
        orders=len(orders),
        order_lines=sum(len(o.lines) for o in orders),
        complaints=len(history.complaints),
        ledger_entries=len(history.ledger),
        penalties=len(history.penalties),
        users=len(users),
    )


def _is_seeded(engine: Engine) -> bool:
    with session_scope(engine) as session:
        return session.get(Merchant, MARKER_MERCHANT) is not None


def _shop(merchant_id: str) -> ShopSpec:
    return next(shop for shop in SHOPS if shop.id == merchant_id)


def _merchants(rng: random.Random, now: datetime) -> dict[str, Merchant]:
    merchants = {}
    for shop in SHOPS:
        required = max(REQUIRED_DEPOSIT[category] for category in shop.categories)
        # About one shop in eight has let its deposit run below what it must keep.
        short = not shop.trusted and shop.id != HISTORY_MERCHANT and rng.random() < 0.125
        deposit = required * rng.randint(60, 95) // 100 if short else required
        merchants[shop.id] = Merchant(
            id=shop.id,
            name=shop.name,
            deposit_minor=deposit,
            deposit_required_minor=required,
            risk_level=shop.risk.value,
            trusted=shop.trusted,
            created_at=now - timedelta(days=rng.randint(400, 2000)),
        )
    return merchants


def _consumers(rng: random.Random, now: datetime) -> list[Consumer]:
    named = {1: "王丽", 2: "李明"}  # alice and bob
    consumers = []
    for n in range(1, CONSUMER_COUNT + 1):
        province, city, districts = rng.choice(PLACES)
        address = (
            f"{province}{city}{rng.choice(districts)}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
            f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(101, 2804)}室"
        )
        phone = rng.choice(PHONE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
        name = named.get(n) or rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        consumers.append(
            Consumer(
                id=f"C{n:03d}",
                name=name,
                phone=phone,
                email=f"c{n:03d}@example.com",
                address=address,
                created_at=now - timedelta(days=rng.randint(300, 1500)),
            )
        )
    return consumers


def _generated_orders(rng: random.Random, maker: OrderMaker, consumer_ids: list[str], count: int) -> list[PlacedOrder]:
    fresh_shops = [shop for shop in SHOPS if Category.FRESH in shop.categories]
    orders = []
    for n in range(LATE_PERISHABLE_ORDERS):
        status = TrackingStatus.ABNORMAL if n % 3 == 2 else TrackingStatus.OVERDUE
        orders.append(maker.late(rng.choice(consumer_ids), rng.choice(fresh_shops), status, perishable=True))
    late_other = (TrackingStatus.OVERDUE, TrackingStatus.ABNORMAL, TrackingStatus.LOST)
    for n in range(LATE_OTHER_ORDERS):
        shop = rng.choice([s for s in SHOPS if Category.FRESH not in s.categories])
        orders.append(maker.late(rng.choice(consumer_ids), shop, late_other[n % 3], perishable=False))
    for _ in range(OUT_OF_WINDOW_ORDERS):
        orders.append(maker.ordinary(rng.choice(consumer_ids), rng.choice(SHOPS), timedelta(days=rng.uniform(45, 200))))
    while len(orders) < count:
        orders.append(
            maker.ordinary(rng.choice(consumer_ids), rng.choice(SHOPS), timedelta(hours=rng.uniform(1, 30 * 24)))
        )
    return orders


def _users(now: datetime) -> list[User]:
    hasher = PasswordHash.recommended()
    return [
        User(
            id=f"U-{user.username}",
            username=user.username,
            hashed_password=hasher.hash(user.password),
            role=user.role.value,
            consumer_id=user.consumer_id,
            merchant_id=user.merchant_id,
            created_at=now - timedelta(days=30),
        )
        for user in DEMO_USERS
    ]
