"""The early-warning test: is a subject's complaint rate per order line above its own past, or its category's?

Method (docs/INSIGHTS.md): complaints are counted per order line. To compare the current rate k/n
with a reference rate kr/nr, condition on the total k + kr: if both rates were equal, k would be
Binomial(k + kr, n / (n + nr)). The one-sided exact p-value P(X >= k) comes from
scipy.stats.binomtest. This is the classical exact test for two Poisson rates; it needs no
normal approximation and handles a reference with zero complaints. A flag needs enough volume,
a p-value below `alpha` and a rate ratio of at least `min_ratio`; it clears when no test stays
below the looser `clear_alpha` (hysteresis, so a flag does not flap at the threshold).
"""

from dataclasses import dataclass

from pydantic import BaseModel
from scipy.stats import binomtest

from models.policy_insights import EarlyWarningPolicy


@dataclass(frozen=True)
class Counts:
    complaints: int
    lines: int

    @property
    def rate(self) -> float | None:
        return self.complaints / self.lines if self.lines else None


class RateTest(BaseModel):
    reference: str  # "own_baseline" or "category"
    reference_complaints: int
    reference_lines: int
    reference_rate_per_1000: float | None
    expected_complaints: float | None
    ratio: float | None  # None when the reference rate is zero: any complaint is "infinitely" above it
    p_value: float


class Verdict(BaseModel):
    complaints: int
    lines: int
    rate_per_1000: float | None
    volume_ok: bool
    tests: list[RateTest]
    significant: bool  # at alpha: a reason to raise
    still_significant: bool  # at clear_alpha: a reason to keep an active flag
    method: str = "exact conditional binomial test (two Poisson rates), one-sided"


def _per_1000(c: Counts) -> float | None:
    return round(1000 * c.complaints / c.lines, 4) if c.lines else None


def rate_test(current: Counts, reference: Counts, name: str) -> RateTest | None:
    """None when there is no reference volume to compare with."""
    if current.lines <= 0 or reference.lines <= 0:
        return None
    total = current.complaints + reference.complaints
    share = current.lines / (current.lines + reference.lines)
    p = 1.0 if total == 0 else float(binomtest(current.complaints, total, share, alternative="greater").pvalue)
    ref_rate = reference.complaints / reference.lines
    ratio = round((current.complaints / current.lines) / ref_rate, 4) if ref_rate > 0 else None
    return RateTest(
        reference=name,
        reference_complaints=reference.complaints,
        reference_lines=reference.lines,
        reference_rate_per_1000=_per_1000(reference),
        expected_complaints=round(ref_rate * current.lines, 4),
        ratio=ratio,
        p_value=p,
    )


def _passes(t: RateTest, alpha: float, min_ratio: float, complaints: int) -> bool:
    big_enough = t.ratio >= min_ratio if t.ratio is not None else complaints > 0
    return t.p_value < alpha and big_enough


def evaluate(current: Counts, baseline: Counts, category_rest: Counts, policy: EarlyWarningPolicy) -> Verdict:
    tests = [
        t
        for t in (rate_test(current, baseline, "own_baseline"), rate_test(current, category_rest, "category"))
        if t is not None
    ]
    volume_ok = current.lines >= policy.min_order_lines and current.complaints >= policy.min_complaints
    significant = volume_ok and any(_passes(t, policy.alpha, policy.min_ratio, current.complaints) for t in tests)
    still = any(_passes(t, policy.clear_alpha, policy.min_ratio, current.complaints) for t in tests)
    return Verdict(
        complaints=current.complaints,
        lines=current.lines,
        rate_per_1000=_per_1000(current),
        volume_ok=volume_ok,
        tests=tests,
        significant=significant,
        still_significant=still,
    )


def describe(kind: str, subject: str, v: Verdict) -> str:
    """One line for the audit reason and the supervisors' notification."""
    parts = [f"{kind} {subject}: {v.complaints} complaints on {v.lines} order lines ({v.rate_per_1000} per 1000)"]
    for t in v.tests:
        parts.append(f"{t.reference} {t.reference_rate_per_1000} per 1000, ratio {t.ratio}, p={t.p_value:.3g}")
    return "; ".join(parts)
