"""The world a what-if case runs in: what the platform told the case then, replayed from its history.

A past case asked the platform a few questions (the order, how many open complaints share its merchant
or SKU, the merchant's standing). Re-running it today against live data would answer differently, so the
simulation's worker answers those questions from the case's own recorded activity results, moved in time
so they keep their distance to the (simulated) filing moment. Everything the case writes goes to a
throwaway database.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from activities.intake import IntakeActivities
from activities.money import MoneyActivities
from adapters.db_platform import DbMerchantDeposits, DbOrderLookup, DbPaymentGateway
from core.db import session_scope
from models.activity_io import ImpactCounts, ImpactQuery, OrderLookupResult, StandingQuery
from models.platform import MerchantStanding
from models.tables import Consumer, Merchant

RECORDED_TYPES: dict[str, type] = {
    "lookup_order": OrderLookupResult,
    "count_open_complaints": ImpactCounts,
    "merchant_standing": MerchantStanding,
}

# The simulated merchant can always cover a freeze: the what-if is about policy, not about a deposit
# that happens to be short today.
SIMULATED_DEPOSIT_MINOR = 10**12


@dataclass
class RecordedFacts:
    answers: dict[str, object] = field(default_factory=dict)  # activity name -> its first recorded result

    def shifted(self, delta: timedelta) -> "RecordedFacts":
        """The same answers with every timestamp moved by `delta`."""
        moved: dict[str, object] = {}
        for name, value in self.answers.items():
            if isinstance(value, OrderLookupResult) and value.order is not None:
                order = value.order
                times = {
                    k: getattr(order, k) + delta
                    for k in ("placed_at", "shipped_at", "promised_by", "delivered_at")
                    if getattr(order, k) is not None
                }
                value = OrderLookupResult(order=order.model_copy(update=times))
            elif isinstance(value, MerchantStanding) and value.listing_blocked_until is not None:
                value = value.model_copy(update={"listing_blocked_until": value.listing_blocked_until + delta})
            moved[name] = value
        return RecordedFacts(moved)


async def recorded_facts(history: WorkflowHistory, converter: DataConverter) -> RecordedFacts:
    scheduled: dict[int, str] = {}
    facts = RecordedFacts()
    for ev in history.events:
        if ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[ev.event_id] = ev.activity_task_scheduled_event_attributes.activity_type.name
        elif ev.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = ev.activity_task_completed_event_attributes
            name = scheduled.get(attrs.scheduled_event_id)
            if name in RECORDED_TYPES and name not in facts.answers:
                payloads = list(attrs.result.payloads)
                facts.answers[name] = (await converter.decode(payloads, [RECORDED_TYPES[name]]))[0]
    return facts


class RecordedWorld:
    """Activities named like the real ones; they answer from the recording of the running case.

    Cases are told apart by workflow id. A question the original case never asked (the new policy took
    it down another path) is answered from the throwaway database instead.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.facts: dict[str, RecordedFacts] = {}
        self._intake = IntakeActivities(DbOrderLookup(engine), engine)
        self._money = MoneyActivities(DbMerchantDeposits(engine), DbPaymentGateway(engine))

    def _recorded(self, name: str):
        facts = self.facts.get(activity.info().workflow_id)
        return facts.answers.get(name) if facts else None

    @activity.defn(name="lookup_order")
    def lookup_order(self, order_id: str) -> OrderLookupResult:
        return self._recorded("lookup_order") or self._intake.lookup_order(order_id)

    @activity.defn(name="count_open_complaints")
    def count_open_complaints(self, q: ImpactQuery) -> ImpactCounts:
        return self._recorded("count_open_complaints") or self._intake.count_open_complaints(q)

    @activity.defn(name="merchant_standing")
    def merchant_standing(self, q: StandingQuery) -> MerchantStanding:
        return self._recorded("merchant_standing") or self._money.merchant_standing(q)

    def seed_parties(self, consumer_id: str, facts: RecordedFacts) -> None:
        """The rows the case's writes refer to: its consumer and, when the order is known, its merchant."""
        lookup = facts.answers.get("lookup_order")
        merchant_id = lookup.order.merchant_id if isinstance(lookup, OrderLookupResult) and lookup.order else None
        with session_scope(self.engine) as s:
            if s.get(Consumer, consumer_id) is None:
                s.add(Consumer(id=consumer_id, name="(what-if)", created_at=datetime(2000, 1, 1, tzinfo=UTC)))
            if merchant_id and s.get(Merchant, merchant_id) is None:
                s.add(
                    Merchant(
                        id=merchant_id,
                        name="(what-if)",
                        deposit_minor=SIMULATED_DEPOSIT_MINOR,
                        deposit_required_minor=0,
                        created_at=lookup.order.placed_at,
                    )
                )

    def activities(self) -> list:
        """The worker's activities with the three questions answered from the recording."""
        from runtime.worker_build import activities_for

        replaced = {"lookup_order", "count_open_complaints", "merchant_standing"}
        real = [fn for fn in activities_for(self.engine) if fn.__name__ not in replaced]
        return real + [self.lookup_order, self.count_open_complaints, self.merchant_standing]
