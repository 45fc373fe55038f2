"""Statistics for commissioners' dashboards, computed correctly with the standard library.

Figures here end up in reports that commission or decommission services, so each one follows
a named, checkable definition: percentiles are Hyndman & Fan type 7 (what numpy, R and Excel
PERCENTILE.INC give, so an analyst can reproduce them); confidence intervals use the exact
Student t quantile rather than 1.96, which is far too narrow for the small groups a single
service sees; proportions get the Wilson interval, which stays inside [0, 1] and behaves at
0 and n where the textbook "p ± 1.96·SE" does not.

Inputs are shaped so the database can do the heavy lifting: waiting times arrive as a
histogram (value → count) and paired changes as additive sums, both of which SQL can
aggregate and which can be combined across groups by adding.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

# Constrained rather than plain `float`: Mapping is invariant in its key type, so a
# `dict[int, int]` of whole days would not be accepted as a `Mapping[float, int]`.
Value = TypeVar("Value", int, float)


# Percentiles from a histogram


def percentile(counts: Mapping[Value, int], q: float) -> float | None:
    """The q-th quantile (0 ≤ q ≤ 1) of the values a histogram describes, type 7.

    With the n values sorted as x[0..n-1] and h = (n-1)·q, the result is
    x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]). Only the two ranks that formula needs are
    looked up, by walking the sorted keys with a running count, so a histogram of millions
    of people costs as much as one with a handful. None when there is nothing to describe.
    """
    if not 0 <= q <= 1:  # also rejects NaN
        raise ValueError(f"q must be between 0 and 1, not {q!r}")
    if any(c < 0 for c in counts.values()):
        raise ValueError("a histogram cannot hold negative counts")
    bins = sorted((value, count) for value, count in counts.items() if count > 0)
    n = sum(count for _, count in bins)
    if n == 0:
        return None

    h = (n - 1) * q
    rank = math.floor(h)
    fraction = h - rank
    low = _value_at_rank(bins, rank)
    if fraction == 0 or rank + 1 >= n:
        return float(low)
    high = _value_at_rank(bins, rank + 1)
    result = low + fraction * (high - low)
    # Rounding in the interpolation can land a hair outside [low, high]; clamping keeps the
    # result monotone in q and never beyond the largest value actually seen.
    return float(min(max(result, low), high))


def _value_at_rank(bins: list[tuple[Value, int]], rank: int) -> Value:
    """The value at 0-based position `rank` of the expanded, sorted list."""
    seen = 0
    for value, count in bins:
        seen += count
        if rank < seen:
            return value
    raise IndexError(rank)


def median(counts: Mapping[Value, int]) -> float | None:
    """The middle value: the type-7 percentile at q = 0.5."""
    return percentile(counts, 0.5)


def counts_of(values: Iterable[Value]) -> dict[Value, int]:
    """A histogram of raw values, for small data and tests; large data should be counted in SQL."""
    return dict(Counter(values))


# The normal and Student t distributions

# Acklam's rational approximation to the normal quantile (relative error below 1.15e-9 before
# refinement). Coefficients as published.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (
    7.784695709041462e-03,
    3.224671290700398e-01,
    2.445134137142996e00,
    3.754408661907416e00,
)
_P_LOW = 0.02425


def _polynomial(coefficients: tuple[float, ...], x: float) -> float:
    """Horner's rule, highest power first."""
    result = 0.0
    for c in coefficients:
        result = result * x + c
    return result


