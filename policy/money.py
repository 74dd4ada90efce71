"""Money arithmetic shared by the ladder and the penalties: integer minor units, rounded half-up."""

from decimal import ROUND_HALF_UP, Decimal


def percent_of(amount_minor: int, percent: float) -> int:
    """`percent` % of `amount_minor`, rounded half-up to whole minor units.

    Decimal(str(...)) keeps the operator's 5.5 as exactly 5.5, so 5.5 % of 100 fen is 6, never 5
    because of a binary-float 5.4999….
    """
    exact = Decimal(amount_minor) * Decimal(str(percent)) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refund_remainder(paid_minor: int, refunded_minor: int) -> int:
    """What may still go to the consumer for a line of `paid_minor` after `refunded_minor` went already.

    Refunds and platform advances of every earlier round count; never negative.
    """
    return max(paid_minor - max(refunded_minor, 0), 0)
