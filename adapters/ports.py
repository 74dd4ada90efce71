"""What a real platform owns elsewhere, behind small interfaces.

The database-backed implementations (adapters.db_platform) serve the embedded stack and tests; a
platform plugs in its own order service, deposit ledger, payment gateway and notifier here.
Every method with an effect takes an idempotency key: calling it twice has one effect.
"""

from datetime import datetime
from typing import Protocol

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


class PermanentFailure(Exception):
    """The platform refused for good (insufficient deposit, unknown account): do not retry."""


class OrderLookup(Protocol):
    def find_order(self, order_id: str) -> OrderRecord | None: ...


class MerchantDeposits(Protocol):
    def standing(self, merchant_id: str, since: datetime) -> MerchantStanding: ...

    def freeze(self, key: str, complaint_id: str, merchant_id: str, amount_minor: int) -> LedgerReceipt: ...

    def unfreeze(self, key: str, complaint_id: str, merchant_id: str, amount_minor: int) -> LedgerReceipt: ...

    def apply_penalty(
        self,
        key: str,
        complaint_id: str,
        merchant_id: str,
        deduction_minor: int,
        listing_blocked_until: datetime,
        deposit_multiplier: int,
        repeat_offender: bool,
    ) -> LedgerReceipt: ...


class PaymentGateway(Protocol):
    def pay(
        self,
        key: str,
        complaint_id: str,
        kind: LedgerKind,
        amount_minor: int,
        payer: str,
        payee: str,
        merchant_id: str | None = None,
        reference: str | None = None,
        order_line_id: str | None = None,
        line_paid_minor: int | None = None,
    ) -> LedgerReceipt:
        """Book one payment. Refunds and platform advances for `order_line_id` never add up past what
        the line cost (`line_paid_minor`, or the platform's own price of the line): PermanentFailure."""
        ...

    def reverse(self, key: str, original_key: str) -> LedgerReceipt | None:
        """Book the opposite of `original_key`; None when the original was never booked."""
        ...


class Notifier(Protocol):
    def send(self, key: str, recipient: str, template: str, complaint_id: str | None, body: dict) -> bool: ...
