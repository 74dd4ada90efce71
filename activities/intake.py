"""Intake activities: what the order system says, and how many open complaints share a merchant or SKU."""

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from adapters.ports import OrderLookup
from models.activity_io import ImpactCounts, ImpactQuery, OrderLookupResult
from models.tables import Complaint


class IntakeActivities:
    def __init__(self, orders: OrderLookup, engine: Engine) -> None:
        self._orders = orders
        self._engine = engine

    @activity.defn(name="lookup_order")
    def lookup_order(self, order_id: str) -> OrderLookupResult:
        return OrderLookupResult(order=self._orders.find_order(order_id))

    @activity.defn(name="count_open_complaints")
    def count_open_complaints(self, q: ImpactQuery) -> ImpactCounts:
        """Group impact reads the read model: open cases other than this one, filed within the window."""

        def count(*where) -> int:
            stmt = (
                select(func.count())
                .select_from(Complaint)
                .where(
                    Complaint.is_open.is_(True), Complaint.id != q.complaint_id, Complaint.created_at >= q.since, *where
                )
            )
            with Session(self._engine) as session:
                return int(session.exec(stmt).one())

        return ImpactCounts(
            open_on_merchant=count(Complaint.merchant_id == q.merchant_id), open_on_sku=count(Complaint.sku == q.sku)
        )
