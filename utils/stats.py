"""How sure is a measured number? 95% intervals for rates, means and before/after differences.

Introduced in lesson 01, where the Wilson interval and the bootstrap are first written by hand.
Every lesson reports its held-out numbers as an `Estimate` (value, interval, n), and
`LessonRun.write_metrics` stores one as four flat keys: `x`, `x_ci_low`, `x_ci_high`, `x_n`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Sequence

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile: 95% of the mass lies within +-Z95
BOOTSTRAP_RESAMPLES = 2000  # enough for a stable 2.5% / 97.5% quantile; a few ms for hundreds of items
INTERVAL_SUFFIXES = ("_ci_low", "_ci_high", "_n")  # how an Estimate is flattened into metrics.json


@dataclass(frozen=True)
class Estimate:
    """A measured number with its 95% interval and the number of items it was measured on."""

    value: float
    low: float
    high: float
    n: int
    method: str  # "wilson", "bootstrap" or "paired bootstrap"

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero: for a difference, an effect."""
        return self.low > 0 or self.high < 0

    def as_metrics(self, name: str) -> dict[str, float]:
        return {name: self.value, f"{name}_ci_low": self.low, f"{name}_ci_high": self.high, f"{name}_n": self.n}

    def format(self, percent: bool = False, digits: int = 2) -> str:
        """'0.87 [0.76, 0.93], n=60', or with percent=True '87% [76%, 93%], n=60'."""
        if percent:
            return f"{self.value:.0%} [{self.low:.0%}, {self.high:.0%}], n={self.n}"
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}], n={self.n}"

    def __str__(self) -> str:
        return self.format()


def wilson_interval(successes: int, n: int, z: float = Z95) -> Estimate:
    """95% interval for a rate (successes out of n), by Wilson's score method.

    Unlike the textbook p +- z*sqrt(p(1-p)/n), it stays inside [0, 1] and does not collapse to
    zero width at 0% or 100%: 60 out of 60 still leaves room for a rate below 100%.
    """
    if n <= 0:
        raise ValueError("a rate needs at least one item (n >= 1)")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # min/max: at 0% or 100% rounding could put a bound a hair on the wrong side of p
    return Estimate(p, max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half)), n, "wilson")


def rate(outcomes: Sequence[bool]) -> Estimate:
    """The share of True outcomes, with its Wilson interval."""
    return wilson_interval(sum(bool(o) for o in outcomes), len(outcomes))


def _quantiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    last = len(values) - 1
    return values[round(0.025 * last)], values[round(0.975 * last)]


def bootstrap(statistic: Callable[[list[int]], float], n: int, resamples: int = BOOTSTRAP_RESAMPLES,
              seed: int = 0) -> Estimate:
    """95% percentile-bootstrap interval for any statistic of n items (a correlation, an agreement...).

    `statistic(indices)` computes the number from the items at those indices. The bootstrap draws n
    indices with replacement, recomputes, and keeps the middle 95% of the results.
    """
    if n < 1:
        raise ValueError("the bootstrap needs at least one item")
    rng = random.Random(seed)
    results = [statistic(rng.choices(range(n), k=n)) for _ in range(resamples)]
    results = [r for r in results if math.isfinite(r)]  # e.g. a correlation of a resample with no spread
    low, high = _quantiles(results)
    return Estimate(statistic(list(range(n))), low, high, n, "bootstrap")


def bootstrap_mean(values: Sequence[float], weights: Sequence[float] | None = None,
                   resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> Estimate:
    """95% bootstrap interval for a mean: resample the items with replacement, recompute the mean.

    With `weights`, the mean is sum(w * v) / sum(w) (e.g. a loss per token over conversations of
    different lengths: v = a conversation's mean token loss, w = its token count).
    """
    values = [float(v) for v in values]
    weights = [1.0] * len(values) if weights is None else [float(w) for w in weights]
    if not values:
        raise ValueError("a mean needs at least one value")
    if len(weights) != len(values):
        raise ValueError(f"one weight per value: got {len(weights)} weights for {len(values)} values")

    def mean(indices):
        return sum(values[i] * weights[i] for i in indices) / sum(weights[i] for i in indices)

    return bootstrap(mean, len(values), resamples, seed)


def paired_bootstrap_difference(after: Sequence[float], before: Sequence[float], weights: Sequence[float] | None = None,
                                resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> Estimate:
    """95% interval for mean(after) - mean(before) measured on the same items (prompts, pairs).

    Items are resampled together, so each keeps its own before and after: the interval reflects how
    consistently the change happens item by item, not how different the items are from each other.
    """
    if len(after) != len(before):
        raise ValueError(f"a paired difference needs one 'before' per 'after': got {len(after)} and {len(before)}")
    estimate = bootstrap_mean([float(a) - float(b) for a, b in zip(after, before)], weights, resamples, seed)
    return Estimate(estimate.value, estimate.low, estimate.high, estimate.n, "paired bootstrap")


def mean_per_item(values: Sequence[float], n_items: int) -> list[float]:
    """One number per item from several samples of each, laid out as [all items' first sample, all
    items' second sample, ...]. A bootstrap should resample items (the independent unit: a prompt),
    not the correlated samples of one item."""
    if n_items < 1 or len(values) % n_items:
        raise ValueError(f"{len(values)} values are not whole samples of {n_items} items")
    samples = len(values) // n_items
    return [sum(values[s * n_items + i] for s in range(samples)) / samples for i in range(n_items)]
