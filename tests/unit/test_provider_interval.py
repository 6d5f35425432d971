"""The provider index's analytic interval (mart_provider_cost, docs/decisions.md) has the coverage it claims:
simulated providers of known price level, the interval computed as the mart computes it."""

import math
import random

Z95 = 1.959964


def index_and_interval(costs: list[float], prices: list[float], log_sd: float) -> tuple[float, float, float]:
    """As mart_provider_cost: index = sum cost / sum price; se(log index) = s x sqrt(sum p^2) / sum p."""
    index = sum(costs) / sum(prices)
    se = log_sd * math.sqrt(sum(p * p for p in prices)) / sum(prices)
    return index, index * math.exp(-Z95 * se), index * math.exp(Z95 * se)


def test_the_95_percent_interval_covers_a_known_price_level_about_95_times_in_100():
    rng = random.Random(13)
    sd = 0.15
    level = 1.3  # the provider charges 30% above the going rate for the same needs
    covered = trials = 0
    for n in (2, 5, 20):
        for _ in range(2000):
            prices = [rng.choice([900.0, 1100.0, 5600.0]) for _ in range(n)]
            # costs around the level, log-normal with mean exactly level x price
            costs = [p * level * math.exp(rng.gauss(0, sd) - sd * sd / 2) for p in prices]
            _, low, high = index_and_interval(costs, prices, sd)
            covered += low <= level <= high
            trials += 1
    assert 0.93 <= covered / trials <= 0.97


def test_two_placements_give_a_wide_interval_twenty_a_narrow_one():
    _, low2, high2 = index_and_interval([1400, 1400], [1000, 1000], 0.3)
    _, low20, high20 = index_and_interval([1400] * 20, [1000] * 20, 0.3)
    assert low2 < 1 < high2  # 1.4 on two placements: not yet evidence of a dear provider
    assert 1 < low20  # the same 1.4 on twenty is
    assert (round(low2, 4), round(high2, 4)) == (0.9238, 2.1218)  # the dbt unit test's hand-worked case
