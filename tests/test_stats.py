"""95% intervals: Wilson for rates, the bootstrap for means, the paired bootstrap for before/after."""

import random

import pytest

from utils.stats import (Estimate, bootstrap, bootstrap_mean, mean_per_item, paired_bootstrap_difference, rate,
                         wilson_interval)


def test_wilson_interval_matches_a_published_value():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81 of 263 -> 0.2553 to 0.3662
    estimate = wilson_interval(81, 263)
    assert estimate.low == pytest.approx(0.2553, abs=5e-4) and estimate.high == pytest.approx(0.3662, abs=5e-4)


@pytest.mark.parametrize("successes, n", [(0, 10), (10, 10), (1, 1)])
def test_wilson_interval_has_width_at_the_extremes_and_stays_in_zero_one(successes, n):
    estimate = wilson_interval(successes, n)
    assert 0.0 <= estimate.low < estimate.high <= 1.0
    assert estimate.high - estimate.low > 0.1  # ten items cannot pin a rate down


def test_wilson_interval_shrinks_as_n_grows():
    assert (wilson_interval(30, 60).high - wilson_interval(30, 60).low) > (wilson_interval(300, 600).high - wilson_interval(300, 600).low)


@pytest.mark.parametrize("successes, n", [(3, 0), (-1, 5), (6, 5)])
def test_impossible_counts_are_rejected(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


def test_rate_counts_true_outcomes():
    assert rate([True, False, True, True]) == wilson_interval(3, 4)


def test_bootstrap_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = random.Random(1)
    covered = 0
    for trial in range(200):
        sample = [rng.gauss(5.0, 2.0) for _ in range(40)]
        estimate = bootstrap_mean(sample, resamples=400, seed=trial)
        covered += estimate.low <= 5.0 <= estimate.high
    assert 0.88 <= covered / 200 <= 0.99


def test_weighted_bootstrap_mean_is_the_token_weighted_mean():
    estimate = bootstrap_mean([1.0, 3.0], weights=[3, 1])
    assert estimate.value == pytest.approx(1.5) and estimate.n == 2


def test_paired_difference_sees_a_consistent_small_change_that_unpaired_noise_hides():
    rng = random.Random(0)
    before = [rng.uniform(0, 10) for _ in range(30)]  # items differ a lot from each other
    after = [b + 0.3 + rng.gauss(0, 0.1) for b in before]  # but each moves up by about 0.3
    paired = paired_bootstrap_difference(after, before)
    assert paired.excludes_zero and paired.low > 0.2 and paired.method == "paired bootstrap"
    unpaired_after, unpaired_before = bootstrap_mean(after), bootstrap_mean(before)
    assert unpaired_after.low < unpaired_before.high  # the two separate intervals overlap


def test_a_difference_that_is_noise_does_not_exclude_zero():
    rng = random.Random(0)
    before = [rng.gauss(0, 1) for _ in range(30)]
    after = [rng.gauss(0, 1) for _ in range(30)]
    assert not paired_bootstrap_difference(after, before).excludes_zero


def test_paired_difference_needs_the_same_items():
    with pytest.raises(ValueError, match="one 'before' per 'after'"):
        paired_bootstrap_difference([1.0, 2.0], [1.0])


def test_estimate_flattens_into_four_metrics_and_prints_its_interval():
    estimate = Estimate(0.5, 0.25, 0.75, 20, "wilson")
    assert estimate.as_metrics("rate") == {"rate": 0.5, "rate_ci_low": 0.25, "rate_ci_high": 0.75, "rate_n": 20}
    assert estimate.format(percent=True) == "50% [25%, 75%], n=20"


def test_mean_per_item_averages_each_items_samples():
    # two samples of three items: [a1, b1, c1, a2, b2, c2]
    assert mean_per_item([1, 2, 3, 3, 4, 5], 3) == [2, 3, 4]
    with pytest.raises(ValueError):
        mean_per_item([1, 2, 3], 2)


def test_bootstrap_of_any_statistic_brackets_its_value():
    xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    spread = bootstrap(lambda idx: max(xs[i] for i in idx) - min(xs[i] for i in idx), len(xs))
    assert spread.value == 7.0 and spread.low <= spread.value and spread.high == 7.0


@pytest.mark.parametrize("successes, n", [(0, 12), (12, 12), (30, 30), (0, 30), (7, 12)])
def test_wilson_interval_always_contains_the_measured_rate(successes, n):
    estimate = wilson_interval(successes, n)
    assert estimate.low <= estimate.value <= estimate.high
