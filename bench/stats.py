"""Percentiles and rates, computed the same way in every benchmark and drill."""

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: every figure is a value that was really observed)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def steady_rate(finish_times: Sequence[float], low: float = 10, high: float = 90) -> float:
    """Completions per second between the `low`th and `high`th percentile finish: ramp-up and tail excluded."""
    if len(finish_times) < 10:
        return math.nan
    ordered = sorted(finish_times)
    first = ordered[math.ceil(low / 100 * len(ordered)) - 1]
    last = ordered[math.ceil(high / 100 * len(ordered)) - 1]
    done = math.ceil(high / 100 * len(ordered)) - math.ceil(low / 100 * len(ordered))
    return done / (last - first) if last > first else math.nan


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"
