"""The classify activity: the classifier runs here, not in the workflow, and history records its result.

Why an activity: the classifier loads jieba's dictionary and the model weights (too heavy for the
workflow sandbox, and slow on first use), and a retrained model must never change how a recorded
case replays. It only reads (complaint and order counts for group impact): retrying it is harmless.
"""

from datetime import datetime

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio import activity

from models.case import ClassificationResult, OrderFacts
from models.classify_io import ClassifyRequest
from models.tables import Complaint, Order, OrderLine
from policy import classifier
from policy.group_impact import GroupVolumes


class ClassifyActivities:
    def __init__(self, engine: Engine | None) -> None:
        self._engine = engine

    @activity.defn(name="classify_complaint")
    def classify_complaint(self, request: ClassifyRequest) -> ClassificationResult:
        volumes = None
        if request.group_since is not None and self._engine is not None:
            volumes = self._volumes(request.complaint_id, request.order, request.group_since)
        return classifier.suggest(
            description=request.description, order=request.order, volumes=volumes, policy=request.policy
        )

    def _volumes(self, complaint_id: str, order: OrderFacts, since: datetime) -> GroupVolumes:
        """Complaints filed (other than this one) and orders placed in the window, per SKU and merchant."""
        complaints = (
            select(func.count())
            .select_from(Complaint)
            .where(Complaint.id != complaint_id, Complaint.created_at >= since)
        )
        sku_orders = (
            select(func.count(func.distinct(OrderLine.order_id)))
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)  # type: ignore[arg-type]
            .where(OrderLine.sku == order.sku, Order.placed_at >= since)
        )
        merchant_orders = (
            select(func.count())
            .select_from(Order)
            .where(Order.merchant_id == order.merchant_id, Order.placed_at >= since)
        )
        with Session(self._engine) as session:
            return GroupVolumes(
                complaints_on_sku=session.exec(complaints.where(Complaint.sku == order.sku)).one(),
                complaints_on_merchant=session.exec(complaints.where(Complaint.merchant_id == order.merchant_id)).one(),
                orders_on_sku=session.exec(sku_orders).one(),
                orders_on_merchant=session.exec(merchant_orders).one(),
            )