def normal_quantile(p: float) -> float:
    """The z with P(Z ≤ z) = p for a standard normal Z, to about 1e-15 relative.

    Acklam's approximation followed by one Halley step (a Newton step with a curvature
    correction) against the exact CDF from math.erfc, which takes it to full precision.
    """
    if not 0 < p < 1:
        raise ValueError(f"p must be strictly between 0 and 1, not {p!r}")
    if p > 0.5:
        # Work in the lower tail, where p is stored exactly: for p ≥ 0.5, 1 - p is exact in
        # floating point, whereas the CDF near 1 cannot resolve a small upper tail.
        return -normal_quantile(1.0 - p)
    if p < _P_LOW:
        r = math.sqrt(-2.0 * math.log(p))
        x = _polynomial(_C, r) / (_polynomial(_D, r) * r + 1.0)
    else:
        r = p - 0.5
        s = r * r
        x = _polynomial(_A, s) * r / (_polynomial(_B, s) * s + 1.0)
    # Beyond |x| ≈ 37 the density underflows and erfc has nothing left to correct with.
    if abs(x) < 37:
        error = 0.5 * math.erfc(-x / math.sqrt(2.0)) - p
        u = error * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)
        x -= u / (1.0 + x * u / 2.0)
    return x


_FPMIN = 1e-300  # keeps the Lentz recurrences away from division by zero
_EPS = 3e-16  # a unit or so in the last place of 1.0: as close as a float can get


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction for I_x(a, b), evaluated by modified Lentz (Numerical Recipes
    `betacf`). It converges fast when x < (a+1)/(a+b+2); callers arrange that."""
    # Convergence takes O(√max(a, b)) terms, so a fixed cap would fail for large df.
    max_terms = 200 + int(10 * math.sqrt(max(a, b)))
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) >= _FPMIN else _FPMIN)
    h = d
    for m in range(1, max_terms + 1):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) >= _FPMIN else _FPMIN)
            c = 1.0 + aa / c
            c = c if abs(c) >= _FPMIN else _FPMIN
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def _log_gamma_ratio(a: float, b: float) -> float:
    """log(Γ(a + b) / Γ(a)) for a ≥ b > 0.

    Subtracting two lgamma values loses digits as a grows (lgamma(50,000) is about 5e5, whose
    last digit is worth 1e-10), and that error would pass straight into P(T > t). For large a,
    Stirling's series is rearranged so that nothing large cancels.
    """
    if a < 20:
        return math.lgamma(a + b) - math.lgamma(a)
    return (
        b * math.log(a)
        + (a + b - 0.5) * math.log1p(b / a)
        - b
        + _stirling_correction(a + b)
        - _stirling_correction(a)
    )


def _stirling_correction(z: float) -> float:
    """lgamma(z) - [(z - ½)·log z - z + ½·log 2π], truncated where it is below 2e-15 for z ≥ 20."""
    w = 1.0 / (z * z)
    return (1.0 / 12 - w * (1.0 / 360 - w * (1.0 / 1260 - w / 1680))) / z


def _log_beta(a: float, b: float) -> float:
    """log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a + b), without the cancellation."""
    large, small = max(a, b), min(a, b)
    return math.lgamma(small) - _log_gamma_ratio(large, small)


def _regularized_beta(a: float, b: float, x: float, y: float, log_x: float, log_y: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, where y = 1 - x.

    Callers pass y, log x and log y as well, computed from their own parameters: `1 - x`
    cancels when x is near 1, a·log(x) multiplies any rounding in x by a (half of df), and in
    the far tail x itself underflows to 0 while log x is still an ordinary number.
    """
    if y <= 0.0:
        return 1.0
    front = math.exp(a * log_x + b * log_y - _log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    # The symmetry I_x(a, b) = 1 - I_y(b, a) moves x into the fraction's fast region.
    return 1.0 - front * _beta_continued_fraction(b, a, y) / b


def _t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for t > 0, where T has Student's t distribution with df degrees of freedom.

    P(T > t) = ½·I_x(df/2, ½) with x = df / (df + t²) = 1 / (1 + s²), s = t/√df. Each of x,
    1 - x and their logs is computed from s in the form that neither overflows nor cancels.
    """
    s = t / math.sqrt(df)
    if s <= 1.0:
        u = s * s
        log_x = -math.log1p(u)
        log_y = 2.0 * math.log(s) + log_x
        x, y = 1.0 / (1.0 + u), u / (1.0 + u)
    else:
        r = (1.0 / s) ** 2  # may underflow to 0 in the far tail; the logs carry on
        log_y = -math.log1p(r)
        log_x = -2.0 * math.log(s) + log_y
        x, y = r / (1.0 + r), 1.0 / (1.0 + r)
    return 0.5 * _regularized_beta(df / 2.0, 0.5, x, y, log_x, log_y)


def _t_density(t: float, df: float) -> float:
    log_density = (
        _log_gamma_ratio(df / 2.0, 0.5)
        - 0.5 * math.log(df * math.pi)
        - (df + 1.0) / 2.0 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


# Above this the continued fraction needs ~√df terms and its stopping test can fire early, so
# the Cornish-Fisher expansion takes over; here the two agree to about 1e-12.
_LARGE_DF = 1e5
_MAX_STEPS = 300  # the bracket halves at least every other step: far more than ever needed


def _t_quantile_large_df(p: float, df: float) -> float:
    """The t quantile by the Cornish-Fisher expansion about the normal quantile (Abramowitz &
    Stegun 26.7.5). Its terms shrink like df⁻ᵏ, so with four of them and df ≥ 1e5 the first
    term left out is far below double precision even in the far tails."""
    z = normal_quantile(p)
    z2 = z * z
    terms = (
        z * (z2 + 1) / 4,
        z * ((5 * z2 + 16) * z2 + 3) / 96,
        z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384,
        z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160,
    )
    return z + sum(term / df**k for k, term in enumerate(terms, start=1))


def t_quantile(p: float, df: float) -> float:
    """The t with P(T ≤ t) = p for Student's t with df ≥ 1 degrees of freedom (df may be
    fractional, and math.inf gives the normal quantile).

    Found as the root of the exact CDF (through the regularized incomplete beta function) by
    Newton's method kept inside a shrinking bracket, so it cannot diverge in the heavy tails
    of small df; accurate to about 1e-12 (absolute near t = 0). From df = 1e5 an asymptotic
    expansion, exact to double precision there, replaces the root finding.
    """
    if not 0 < p < 1:
        raise ValueError(f"p must be strictly between 0 and 1, not {p!r}")
    if not df >= 1:  # also rejects NaN
        raise ValueError(f"df must be at least 1, not {df!r}")
    if df >= _LARGE_DF:
        return _t_quantile_large_df(p, df)
    if p == 0.5:
        return 0.0
    # Solve for the upper tail `tail` = min(p, 1 - p) at a positive t, then restore the sign
    # (the distribution is symmetric); 1 - p is exact for p > 0.5.
    tail = 1.0 - p if p > 0.5 else p
    sign = 1.0 if p > 0.5 else -1.0

    low, high = 0.0, 1.0
    while _t_upper_tail(high, df) > tail:
        low, high = high, high * 2.0
    t = (low + high) / 2.0
    last_step = high - low
    for _ in range(_MAX_STEPS):
        upper = _t_upper_tail(t, df)
        if upper == tail:
            return sign * t
        if upper > tail:
            low = t
        else:
            high = t
        # Newton on log P(T > t) rather than on P(T > t) itself: in the tails the
        # probability falls off exponentially (or like a power), and a Newton step on it
        # creeps, while its logarithm is close to a straight line or a parabola.
        density = _t_density(t, df)
        if upper > 0 and density > 0:
            step = (math.log(upper) - math.log(tail)) * upper / density
        else:
            step = math.inf
        # Bisect when Newton would leave the bracket or is not at least halving its steps
        # (the safeguard of Numerical Recipes' rtsafe), so convergence is guaranteed.
        if low < t + step < high and abs(step) <= abs(last_step) / 2:
            t_next = t + step
        elif low > 0 and high / low > 4:
            # In the far tail of small df the bracket spans orders of magnitude; halving
            # it geometrically gets there in dozens of steps rather than a thousand.
            t_next = math.sqrt(low * high)
        else:
            t_next = (low + high) / 2.0
        last_step = t_next - t
        t = t_next
        if abs(last_step) <= 4e-16 * t or high - low <= 4e-16 * high:
            return sign * t
    raise ArithmeticError(f"t quantile did not converge for p={p}, df={df}")


# Paired before/after change


@dataclass(frozen=True)
class PairedChange:
    """Mean change in a score measured twice on the same people, with its confidence interval.

    Everything is None when nobody has both measurements; with a single person there is a
    change but no spread, so SD and CI are None rather than a misleading zero.
    """

    n: int
    mean_before: float | None
    mean_after: float | None
    mean_change: float | None  # after - before
    sd_change: float | None  # sample SD (n - 1)
    ci_low: float | None  # CI of mean_change, Student t with n - 1 df
    ci_high: float | None


def paired_change(
    n: int,
    sum_before: float,
    sum_after: float,
    sum_change: float,
    sum_change_sq: float,
    confidence: float = 0.95,
) -> PairedChange:
    """A PairedChange from additive sums, so the database can aggregate them (COUNT, SUM) and
    groups can be combined by adding their sums.

    The variance comes from the sums as (Σd² - (Σd)²/n) / (n - 1). That shortcut loses
    precision when the mean change dwarfs its spread, which questionnaire scores (small
    integers, whose SQL sums are exact) do not do; it is clamped at 0 so rounding can never
    produce a negative variance.
    """
    if n < 0:
        raise ValueError(f"n cannot be negative, not {n!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, not {confidence!r}")
    if n == 0:
        return PairedChange(0, None, None, None, None, None, None)
    # float() because SQL SUM comes back as int or Decimal depending on the database.
    mean_before = float(sum_before) / n
    mean_after = float(sum_after) / n
    mean_change = float(sum_change) / n
    if n == 1:
        return PairedChange(1, mean_before, mean_after, mean_change, None, None, None)
    total, squares = float(sum_change), float(sum_change_sq)
    variance = max(0.0, (squares - total * total / n) / (n - 1))
    sd = math.sqrt(variance)
    half_width = t_quantile(0.5 + confidence / 2.0, n - 1) * sd / math.sqrt(n)
    return PairedChange(
        n,
        mean_before,
        mean_after,
        mean_change,
        sd,
        mean_change - half_width,
        mean_change + half_width,
    )


def paired_change_from_pairs(
    pairs: Iterable[tuple[float, float]], confidence: float = 0.95
) -> PairedChange:
    """A PairedChange from (before, after) pairs, going through the same sums the database
    would return so both routes give the same answer."""
    n = 0
    sum_before = sum_after = sum_change = sum_change_sq = 0.0
    for before, after in pairs:
        change = after - before
        n += 1
        sum_before += before
        sum_after += after
        sum_change += change
        sum_change_sq += change * change
    return paired_change(n, sum_before, sum_after, sum_change, sum_change_sq, confidence)


# Proportions


def proportion(successes: int, n: int) -> float | None:
    """successes / n, or None when there is no denominator (rather than a made-up 0%)."""
    _check_counts(successes, n)
    return successes / n if n else None


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """The Wilson score interval for a proportion, or None when n is 0.

    Chosen over the Wald interval (p ± z·√(p(1-p)/n)) because that collapses to a width of
    zero at 0/n and n/n and strays outside [0, 1] for the small counts a service sees.
    """
    _check_counts(successes, n)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, not {confidence!r}")
    if n == 0:
        return None
    z = normal_quantile(0.5 + confidence / 2.0)
    p = successes / n
    z2_n = z * z / n
    centre = (p + z2_n / 2.0) / (1.0 + z2_n)
    half_width = z / (1.0 + z2_n) * math.sqrt(p * (1.0 - p) / n + z2_n / (4.0 * n))
    # At 0/n and n/n the bound is exactly 0 or 1, but rounding can land a hair either side.
    low = 0.0 if successes == 0 else centre - half_width
    high = 1.0 if successes == n else centre + half_width
    return low, high


def _check_counts(successes: int, n: int) -> None:
    if not 0 <= successes <= n:
        raise ValueError(f"need 0 ≤ successes ≤ n, not {successes!r} of {n!r}")
