"""What the platform's services answer with: orders, ledger receipts, a merchant's standing.

Plain pydantic, safe to pass through Temporal. The services themselves are the interfaces in adapters.ports.
"""

from datetime import datetime

from pydantic import BaseModel

from models.enums import LedgerKind


class OrderLineRecord(BaseModel):
    id: str
    sku: str
    title: str
    category: str
    quantity: int
    paid_minor: int


class OrderRecord(BaseModel):
    id: str
    consumer_id: str
    merchant_id: str
    paid_minor: int
    currency: str
    placed_at: datetime
    shipped_at: datetime | None = None
    promised_by: datetime | None = None
    delivered_at: datetime | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_status: str = "pending"
    lines: list[OrderLineRecord] = []


class LedgerReceipt(BaseModel):
    idempotency_key: str
    kind: LedgerKind
    amount_minor: int
    created: bool  # False when the key had already been booked: the retry had no second effect


class MerchantStanding(BaseModel):
    merchant_id: str
    deposit_minor: int
    frozen_minor: int
    deposit_required_minor: int
    risk_level: str
    trusted: bool
    listing_blocked_until: datetime | None
    penalties_in_window: int
