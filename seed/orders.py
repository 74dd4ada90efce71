"""Demo orders: a realistic spread of ages, categories and logistics states, plus the named scenarios.

Every time is derived from `now`, every choice from the given random.Random, so the same seed and
the same `now` give the same orders.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models.enums import Category, TrackingStatus
from models.tables import Order, OrderLine
from seed.catalog import (
    CARRIERS,
    COLD_CHAIN_CARRIERS,
    PERISHABLE,
    PRODUCTS,
    SKU_CODE,
    ShopSpec,
    tracking_number,
)

FIRST_GENERATED_ORDER = 1004
# How many generated orders fall into each scenario; the rest are ordinary orders of the last 30 days.
LATE_PERISHABLE_ORDERS = 12
LATE_OTHER_ORDERS = 6
OUT_OF_WINDOW_ORDERS = 60


@dataclass
class PlacedOrder:
    order: Order
    lines: list[OrderLine] = field(default_factory=list)


def promise_window(perishable: bool) -> timedelta:
    """Delivery the shop promises at checkout: cold-chain goods travel express."""
    return timedelta(days=2) if perishable else timedelta(days=5)


class OrderMaker:
    def __init__(self, rng: random.Random, now: datetime):
        self._rng = rng
        self._now = now
        self._next_number = FIRST_GENERATED_ORDER

    # ---- the well-known orders that docs and tests name ---------------------------------------

    def well_known(self) -> list[PlacedOrder]:
        now = self._now
        crab = PlacedOrder(
            Order(
                id="O1001",
                consumer_id="C001",
                merchant_id="M001",
                paid_minor=38_800,
                placed_at=now - timedelta(days=3),
                shipped_at=now - timedelta(days=3) + timedelta(hours=5),
                promised_by=now - timedelta(days=1),
                carrier="SF",
                tracking_number="SF1000000010010",
                tracking_status=TrackingStatus.OVERDUE.value,
            )
        )
        crab.lines.append(self._line(crab.order, 1, Category.FRESH, 0, quantity=1))
        headphones = PlacedOrder(
            Order(
                id="O1002",
                consumer_id="C001",
                merchant_id="M001",
                paid_minor=0,
                placed_at=now - timedelta(days=10),
                shipped_at=now - timedelta(days=10) + timedelta(hours=8),
                promised_by=now - timedelta(days=5),
                delivered_at=now - timedelta(days=7),
                carrier="JD",
                tracking_number="JDV000000010020",
                tracking_status=TrackingStatus.DELIVERED.value,
            )
        )
        headphones.lines.append(self._line(headphones.order, 1, Category.ELECTRONICS, 0, quantity=1))
        headphones.lines.append(self._line(headphones.order, 2, Category.ELECTRONICS, 4, quantity=1))
        old_pan = PlacedOrder(
            Order(
                id="O1003",
                consumer_id="C001",
                merchant_id="M001",
                paid_minor=0,
                placed_at=now - timedelta(days=120),
                shipped_at=now - timedelta(days=119),
                promised_by=now - timedelta(days=115),
                delivered_at=now - timedelta(days=116),
                carrier="ZTO",
                tracking_number="70000000010030",
                tracking_status=TrackingStatus.DELIVERED.value,
            )
        )
        old_pan.lines.append(self._line(old_pan.order, 1, Category.HOME, 2, quantity=1))
        for placed in (crab, headphones, old_pan):
            placed.order.paid_minor = sum(line.paid_minor for line in placed.lines)
        return [crab, headphones, old_pan]

    # ---- generated orders ----------------------------------------------------------------------

    def ordinary(self, consumer_id: str, shop: ShopSpec, age: timedelta) -> PlacedOrder:
        """An order placed `age` ago whose logistics state follows from the time that has passed."""
        placed = self._start(consumer_id, shop, self._now - age, self._pick_categories(shop))
        perishable = self._perishable(placed)
        order = placed.order
        shipped = order.placed_at + timedelta(hours=self._rng.uniform(2, 12 if perishable else 30))
        arrives = shipped + timedelta(days=self._rng.uniform(1, 2) if perishable else self._rng.uniform(1.5, 4))
        if shipped > self._now:
            return placed
        self._ship(order, shipped, perishable)
        if arrives <= self._now:
            order.delivered_at = arrives
            order.tracking_status = TrackingStatus.DELIVERED.value
        else:
            order.tracking_status = TrackingStatus.IN_TRANSIT.value
        return placed

    def late(self, consumer_id: str, shop: ShopSpec, status: TrackingStatus, perishable: bool) -> PlacedOrder:
        """Shipped, past its promised delivery and not delivered: the logistics circuit-breaker case."""
        categories = [Category.FRESH] * self._line_count() if perishable else self._pick_categories(shop)
        age = timedelta(days=self._rng.uniform(2.5, 6) if perishable else self._rng.uniform(6, 12))
        placed = self._start(consumer_id, shop, self._now - age, categories)
        order = placed.order
        self._ship(order, order.placed_at + timedelta(hours=self._rng.uniform(4, 20)), perishable)
        order.tracking_status = status.value
        return placed

    def delivered_at(
        self, consumer_id: str, shop: ShopSpec, category: Category, placed_at: datetime, delivered_after: timedelta
    ) -> PlacedOrder:
        """A delivered single-line order at fixed times (the complaint history is built on these)."""
        placed = self._start(consumer_id, shop, placed_at, [category])
        order = placed.order
        self._ship(order, placed_at + timedelta(hours=10), category in PERISHABLE)
        order.delivered_at = placed_at + delivered_after
        order.tracking_status = TrackingStatus.DELIVERED.value
        return placed

    # ---- helpers -------------------------------------------------------------------------------

    def _start(self, consumer_id: str, shop: ShopSpec, placed_at: datetime, categories: list[Category]) -> PlacedOrder:
        order_id = f"O{self._next_number}"
        self._next_number += 1
        placed = PlacedOrder(
            Order(
                id=order_id,
                consumer_id=consumer_id,
                merchant_id=shop.id,
                paid_minor=0,
                placed_at=placed_at,
                tracking_status=TrackingStatus.PENDING.value,
            )
        )
        used: set[tuple[Category, int]] = set()
        for category in categories:
            product = self._rng.randrange(len(PRODUCTS[category]))
            if (category, product) in used:  # each product appears on one line only
                continue
            used.add((category, product))
            quantity = self._rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
            placed.lines.append(self._line(placed.order, len(placed.lines) + 1, category, product, quantity))
        placed.order.paid_minor = sum(line.paid_minor for line in placed.lines)
        placed.order.promised_by = placed_at + promise_window(self._perishable(placed))
        return placed

    def _ship(self, order: Order, shipped_at: datetime, perishable: bool) -> None:
        carrier = self._rng.choice(COLD_CHAIN_CARRIERS if perishable else CARRIERS)
        digits = "".join(self._rng.choice("0123456789") for _ in range(13))
        order.shipped_at = shipped_at
        order.carrier = carrier
        order.tracking_number = tracking_number(carrier, digits)

    @staticmethod
    def _line(order: Order, number: int, category: Category, product: int, quantity: int) -> OrderLine:
        title, unit_price = PRODUCTS[category][product]
        return OrderLine(
            id=f"{order.id}-L{number}",
            order_id=order.id,
            sku=f"{order.merchant_id}-{SKU_CODE[category]}{product + 1:02d}",
            title=title,
            category=category.value,
            quantity=quantity,
            paid_minor=unit_price * quantity,
        )

    def _pick_categories(self, shop: ShopSpec) -> list[Category]:
        return [self._rng.choice(shop.categories) for _ in range(self._line_count())]

    def _line_count(self) -> int:
        return self._rng.choices((1, 2, 3), weights=(60, 28, 12))[0]

    @staticmethod
    def _perishable(placed: PlacedOrder) -> bool:
        return any(Category(line.category) in PERISHABLE for line in placed.lines)
