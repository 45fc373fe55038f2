"""Dashboard statistics against cases worked by hand (check them with a calculator), closed
forms and published tables, and properties over generated data."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.stats import (
    PairedChange,
    counts_of,
    median,
    normal_quantile,
    paired_change,
    paired_change_from_pairs,
    percentile,
    proportion,
    t_quantile,
    wilson_interval,
)


def type7(values: list[float], q: float) -> float:
    """The reference: Hyndman & Fan type 7 on the expanded, sorted list, straight from the
    definition h = (n-1)·q, x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋])."""
    xs = sorted(values)
    h = (len(xs) - 1) * q
    i = math.floor(h)
    if i + 1 >= len(xs):
        return float(xs[i])
    return xs[i] + (h - i) * (xs[i + 1] - xs[i])


# Percentiles, hand-worked


def test_median_of_an_even_count_is_halfway_between_the_middle_two():
    # 1 2 3 4: n = 4, h = 3 × 0.5 = 1.5 → x[1] + 0.5 × (x[2] - x[1]) = 2 + 0.5 × 1 = 2.5
    assert median(counts_of([1, 2, 3, 4])) == 2.5


def test_p90_of_one_to_ten():
    # 1..10: n = 10, h = 9 × 0.9 = 8.1 → x[8] + 0.1 × (x[9] - x[8]) = 9 + 0.1 × 1 = 9.1
    assert percentile(counts_of(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_percentiles_from_a_histogram():
    # {0: 1, 2: 3, 10: 1} is the values 0 2 2 2 10 (n = 5).
    # Median: h = 4 × 0.5 = 2 → x[2] = 2.
    # p90:    h = 4 × 0.9 = 3.6 → x[3] + 0.6 × (x[4] - x[3]) = 2 + 0.6 × (10 - 2) = 6.8
    histogram = {0: 1, 2: 3, 10: 1}
    assert median(histogram) == 2
    assert percentile(histogram, 0.9) == pytest.approx(6.8)
    # q = 0 and q = 1 are the smallest and largest values.
    assert percentile(histogram, 0) == 0
    assert percentile(histogram, 1) == 10


def test_millions_of_people_are_never_expanded_into_a_list():
    # Three million waited 1 day and three million 5 days: n = 6,000,000,
    # h = 5,999,999 × 0.5 = 2,999,999.5 → x[2,999,999] = 1 (the last of the 1s),
    # x[3,000,000] = 5 (the first of the 5s) → 1 + 0.5 × (5 - 1) = 3.
    assert median({1: 3_000_000, 5: 3_000_000}) == 3


def test_empty_bins_are_ignored_and_an_empty_histogram_has_no_percentile():
    assert median({0: 0, 3: 1, 100: 0}) == 3
    assert median({}) is None
    assert median({4: 0}) is None


@pytest.mark.parametrize("q", [-0.01, 1.01, math.nan])
def test_q_outside_zero_to_one_is_refused(q):
    with pytest.raises(ValueError, match="q must be"):
        percentile({1: 1}, q)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        percentile({1: 2, 3: -1}, 0.5)


def test_the_reference_agrees_with_the_standard_library():
    # statistics.quantiles(method="inclusive") is type 7 too: its cut points are q = i/10.
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5]
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    assert [type7(values, i / 10) for i in range(1, 10)] == pytest.approx(deciles)


# Percentiles, properties

histograms = st.dictionaries(
    st.integers(-1000, 1000) | st.floats(-1e6, 1e6, allow_nan=False),
    st.integers(0, 20),
    min_size=1,
    max_size=15,
).filter(lambda counts: sum(counts.values()) > 0)
qs = st.floats(0, 1)


def expand(counts):
    return [value for value, count in counts.items() for _ in range(count)]


@given(histograms, qs)
def test_percentile_from_counts_equals_type_7_on_the_expanded_list(counts, q):
    assert percentile(counts, q) == pytest.approx(type7(expand(counts), q), rel=1e-12, abs=1e-9)


@given(histograms, qs, qs)
def test_percentile_is_monotone_in_q(counts, q1, q2):
    low, high = sorted((q1, q2))
    assert percentile(counts, low) <= percentile(counts, high)


@given(histograms, qs)
def test_percentile_lies_between_the_smallest_and_largest_value(counts, q):
    present = [value for value, count in counts.items() if count > 0]
    assert min(present) <= percentile(counts, q) <= max(present)


# Student t and normal quantiles


@pytest.mark.parametrize(
    ("df", "table"),
    [(1, 12.7062), (2, 4.3027), (5, 2.5706), (10, 2.2281), (30, 2.0423), (120, 1.9799)],
)
def test_t_975_against_the_textbook_table(df, table):
    # The table is printed to 4 decimal places, so agreement is to half a unit in the 4th.
    assert t_quantile(0.975, df) == pytest.approx(table, abs=5e-5)


def test_t_with_many_degrees_of_freedom_is_the_normal_quantile():
    assert t_quantile(0.975, 1e6) == pytest.approx(1.95996, abs=1e-5)
    assert t_quantile(0.975, math.inf) == normal_quantile(0.975)


ps = [1e-12, 1e-6, 0.001, 0.025, 0.1, 0.3, 0.45, 0.55, 0.7, 0.9, 0.975, 0.999, 1 - 1e-6]


@pytest.mark.parametrize("p", ps)
def test_t_against_closed_forms_for_one_two_and_four_df(p):
    # df = 1 is the Cauchy distribution: t = tan(π(p - ½)), written as -1/tan(πp) so that p
    # near 0 does not lose digits (tan near π/2 magnifies any rounding of its argument).
    cauchy = -1 / math.tan(math.pi * p) if p < 0.5 else 1 / math.tan(math.pi * (1 - p))
    assert t_quantile(p, 1) == pytest.approx(cauchy, rel=1e-9)
    # df = 2: t = (2p - 1) / √(2p(1 - p)).
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-9)
    # df = 4: with α = 4p(1 - p) and c = cos(arccos(√α) / 3) / √α, t = ±2√(c - 1).
    alpha = 4 * p * (1 - p)
    c = math.cos(math.acos(math.sqrt(alpha)) / 3) / math.sqrt(alpha)
    assert t_quantile(p, 4) == pytest.approx(math.copysign(2 * math.sqrt(c - 1), p - 0.5), rel=1e-9)


@pytest.mark.parametrize("df", [3, 7.5, 10, 30])
@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.995])
def test_t_cdf_at_the_quantile_is_p_by_integrating_the_density(df, p):
    # An independent route to the CDF: Simpson's rule on the density from 0 to t, which
    # shares no code with the incomplete beta function.
    t = t_quantile(p, df)
    log_scale = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def density(x):
        return math.exp(log_scale - (df + 1) / 2 * math.log1p(x * x / df))

    steps = 2000
    width = t / steps
    weights = [1 if i in (0, steps) else 4 if i % 2 else 2 for i in range(steps + 1)]
    area = width / 3 * sum(w * density(i * width) for i, w in enumerate(weights))
    assert 0.5 + area == pytest.approx(p, abs=1e-11)


@pytest.mark.parametrize("df", [1e3, 1e4, 5e4, 99_999, 1e5, 1e7])
@pytest.mark.parametrize("p", [1e-9, 0.01, 0.6, 0.975, 0.999])
def test_t_for_large_df_matches_the_cornish_fisher_expansion(df, p):
    # t ≈ z + g1/ν + g2/ν² + g3/ν³ + g4/ν⁴ (Abramowitz & Stegun 26.7.5), correct to better
    # than 1e-10 from ν = 1000; below 1e5 this checks the exact method, above it the
    # hand-over to the same expansion written out independently.
    z = normal_quantile(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    expansion = z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    assert t_quantile(p, df) == pytest.approx(expansion, abs=1e-9)


@given(st.floats(1e-12, 0.5), st.floats(1, 1e6))
def test_t_is_antisymmetric(p, df):
    # For small p, 1 - p is rounded and 1 - (1 - p) is no longer p (for p = 1e-12 the
    # difference moves the Cauchy quantile in its 5th digit), so compare a pair that are
    # exact complements: for upper ≥ 0.5, 1 - upper is computed exactly.
    upper = 1 - p
    lower = 1 - upper
    assert t_quantile(upper, df) == pytest.approx(-t_quantile(lower, df), rel=1e-12)


@given(st.floats(1e-9, 1 - 1e-9), st.floats(1e-9, 1 - 1e-9), st.floats(1, 500))
def test_t_is_increasing_in_p(p1, p2, df):
    low, high = sorted((p1, p2))
    # Allowing for the last few digits of the root finding.
    t_low, t_high = t_quantile(low, df), t_quantile(high, df)
    assert t_low <= t_high + 1e-12 * max(1, abs(t_high))


@pytest.mark.parametrize(("p", "df"), [(0, 5), (1, 5), (0.5, 0.5), (0.5, math.nan)])
def test_t_refuses_arguments_outside_its_domain(p, df):
    with pytest.raises(ValueError, match="must be"):
        t_quantile(p, df)


def test_normal_quantile_known_values():
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-13)
    assert normal_quantile(0.5) == 0
    # Φ(1) = 0.8413447460685429 and Φ(-6.361340902404056) = 1e-10.
    assert normal_quantile(0.8413447460685429) == pytest.approx(1, abs=1e-12)
    assert normal_quantile(1e-10) == pytest.approx(-6.361340902404056, rel=1e-12)
    assert math.isfinite(normal_quantile(5e-324))


@given(st.floats(1e-300, 1 - 1e-16))
def test_normal_quantile_inverts_the_cdf(p):
    z = normal_quantile(p)
    # Compare in the smaller tail, where the CDF has all its digits.
    if p <= 0.5:
        assert 0.5 * math.erfc(-z / math.sqrt(2)) == pytest.approx(p, rel=1e-12)
    else:
        assert 0.5 * math.erfc(z / math.sqrt(2)) == pytest.approx(1 - p, rel=1e-12)


# Paired change, hand-worked

# Five people, SWEMWBS before and after:
#
#   before  after  change d  d - mean   (d - mean)²
#     20     24       4         1           1
#     22     23       1        -2           4
#     18     22       4         1           1
#     25     27       2        -1           1
#     15     19       4         1           1
#   Σ 100    115      15                    8
#
# mean before 100/5 = 20, mean after 115/5 = 23, mean change 15/5 = 3.
# From the sums: Σd² = 16 + 1 + 16 + 4 + 16 = 53, so Σd² - (Σd)²/n = 53 - 225/5 = 8 (as above).
# SD = √(8 / 4) = √2 = 1.414214; SE = SD/√n = √2/√5 = √0.4 = 0.632456.
# 95% CI: t(0.975, 4) = 2.776445; half-width 2.776445 × 0.632456 = 1.755978;
# CI = 3 ± 1.755978 = (1.244022, 4.755978).
FIVE_PEOPLE = [(20, 24), (22, 23), (18, 22), (25, 27), (15, 19)]


def test_paired_change_hand_worked():
    result = paired_change(5, sum_before=100, sum_after=115, sum_change=15, sum_change_sq=53)
    assert result.n == 5
    assert (result.mean_before, result.mean_after, result.mean_change) == (20, 23, 3)
    assert result.sd_change == pytest.approx(1.414214, abs=1e-6)
    assert result.ci_low == pytest.approx(1.244022, abs=1e-6)
    assert result.ci_high == pytest.approx(4.755978, abs=1e-6)
    assert t_quantile(0.975, 4) == pytest.approx(2.7764, abs=5e-5)  # the textbook table


def test_paired_change_from_pairs_goes_through_the_same_sums():
    assert paired_change_from_pairs(FIVE_PEOPLE) == paired_change(5, 100, 115, 15, 53)


def test_paired_change_with_nobody_or_one_person():
    assert paired_change(0, 0, 0, 0, 0) == PairedChange(0, None, None, None, None, None, None)
    # One person: a change of 27 - 25 = 2, but no spread, so no SD and no interval.
    assert paired_change_from_pairs([(25, 27)]) == PairedChange(1, 25, 27, 2, None, None, None)


def test_identical_changes_have_zero_sd_and_a_zero_width_interval():
    # Everyone improved by exactly 3: Σd² - (Σd)²/n = 4 × 9 - 12²/4 = 0.
    result = paired_change_from_pairs([(10, 13), (20, 23), (15, 18), (7, 10)])
    assert result.sd_change == 0
    assert result.ci_low == result.ci_high == 3


def test_variance_from_sums_is_never_negative():
    # Σd² - (Σd)²/n should be 0 here (every d = 0.1) but float rounding makes it slightly
    # negative: 3 × 0.01 - 0.09/3 = -3.5e-18 in floating point. It is clamped to 0.
    result = paired_change(3, 0, 0.3, 0.1 + 0.1 + 0.1, 3 * 0.1 * 0.1)
    assert result.sd_change == 0


def test_paired_change_refuses_negative_n():
    with pytest.raises(ValueError, match="negative"):
        paired_change(-1, 0, 0, 0, 0)


# Paired change, properties

scores = st.lists(st.tuples(st.integers(7, 35), st.integers(7, 35)), min_size=2, max_size=40)


@given(scores)
def test_paired_ci_contains_the_mean_change(pairs):
    result = paired_change_from_pairs(pairs)
    assert result.ci_low <= result.mean_change <= result.ci_high


@given(scores)
def test_paired_ci_shrinks_as_n_grows_for_the_same_spread(pairs):
    # Every pair twice over: the same spread of changes from twice the people.
    once = paired_change_from_pairs(pairs)
    twice = paired_change_from_pairs(pairs * 2)
    width_once, width_twice = once.ci_high - once.ci_low, twice.ci_high - twice.ci_low
    if once.sd_change == 0:
        assert width_once == width_twice == 0
    else:
        assert width_twice < width_once


# Proportions


def test_wilson_interval_hand_worked():
    # 8 of 10: p = 0.8, z = 1.959964, z² = 3.841459, z²/n = 0.3841459.
    # centre = (p + z²/2n) / (1 + z²/n) = (0.8 + 0.1920729) / 1.3841459 = 0.7167401
    # half   = z / (1 + z²/n) × √(p(1-p)/n + z²/4n²)
    #        = 1.959964 / 1.3841459 × √(0.016 + 0.0096036) = 1.4160136 × 0.1600113 = 0.2265777
    # → (0.4902, 0.9433)
    low, high = wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)


def test_wilson_interval_at_the_edges_stays_in_zero_to_one():
    # Unlike p ± 1.96·SE, which is (0, 0) at 0 of 10.
    low, high = wilson_interval(0, 10)
    assert low == 0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.7225, abs=1e-4) and high == pytest.approx(1)
    assert wilson_interval(0, 0) is None


@given(st.integers(0, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_contains_the_proportion(case):
    successes, n = case
    if n == 0:
        assert wilson_interval(successes, n) is None
        return
    low, high = wilson_interval(successes, n)
    assert 0 <= low <= successes / n <= high <= 1


def test_proportion():
    assert proportion(3, 4) == 0.75
    assert proportion(0, 0) is None
    with pytest.raises(ValueError, match="successes"):
        proportion(5, 4)
