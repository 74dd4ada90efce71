"""What a real platform owns elsewhere, behind small interfaces.

The database-backed implementations (adapters.db_platform) serve the embedded stack and tests; a
platform plugs in its own order service, deposit ledger, payment gateway and notifier here.
Every method with an effect takes an idempotency key: calling it twice has one effect. The records
they answer with are data (models.platform); this module holds only the interfaces.
"""

from datetime import datetime
from typing import Any, Protocol

from models.enums import LedgerKind
from models.platform import LedgerReceipt, MerchantStanding, OrderRecord


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
        interview_due: datetime | None = None,
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
    def send(self, key: str, recipient: str, template: str, complaint_id: str | None, body: dict[str, Any]) -> bool: ...
