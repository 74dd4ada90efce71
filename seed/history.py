"""The complaint history of merchant M013: closed cases, money booked, penalties under the default policy.

These cases predate the running system: they live only in the read model and the ledger, with no
Temporal workflow behind them (their workflow ids say so). Penalties are computed by the same policy
function the live cases use, so the merchant's balances are what the live system would have left.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models.enums import Category, ComplaintType, LedgerKind, RootCause, Stage, Tier
from models.policy import PenaltyPolicy
from models.tables import Complaint, LedgerEntry, Merchant, Penalty
from policy.penalties import compute_penalty
from seed.catalog import ShopSpec
from seed.orders import OrderMaker, PlacedOrder

HISTORY_MERCHANT = "M013"
HISTORY_WORKFLOW_PREFIX = "legacy:"  # not a Temporal workflow id: nothing to query or replay
FILED_AFTER_DELIVERY = timedelta(days=1)
RESOLVED_AFTER_FILING = timedelta(days=5)


@dataclass(frozen=True)
class PastCase:
    closed_days_ago: int
    type: ComplaintType
    penalised: bool  # a tier-3 outcome with the merchant liable: platform advance, recovery, penalty


# Oldest first. Four penalties: one long ago, three inside the default 180-day window, the last of
# which made M013 a repeat offender (required deposit doubled, listings blocked for 30 days).
PAST_CASES = (
    PastCase(250, ComplaintType.COUNTERFEIT, penalised=True),
    PastCase(200, ComplaintType.NOT_AS_DESCRIBED, penalised=False),
    PastCase(120, ComplaintType.COUNTERFEIT, penalised=True),
    PastCase(90, ComplaintType.QUALITY_DEFECT, penalised=False),
    PastCase(60, ComplaintType.COUNTERFEIT, penalised=True),
    PastCase(30, ComplaintType.NOT_AS_DESCRIBED, penalised=False),
    PastCase(15, ComplaintType.COUNTERFEIT, penalised=True),
)


@dataclass
class History:
    orders: list[PlacedOrder] = field(default_factory=list)
    complaints: list[Complaint] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    penalties: list[Penalty] = field(default_factory=list)


def build_history(
    rng: random.Random, now: datetime, maker: OrderMaker, shop: ShopSpec, merchant: Merchant, consumer_ids: list[str]
) -> History:
    """Orders, closed complaints and their money for `merchant`, whose balances are updated in place."""
    history = History()
    policy = PenaltyPolicy()
    for number, case in enumerate(PAST_CASES, start=1):
        closed_at = now - timedelta(days=case.closed_days_ago)
        filed_at = closed_at - RESOLVED_AFTER_FILING
        delivered_after = timedelta(days=3)
        placed_at = filed_at - FILED_AFTER_DELIVERY - delivered_after
        placed = maker.delivered_at(rng.choice(consumer_ids), shop, Category.COSMETICS, placed_at, delivered_after)
        line = placed.lines[0]
        complaint_id = f"HIST-{shop.id}-{number:02d}"
        history.orders.append(placed)
        history.complaints.append(
            Complaint(
                id=complaint_id,
                workflow_id=f"{HISTORY_WORKFLOW_PREFIX}{complaint_id}",
                consumer_id=placed.order.consumer_id,
                merchant_id=shop.id,
                order_id=placed.order.id,
                order_line_id=line.id,
                sku=line.sku,
                channel="app",
                stage=Stage.CLOSED.value,
                is_open=False,
                type=case.type.value,
                dispute_class="quality",
                severity="B",
                tier=(Tier.PLATFORM_ADVANCE if case.penalised else Tier.REFUND).value,
                liability="merchant",
                refunded_minor=line.paid_minor,
                outcome="resolved",
                root_cause=RootCause.MERCHANT_PRODUCT.value,
                created_at=filed_at,
                updated_at=closed_at,
                closed_at=closed_at,
            )
        )
        consumer, shop_account = f"consumer:{placed.order.consumer_id}", f"merchant:{shop.id}"
        if not case.penalised:
            history.ledger.append(
                _entry(
                    complaint_id,
                    "refund",
                    LedgerKind.MERCHANT_REFUND,
                    line.paid_minor,
                    shop_account,
                    consumer,
                    shop.id,
                    closed_at,
                )
            )
            continue
        history.ledger.append(
            _entry(
                complaint_id,
                "advance",
                LedgerKind.PLATFORM_ADVANCE,
                line.paid_minor,
                "platform",
                consumer,
                shop.id,
                closed_at,
            )
        )
        history.ledger.append(
            _entry(
                complaint_id,
                "recovery",
                LedgerKind.RECOVERY,
                line.paid_minor,
                shop_account,
                "platform",
                shop.id,
                closed_at,
            )
        )
        _penalise(history, policy, merchant, complaint_id, line.paid_minor, closed_at)
    return history


def _penalise(
    history: History, policy: PenaltyPolicy, merchant: Merchant, complaint_id: str, paid_minor: int, at: datetime
) -> None:
    window_start = at - policy.repeat_offender_window
    in_window = sum(1 for p in history.penalties if p.created_at >= window_start)
    terms = compute_penalty(paid_minor=paid_minor, penalties_in_window=in_window, now=at, policy=policy)
    key = f"{complaint_id}:penalty"
    history.penalties.append(
        Penalty(
            idempotency_key=key,
            complaint_id=complaint_id,
            merchant_id=merchant.id,
            deduction_minor=terms.deduction_minor,
            listing_blocked_until=terms.listing_blocked_until,
            repeat_offender=terms.repeat_offender,
            deposit_multiplier=terms.deposit_multiplier,
            created_at=at,
        )
    )
    history.ledger.append(
        _entry(
            complaint_id,
            "penalty",
            LedgerKind.PENALTY,
            terms.deduction_minor,
            f"merchant:{merchant.id}",
            "platform",
            merchant.id,
            at,
            key=key,
        )
    )
    # The same balance changes DbMerchantDeposits.apply_penalty makes.
    merchant.deposit_minor -= terms.deduction_minor
    if merchant.listing_blocked_until is None or merchant.listing_blocked_until < terms.listing_blocked_until:
        merchant.listing_blocked_until = terms.listing_blocked_until
    if terms.repeat_offender:
        merchant.deposit_required_minor *= terms.deposit_multiplier


def _entry(
    complaint_id: str,
    step: str,
    kind: LedgerKind,
    amount_minor: int,
    payer: str,
    payee: str,
    merchant_id: str,
    at: datetime,
    key: str | None = None,
) -> LedgerEntry:
    return LedgerEntry(
        idempotency_key=key or f"{complaint_id}:{step}",
        complaint_id=complaint_id,
        merchant_id=merchant_id,
        kind=kind.value,
        amount_minor=amount_minor,
        payer=payer,
        payee=payee,
        created_at=at,
    )
