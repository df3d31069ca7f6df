"""Tests for gapscore.models.graduation and gapscore.models.survival.

Expected numbers come from (a) statsmodels reference implementations run on the same
durations (``SurvfuncRight``, ``CumIncidenceRight``, ``proportion_confint``, GLM
Binomial), (b) hand-worked toy tables written out in the test docstrings, or (c)
ground truth kept by the seeded generator that wrote the rounds table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight
from statsmodels.stats.proportion import proportion_confint

from gapscore.models import survival
from gapscore.models.exceptions import InputError
from gapscore.models.graduation import (
    DAYS_PER_MONTH,
    GraduationResult,
    cohort_graduation,
    cohort_trend,
    company_outcomes,
    cumulative_incidence,
    curve_at,
    fit_graduation,
    kaplan_meier,
)
from gapscore.models.survival import aalen_johansen_table, kaplan_meier_table

LATER = ("series_a", "series_b", "series_c", "series_d_plus")


def make_rounds(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(company, category, round, ISO date) tuples -> a rounds DataFrame."""
    frame = pd.DataFrame(rows, columns=["company", "category", "round", "date"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount_usd"] = 1_000_000.0
    frame["source"] = "test"
    return frame


def make_exits(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(company, ISO date, kind) tuples -> an exits DataFrame."""
    frame = pd.DataFrame(rows, columns=["company", "date", "kind"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["source"] = "test"
    return frame


def synthetic(seed: int, n: int = 400, categories: int = 3):
    """Seeded rounds/exits plus the ground truth they were written from.

    Each company gets a seed date; ~60% get a first graduating round (A, or B for a
    skipper) 0-60 months later, on whole days; some get an exit. Noise rounds that must
    not change anything are added: pre-seed rounds before the seed, a second seed
    later, ``other`` rounds, and later stages after the graduating round.
    """
    rng = np.random.default_rng(seed)
    base = np.datetime64("2012-01-01")
    entry = base + rng.integers(0, 9 * 365, n).astype("timedelta64[D]")
    grad_gap = rng.integers(0, 5 * 365, n)
    graduates = rng.random(n) < 0.6
    grad = entry + grad_gap.astype("timedelta64[D]")
    exit_gap = rng.integers(0, 6 * 365, n)
    exits_mask = rng.random(n) < 0.25
    exit_day = entry + exit_gap.astype("timedelta64[D]")
    names = np.array([f"c{i:04d}" for i in range(n)])
    cats = np.array([f"cat{j}" for j in range(categories)])[rng.integers(0, categories, n)]
    rows = []
    for i in range(n):
        day = str(entry[i])
        rows.append((names[i], cats[i], "seed", day))
        if rng.random() < 0.3:
            rows.append((names[i], cats[i], "pre_seed", str(entry[i] - np.timedelta64(90, "D"))))
        if rng.random() < 0.2:
            rows.append((names[i], cats[i], "seed", str(entry[i] + np.timedelta64(40, "D"))))
        if rng.random() < 0.2:
            rows.append((names[i], cats[i], "other", str(entry[i] - np.timedelta64(5, "D"))))
        if graduates[i]:
            stage = "series_b" if rng.random() < 0.1 else "series_a"
            rows.append((names[i], cats[i], stage, str(grad[i])))
            rows.append((names[i], cats[i], "series_c", str(grad[i] + np.timedelta64(500, "D"))))
    rounds = make_rounds(rows)
    exits = make_exits(
        [(names[i], str(exit_day[i]), "acquired") for i in np.flatnonzero(exits_mask)]
    )
    truth = pd.DataFrame(
        {
            "company": names,
            "category": cats,
            "entry": entry,
            "grad": np.where(graduates, grad, np.datetime64("NaT")),
            "exit": np.where(exits_mask, exit_day, np.datetime64("NaT")),
        }
    )
    return rounds, exits, truth


def truth_durations(truth: pd.DataFrame, as_of: str, *, with_exits: bool):
    """Months and cause (0 censored, 1 graduated, 2 exited) from the ground truth."""
    stamp = pd.Timestamp(as_of)
    t = truth[truth["entry"] <= stamp].copy()
    grad = t["grad"].where(t["grad"] <= stamp)
    exit_ = t["exit"].where(t["exit"] <= stamp) if with_exits else pd.Series(pd.NaT, index=t.index)
    exited = exit_.notna() & (grad.isna() | (exit_ < grad))
    graduated = grad.notna() & ~exited
    end = grad.where(graduated, exit_.where(exited, stamp))
    months = (end - t["entry"]).dt.days.to_numpy() / DAYS_PER_MONTH
    cause = np.where(graduated, 1, np.where(exited, 2, 0))
    return t.assign(months=months, cause=cause)


# --------------------------------------------------------------------------- KM


def assert_matches_survfunc(table: pd.DataFrame, months, status):
    """``table`` (one group) equals statsmodels SurvfuncRight on the same data."""
    ref = SurvfuncRight(np.asarray(months, dtype=float), np.asarray(status, dtype=float))
    np.testing.assert_allclose(table["months"], ref.surv_times, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["probability"], ref.surv_prob, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(table["se"], ref.surv_prob_se, rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(table["at_risk"], ref.n_risk)
    np.testing.assert_array_equal(table["events"], ref.n_events)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kaplan_meier_equals_statsmodels_survfuncright(seed):
    """Reference: statsmodels SurvfuncRight on durations from the generator's truth.

    The rounds table has noise rows (pre-seed, second seeds, 'other', later stages)
    and as_of cuts through it, so many companies are right-censored.
    """
    rounds, _, truth = synthetic(seed)
    as_of = "2019-06-30"
    expected = truth_durations(truth, as_of, with_exits=False)
    assert (expected["cause"] == 0).sum() > 50  # real censoring
    table = kaplan_meier(rounds, as_of=as_of)
    assert_matches_survfunc(table, expected["months"], expected["cause"] == 1)


def test_kaplan_meier_by_category_equals_per_group_statsmodels():
    """Reference: one statsmodels SurvfuncRight per category, exits censoring."""
    rounds, exits, truth = synthetic(7, n=600, categories=4)
    as_of = "2020-03-31"
    expected = truth_durations(truth, as_of, with_exits=True)
    table = kaplan_meier(rounds, exits, as_of=as_of, by="category")
    assert list(table["category"].unique()) == sorted(expected["category"].unique())
    for category, part in table.groupby("category", sort=True):
        sub = expected[expected["category"] == category]
        assert_matches_survfunc(part.reset_index(drop=True), sub["months"], sub["cause"] == 1)


def test_kaplan_meier_confidence_limits_are_loglog():
    """Independent calculation: exp(-exp(log(-log S) +- z se / (S log S))) per point."""
    rounds, _, _ = synthetic(11)
    table = kaplan_meier(rounds, as_of="2019-06-30", ci_level=0.9)
    s, se = table["probability"].to_numpy(), table["se"].to_numpy()
    ok = (s > 0) & (s < 1)
    z = norm.ppf(0.95)
    theta = np.log(-np.log(s[ok]))
    half = z * se[ok] / (s[ok] * np.log(s[ok]))
    np.testing.assert_allclose(table["low"].to_numpy()[ok], np.exp(-np.exp(theta - half)))
    np.testing.assert_allclose(table["high"].to_numpy()[ok], np.exp(-np.exp(theta + half)))
    assert (table["low"][ok] <= s[ok]).all() and (s[ok] <= table["high"][ok]).all()


@pytest.mark.parametrize("dense, looped", [(True, False), (False, False), (True, True)])
def test_engine_matches_statsmodels_on_both_paths(monkeypatch, dense, looped):
    """Reference: SurvfuncRight per group; the sort-based fallback gives the same, and
    so do the per-group cumulative sums looped instead of padded."""
    if not dense:
        monkeypatch.setattr(survival, "_DENSE_CELL_LIMIT", 0)
    if looped:
        monkeypatch.setattr(survival, "_CUMSUM_CALL_CELLS", 0)
    rng = np.random.default_rng(5)
    n = 2000
    time = rng.integers(0, 300, n)  # heavy ties
    event = rng.integers(0, 2, n)
    group = rng.choice(["x", "y", "z"], n)
    table = kaplan_meier_table(time, event, group)
    for label, part in table.groupby("group", observed=True):
        ref = SurvfuncRight(time[group == label], event[group == label])
        np.testing.assert_array_equal(part["time"], ref.surv_times)
        np.testing.assert_allclose(part["probability"], ref.surv_prob, rtol=1e-12)
        np.testing.assert_allclose(part["se"], ref.surv_prob_se, rtol=1e-10)
    floats = kaplan_meier_table(time / 7.0, event, group)
    np.testing.assert_allclose(floats["time"], table["time"] / 7.0)
    np.testing.assert_allclose(floats["probability"], table["probability"])


def test_grouped_cumsum_paths_agree_bit_for_bit(monkeypatch):
    """The padded and looped layouts of ``_grouped_cumsum`` each sum a group in order on
    its own: the same bits as ``np.cumsum`` per group (the reference, what statsmodels
    does), NaN kept where it was and counted as 0 after it. The pandas fallback
    compensates its sums (Kahan): equal to rounding only."""
    rng = np.random.default_rng(8)
    group = np.sort(rng.integers(0, 40, 3000))
    values = rng.normal(size=3000)
    values[rng.random(3000) < 0.05] = np.nan
    expected = np.empty_like(values)
    for g in np.unique(group):
        part = values[group == g]
        sums = np.cumsum(np.where(np.isnan(part), 0.0, part))
        expected[group == g] = np.where(np.isnan(part), np.nan, sums)
    results = [survival._grouped_cumsum(values, group)]
    monkeypatch.setattr(survival, "_CUMSUM_CALL_CELLS", 0)
    results.append(survival._grouped_cumsum(values, group))
    for got in results:
        np.testing.assert_array_equal(got, expected)
    monkeypatch.setattr(survival, "_CUMSUM_CALL_CELLS", 10**9)
    monkeypatch.setattr(survival, "_DENSE_CELL_LIMIT", 0)
    np.testing.assert_allclose(survival._grouped_cumsum(values, group), expected, rtol=1e-12, atol=1e-12)


def test_engine_curve_reaching_zero_matches_statsmodels():
    """Reference: SurvfuncRight when the last subject has the event (S = 0, se NaN)."""
    time = np.array([1, 2, 2, 3, 5])
    event = np.array([1, 1, 0, 0, 1])
    table = kaplan_meier_table(time, event)
    ref = SurvfuncRight(time, event)
    np.testing.assert_allclose(table["probability"], ref.surv_prob)
    np.testing.assert_allclose(table["se"], ref.surv_prob_se, equal_nan=True)
    assert table["probability"].iloc[-1] == 0.0
    assert np.isnan(table["low"].iloc[-1]) and np.isnan(table["high"].iloc[-1])


# --------------------------------------------------------------------------- AJ


def test_cumulative_incidence_hand_worked():
    """The docstring example, by hand, built from dated rounds.

    Durations in days from each company's seed: A raises its Series A at 31, B is
    acquired at 61, C (seeded later) is censored by as_of at 92, D raises at 122 (on
    as_of). Month 1: 4 at risk, graduated 1/4, S 3/4. Month 2: 3 at risk, exited
    3/4 * 1/3 = 1/4, S 1/2. C leaves the risk set without an event. Month 4: 1 at
    risk, graduated 1/4 + 1/2 * 1/1 = 3/4, S 0.
    """
    day0 = pd.Timestamp("2020-01-01")
    as_of = day0 + pd.Timedelta(days=122)

    def iso(stamp):
        return stamp.strftime("%Y-%m-%d")

    rounds = make_rounds(
        [
            ("A", "x", "seed", iso(day0)),
            ("A", "x", "series_a", iso(day0 + pd.Timedelta(days=31))),
            ("B", "x", "seed", iso(day0)),
            ("C", "x", "seed", iso(as_of - pd.Timedelta(days=92))),
            ("D", "x", "seed", iso(day0)),
            ("D", "x", "series_a", iso(as_of)),
        ]
    )
    exits = make_exits([("B", iso(day0 + pd.Timedelta(days=61)), "acquired")])
    table = cumulative_incidence(rounds, exits, as_of=as_of)
    np.testing.assert_allclose(table["months"], np.array([31, 61, 122]) / DAYS_PER_MONTH)
    np.testing.assert_allclose(table["graduated"], [0.25, 0.25, 0.75])
    np.testing.assert_allclose(table["exited"], [0.0, 0.25, 0.25])
    np.testing.assert_allclose(table["still_waiting"], [0.75, 0.5, 0.0])
    np.testing.assert_array_equal(table["at_risk"], [4, 3, 1])
    np.testing.assert_array_equal(table["graduations"], [1, 0, 1])
    np.testing.assert_array_equal(table["exits"], [0, 1, 0])


def test_aalen_johansen_engine_docstring_case():
    """The same hand-worked case on the engine: durations 1..4, causes 1, 2, 0, 1."""
    table = aalen_johansen_table([1, 2, 3, 4], [1, 2, 0, 1], n_causes=2)
    np.testing.assert_array_equal(table["time"], [1, 2, 4])
    np.testing.assert_allclose(table["cif_1"], [0.25, 0.25, 0.75])
    np.testing.assert_allclose(table["cif_2"], [0.0, 0.25, 0.25])
    np.testing.assert_allclose(table["survival"], [0.75, 0.5, 0.0])


def test_cumulative_incidence_without_exits_is_one_minus_km():
    """Independent identity: with no competing event, CIF = 1 - KM at every time."""
    rounds, _, _ = synthetic(21)
    cif = cumulative_incidence(rounds, as_of="2019-06-30", by="category")
    km = kaplan_meier(rounds, as_of="2019-06-30", by="category")
    assert (cif["exited"] == 0).all()
    np.testing.assert_allclose(cif["months"], km["months"])
    np.testing.assert_allclose(cif["graduated"], 1.0 - km["probability"], atol=1e-12)
    np.testing.assert_allclose(cif["still_waiting"], km["probability"], atol=1e-12)


def test_cumulative_incidence_equals_statsmodels_cumincidenceright():
    """Reference: statsmodels CumIncidenceRight per category on the truth's durations."""
    rounds, exits, truth = synthetic(8, n=500, categories=2)
    as_of = "2020-12-31"
    expected = truth_durations(truth, as_of, with_exits=True)
    table = cumulative_incidence(rounds, exits, as_of=as_of, by="category")
    for category, part in table.groupby("category"):
        sub = expected[expected["category"] == category]
        ref = CumIncidenceRight(sub["months"].to_numpy(), sub["cause"].to_numpy())
        at = np.searchsorted(ref.times, part["months"].to_numpy() - 1e-9)
        np.testing.assert_allclose(part["graduated"], ref.cinc[0][at], rtol=1e-12)
        np.testing.assert_allclose(part["exited"], ref.cinc[1][at], rtol=1e-12)
        total = part["graduated"] + part["exited"] + part["still_waiting"]
        np.testing.assert_allclose(total, 1.0, atol=1e-12)


def test_exit_rules():
    """Hand-worked exit rules.

    p: exit before its Series A -> exited (the later A does not count).
    q: exit the same day as the A -> graduated.
    r: exit after as_of -> waiting (censored at as_of).
    s: an acquisition dated before its seed is ignored; its IPO after entry counts.
    """
    rounds = make_rounds(
        [
            ("p", "x", "seed", "2018-01-01"),
            ("p", "x", "series_a", "2019-01-01"),
            ("q", "x", "seed", "2018-01-01"),
            ("q", "x", "series_a", "2018-07-01"),
            ("r", "x", "seed", "2018-01-01"),
            ("s", "x", "seed", "2018-01-01"),
        ]
    )
    exits = make_exits(
        [
            ("p", "2018-06-01", "closed"),
            ("q", "2018-07-01", "acquired"),
            ("r", "2021-01-01", "acquired"),
            ("s", "2017-01-01", "acquired"),
            ("s", "2019-03-01", "ipo"),
            ("ghost", "2019-01-01", "closed"),  # not in rounds: ignored
        ]
    )
    out = company_outcomes(rounds, exits, as_of="2020-01-01").set_index("company")
    assert out.loc["p", "outcome"] == "exited" and out.loc["p", "exit_kind"] == "closed"
    assert out.loc["q", "outcome"] == "graduated"
    assert out.loc["r", "outcome"] == "waiting" and pd.isna(out.loc["r", "exit"])
    assert out.loc["s", "outcome"] == "exited" and out.loc["s", "exit_kind"] == "ipo"
    assert out.loc["p", "months"] == pytest.approx(151 / DAYS_PER_MONTH)
    assert out.loc["r", "months"] == pytest.approx(730 / DAYS_PER_MONTH)


def test_curve_at_reads_step_functions():
    """Hand-worked: KM steps to 0.75 at 1 and 0.5 at 2.5; AJ incidences start at 0."""
    km = pd.DataFrame(
        {"category": ["a", "a", "b"], "months": [1.0, 2.5, 2.0], "probability": [0.75, 0.5, 0.9],
         "at_risk": [4, 3, 10]}
    )
    out = curve_at(km, [0, 1, 2, 3], by="category")
    assert out["category"].tolist() == ["a"] * 4 + ["b"] * 4
    assert out["probability"].tolist() == [1.0, 0.75, 0.75, 0.5, 1.0, 1.0, 0.9, 0.9]
    assert "at_risk" not in out
    rounds, exits, _ = synthetic(15)
    inc = cumulative_incidence(rounds, exits, as_of="2020-01-01", by="category")
    read = curve_at(inc, [-1, 6, 12, 600], by="category")  # -1: before any event
    first = read[read["months"] == -1]
    assert (first["graduated"] == 0).all() and (first["still_waiting"] == 1).all()
    last = read[read["months"] == 600].set_index("category")
    ends = inc.groupby("category").last()
    np.testing.assert_allclose(last["graduated"], ends["graduated"])


# --------------------------------------------------------------------------- cohorts


TOY = [
    # cohort 2018
    ("f", "x", "seed", "2018-05-01"),
    ("f", "x", "series_b", "2019-01-01"),  # skipped the A
    ("j", "x", "seed", "2018-03-01"),
    ("j", "x", "series_a", "2020-02-29"),  # 730 days <= 730.5: inside the window
    ("k", "y", "seed", "2018-03-01"),
    ("k", "y", "series_a", "2020-03-02"),  # 732 days: too late
    ("g", "y", "series_a", "2017-01-01"),  # A before seed: left out
    ("g", "y", "seed", "2018-02-01"),
    # cohort 2019
    ("a", "x", "pre_seed", "2018-11-01"),
    ("a", "x", "seed", "2019-03-01"),
    ("a", "x", "series_a", "2020-01-15"),
    ("b", "x", "seed", "2019-06-01"),
    ("b", "x", "series_a", "2021-07-01"),  # 761 days: too late
    ("c", "y", "seed", "2019-12-31"),  # 732 days before as_of: eligible
    # cohort 2020: windows still open on as_of
    ("d", "x", "seed", "2020-01-02"),  # 730 days before as_of: not eligible
    ("e", "y", "seed", "2020-06-01"),
    ("e", "y", "series_a", "2020-09-01"),
    # no seed: not in any cohort
    ("h", "x", "pre_seed", "2019-01-01"),
    ("h", "x", "other", "2019-02-01"),
    # after as_of: invisible
    ("z", "x", "seed", "2022-03-01"),
]


def test_cohort_eligibility_hand_worked():
    """Hand-worked toy table, as_of 2022-01-01, window 24 months = 730.5 days.

    2018: f (B after 245 days, counts as graduated), j (730 days), k (732 days, no);
    g is left out (its A predates its seed) -> n 3, graduated 2.
    2019: a (320 days), b (761 days, no), c (no A; 732 days before as_of, eligible)
    -> n 3, graduated 1. 2020: d (730 days before as_of) and e are not yet eligible,
    so the cohort has n 0 and is omitted.
    """
    rounds = make_rounds(TOY)
    table = cohort_graduation(rounds, as_of="2022-01-01")
    assert table["cohort"].tolist() == [2018, 2019]
    assert table["entered"].tolist() == [3, 3]
    assert table["n"].tolist() == [3, 3]
    assert table["graduated"].tolist() == [2, 1]
    np.testing.assert_allclose(table["rate"], [2 / 3, 1 / 3])

    strict = cohort_graduation(rounds, as_of="2022-01-01", include_later_stages=False)
    assert strict["graduated"].tolist() == [1, 1]  # f had no Series A

    later = cohort_graduation(rounds, as_of="2022-01-03")  # d's window has closed
    assert later["cohort"].tolist() == [2018, 2019, 2020]
    assert later.loc[2, ["entered", "n", "graduated"]].tolist() == [2, 1, 0]

    by_cat = cohort_graduation(rounds, as_of="2022-01-01", by="category")
    assert by_cat[["category", "cohort", "n", "graduated"]].values.tolist() == [
        ["x", 2018, 2, 2],
        ["x", 2019, 2, 1],
        ["y", 2018, 1, 0],
        ["y", 2019, 1, 0],
    ]
    only_y = cohort_graduation(rounds, as_of="2022-01-01", categories=["y"])
    assert only_y[["cohort", "n", "graduated"]].values.tolist() == [[2018, 1, 0], [2019, 1, 0]]


def test_cohort_quarters_and_window():
    """Hand-worked: quarterly labels, and a 12-month window (365.25 days)."""
    rounds = make_rounds(TOY)
    table = cohort_graduation(rounds, as_of="2022-01-01", freq="quarter")
    assert table["cohort"].tolist() == ["2018Q1", "2018Q2", "2019Q1", "2019Q2", "2019Q4"]
    assert table["graduated"].tolist() == [1, 1, 1, 0, 0]
    short = cohort_graduation(rounds, as_of="2022-01-01", within_months=12)
    # Within 12 months: f (245 days), a (320 days) and e (92 days); the 2020 cohort
    # (d, e) is now eligible since both seeds are over 365.25 days before as_of.
    assert short["cohort"].tolist() == [2018, 2019, 2020]
    assert short["n"].tolist() == [3, 3, 2]
    assert short["graduated"].tolist() == [1, 1, 1]


def test_wilson_intervals_equal_statsmodels():
    """Reference: statsmodels proportion_confint(method='wilson'), row by row."""
    rounds, _, _ = synthetic(3, n=800)
    for level in (0.9, 0.95):
        table = cohort_graduation(rounds, as_of="2021-01-01", ci_level=level)
        assert len(table) >= 5
        for row in table.itertuples():
            low, high = proportion_confint(row.graduated, row.n, alpha=1 - level, method="wilson")
            assert row.low == pytest.approx(low, abs=1e-14)
            assert row.high == pytest.approx(high, abs=1e-14)


# --------------------------------------------------------------------------- trend


def per_company_frame(rounds, as_of, window=24):
    """0/1 graduation per eligible company, from company_outcomes (for the GLM)."""
    out = company_outcomes(rounds, as_of=as_of, by="category")
    stamp = pd.Timestamp(as_of)
    days_open = (stamp - out["entry"]).dt.days
    out = out[days_open >= window * DAYS_PER_MONTH]
    graduated = (out["graduation"] - out["entry"]).dt.days <= window * DAYS_PER_MONTH
    return out.assign(y=graduated.astype(float), year=out["entry"].dt.year.astype(float))


def test_cohort_trend_equals_statsmodels_logit():
    """Reference: statsmodels Logit of 0/1 graduation per eligible company on cohort year.

    (statsmodels GLM Binomial gives the same slope; its standard errors use the IRLS
    weights of the previous iterate and so differ in the 7th digit, hence Logit, whose
    covariance is the inverse Hessian at the optimum, like ours.)
    """
    rounds, _, _ = synthetic(4, n=900, categories=3)
    as_of = "2021-06-30"
    trend = cohort_trend(rounds, as_of=as_of)
    data = per_company_frame(rounds, as_of)

    def logit(frame):
        return sm.Logit(frame["y"], sm.add_constant(frame["year"])).fit(disp=0)

    fit = logit(data)
    row = trend.iloc[0]
    assert row["converged"]
    assert row["n"] == len(data)
    assert row["slope"] == pytest.approx(fit.params["year"], rel=1e-6)
    assert row["se"] == pytest.approx(fit.bse["year"], rel=1e-6)
    assert row["p_value"] == pytest.approx(fit.pvalues["year"], rel=1e-6)
    low, high = np.exp(fit.conf_int().loc["year"])
    assert row["low"] == pytest.approx(low, rel=1e-6)
    assert row["high"] == pytest.approx(high, rel=1e-6)
    assert row["odds_ratio"] == pytest.approx(np.exp(fit.params["year"]), rel=1e-6)
    glm = sm.GLM(data["y"], sm.add_constant(data["year"]), family=sm.families.Binomial()).fit()
    assert row["slope"] == pytest.approx(glm.params["year"], rel=1e-6)

    by_cat = cohort_trend(rounds, as_of=as_of, by="category")
    assert len(by_cat) == 3
    for r in by_cat.itertuples():
        ref = logit(data[data["category"] == r.category])
        assert r.slope == pytest.approx(ref.params["year"], rel=1e-6)
        assert r.se == pytest.approx(ref.bse["year"], rel=1e-6)


def test_cohort_trend_recovers_a_known_slope():
    """Independent check: data simulated with slope -0.3 per year; 95% CI covers it."""
    rng = np.random.default_rng(9)
    rows = []
    for i in range(6000):
        year = 2010 + i % 10
        p = 1 / (1 + np.exp(-(0.5 - 0.3 * (year - 2014.5))))
        rows.append((f"c{i}", "x", "seed", f"{year}-03-01"))
        if rng.random() < p:
            rows.append((f"c{i}", "x", "series_a", f"{year}-09-01"))
    trend = cohort_trend(make_rounds(rows), as_of="2023-01-01").iloc[0]
    assert trend["low"] < np.exp(-0.3) < trend["high"]
    assert trend["p_value"] < 1e-10


def test_cohort_trend_not_estimable_is_nan():
    """Hand-worked: one cohort only, complete separation (2014: 0 of 2, 2015: 2 of 2)
    and quasi-complete separation (2014: 1 of 2, 2015: 2 of 2) have no finite MLE."""
    one_cohort = make_rounds([("a", "x", "seed", "2015-01-01"), ("b", "x", "seed", "2015-02-01")])
    row = cohort_trend(one_cohort, as_of="2020-01-01").iloc[0]
    assert not row["converged"] and np.isnan(row["slope"]) and row["n"] == 2
    separated = make_rounds(
        [
            ("a", "x", "seed", "2014-01-01"),
            ("b", "x", "seed", "2014-02-01"),
            ("c", "x", "seed", "2015-01-01"),
            ("c", "x", "series_a", "2015-06-01"),
            ("d", "x", "seed", "2015-02-01"),
            ("d", "x", "series_a", "2015-06-01"),
        ]
    )
    row = cohort_trend(separated, as_of="2020-01-01").iloc[0]
    assert not row["converged"] and np.isnan(row["odds_ratio"])
    quasi = pd.concat(
        [separated, make_rounds([("a", "x", "series_a", "2014-09-01")])], ignore_index=True
    )
    row = cohort_trend(quasi, as_of="2020-01-01").iloc[0]
    assert not row["converged"] and np.isnan(row["slope"])


# --------------------------------------------------------------------------- API


def test_fit_graduation_parts_equal_the_functions():
    """fit_graduation's parts equal the single functions called with the same args."""
    rounds, exits, _ = synthetic(12)
    kw = dict(as_of="2020-06-30", by="category")
    result = fit_graduation(rounds, exits, **kw)
    assert isinstance(result, GraduationResult)
    pd.testing.assert_frame_equal(result.cohorts, cohort_graduation(rounds, **kw))
    pd.testing.assert_frame_equal(result.survival, kaplan_meier(rounds, exits, **kw))
    pd.testing.assert_frame_equal(result.incidence, cumulative_incidence(rounds, exits, **kw))
    pd.testing.assert_frame_equal(result.trend, cohort_trend(rounds, **kw))
    assert result.as_of == pd.Timestamp("2020-06-30") and result.within_months == 24.0
    with pytest.raises(AttributeError):
        result.cohorts = None  # frozen


def test_by_cohort_curves_equal_filtered_pooled_curves():
    """Independent: KM by cohort equals the pooled KM of each cohort's companies alone."""
    rounds, _, truth = synthetic(13)
    as_of = "2019-06-30"
    table = kaplan_meier(rounds, as_of=as_of, by="cohort")
    expected = truth_durations(truth, as_of, with_exits=False)
    years = pd.DatetimeIndex(expected["entry"]).year
    for year, part in table.groupby("cohort"):
        sub = expected[years == year]
        assert_matches_survfunc(part.reset_index(drop=True), sub["months"], sub["cause"] == 1)
    both = kaplan_meier(rounds, as_of=as_of, by=["category", "cohort"])
    assert list(both.columns[:2]) == ["category", "cohort"]
    assert both.groupby(["category", "cohort"]).ngroups > 10


def test_categorical_and_string_columns_agree():
    """Same data as pandas categoricals or strings: identical results."""
    rounds, exits, _ = synthetic(14)
    cat_rounds = rounds.astype({"company": "category", "category": "category", "round": "category"})
    cat_exits = exits.astype({"company": "category", "kind": "category"})
    a = fit_graduation(rounds, exits, as_of="2020-01-01", by="category")
    b = fit_graduation(cat_rounds, cat_exits, as_of="2020-01-01", by="category")
    for name in ("cohorts", "survival", "incidence", "trend"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda r: r.assign(round=r["round"].replace({"seed": "angel"})), "angel"),
        (lambda r: r.assign(date=r["date"].astype(str)), "datetime64"),
        (lambda r: r.drop(columns="company"), "company"),
        (lambda r: r.assign(date=r["date"].where(r.index != 0)), "missing date"),
    ],
)
def test_bad_rounds_are_named(change, match):
    rounds = make_rounds(TOY)
    with pytest.raises(InputError, match=match):
        cohort_graduation(change(rounds), as_of="2022-01-01")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(from_round="series_a", to_round="seed"), "later stage"),
        (dict(to_round="series_z"), "to_round"),
        (dict(by="sector"), "'by'"),
        (dict(freq="month"), "freq"),
        (dict(within_months=0), "within_months"),
        (dict(ci_level=1.5), "ci_level"),
        (dict(as_of="not a date"), "as_of"),
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    kwargs = {"as_of": "2022-01-01", **kwargs}
    with pytest.raises(InputError, match=match):
        cohort_graduation(make_rounds(TOY), **kwargs)


def test_bad_exits_are_named():
    rounds = make_rounds(TOY)
    exits = make_exits([("a", "2020-01-01", "merged")])
    with pytest.raises(InputError, match="merged"):
        kaplan_meier(rounds, exits, as_of="2022-01-01")


def test_empty_inputs_give_empty_frames():
    """No company entered the cohort by as_of: empty tables with the documented columns."""
    rounds = make_rounds(TOY)
    result = fit_graduation(rounds, make_exits([]), as_of="2000-01-01", by="category")
    assert result.cohorts.empty and result.survival.empty and result.incidence.empty
    assert list(result.survival.columns) == [
        "category", "months", "probability", "se", "low", "high", "at_risk", "events",
    ]
    pooled = fit_graduation(rounds, as_of="2000-01-01")
    assert len(pooled.trend) == 1 and pooled.trend["n"].iloc[0] == 0


# --------------------------------------------------------------------------- hypothesis

STAGE_CHOICES = ("pre_seed", "seed", "seed", "series_a", "series_b", "series_c", "other")


@st.composite
def histories(draw):
    """Small random rounds and exits tables (strings, dates within 2010-2020)."""
    n_rows = draw(st.integers(1, 40))
    rounds = []
    for _ in range(n_rows):
        rounds.append(
            (
                f"c{draw(st.integers(0, 9))}",
                draw(st.sampled_from(["x", "y"])),
                draw(st.sampled_from(STAGE_CHOICES)),
                str(np.datetime64("2010-01-01") + np.timedelta64(draw(st.integers(0, 3650)), "D")),
            )
        )
    exits = [
        (
            f"c{draw(st.integers(0, 9))}",
            str(np.datetime64("2010-01-01") + np.timedelta64(draw(st.integers(0, 3650)), "D")),
            draw(st.sampled_from(["acquired", "ipo", "closed"])),
        )
        for _ in range(draw(st.integers(0, 4)))
    ]
    return make_rounds(rounds), make_exits(exits)


def all_parts(rounds, exits, as_of, by="category"):
    return fit_graduation(rounds, exits, as_of=as_of, by=by, within_months=18)


def assert_same_result(a: GraduationResult, b: GraduationResult):
    for name in ("cohorts", "survival", "incidence", "trend"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories(), st.integers(0, 3650))
def test_rates_and_curves_are_probabilities(data, offset):
    rounds, exits = data
    as_of = pd.Timestamp("2010-01-01") + pd.Timedelta(days=offset)
    result = all_parts(rounds, exits, as_of)
    c = result.cohorts
    assert ((c["rate"] >= 0) & (c["rate"] <= 1)).all()
    assert ((c["low"] <= c["rate"] + 1e-12) & (c["rate"] <= c["high"] + 1e-12)).all()
    assert (c["graduated"] <= c["n"]).all() and (c["n"] <= c["entered"]).all()
    s = result.survival
    assert ((s["probability"] >= 0) & (s["probability"] <= 1)).all()
    assert (s.groupby("category")["probability"].diff().dropna() <= 1e-12).all()
    i = result.incidence
    total = i["graduated"] + i["exited"] + i["still_waiting"]
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert (i.groupby("category")["graduated"].diff().dropna() >= -1e-12).all()


@SETTINGS
@given(histories(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(data, seed):
    rounds, exits = data
    rng = np.random.default_rng(seed)
    shuffled_rounds = rounds.iloc[rng.permutation(len(rounds))]
    shuffled_exits = exits.iloc[rng.permutation(len(exits))]
    as_of = pd.Timestamp("2016-01-01")
    assert_same_result(
        all_parts(rounds, exits, as_of), all_parts(shuffled_rounds, shuffled_exits, as_of)
    )


@SETTINGS
@given(histories(), histories(), st.integers(0, 3650))
def test_rows_after_as_of_change_nothing(data, later, offset):
    """Rounds/exits dated after D (old and new companies) leave results as of D alone."""
    rounds, exits = data
    extra_rounds, extra_exits = later
    as_of = pd.Timestamp("2010-01-01") + pd.Timedelta(days=offset)
    shift = pd.Timedelta(days=offset + 1)  # every extra row lands after as_of
    extra_rounds = extra_rounds.assign(date=extra_rounds["date"] + shift)
    extra_exits = extra_exits.assign(date=extra_exits["date"] + shift)
    grown_rounds = pd.concat([rounds, extra_rounds], ignore_index=True)
    grown_exits = pd.concat([exits, extra_exits], ignore_index=True)
    for by in (None, "category"):
        assert_same_result(
            all_parts(rounds, exits, as_of, by), all_parts(grown_rounds, grown_exits, as_of, by)
        )


def test_graduation_as_of_today_on_data_ending_2013_is_censored_there():
    """The bundled rounds end 2013-10-01. As of 2026 a 24-month window of a 2012 or 2013
    seed never closed inside the data: those cohorts are left out (not shown at 2%),
    2011 is marked censored (seeds after 2011-10-01 are cut), and the note says where
    the data ends. 2010 keeps every company (entered == n)."""
    from gapscore.scoring.signals import curves
    from gapscore.scoring.inputs.config import load_config
    from gapscore.scoring.inputs.datasets import DataStore

    out = curves.graduation(DataStore(), None, pd.Timestamp("2026-12-01"), load_config(), categories=[], rounds_file=None,
                            from_round="seed", to_round="series_a", within=24)
    cohorts = out["json"]["cohorts"].set_index("cohort")
    assert cohorts.index.max() == 2011
    assert bool(cohorts.loc[2011, "censored"]) and cohorts.loc[2011, "n"] < cohorts.loc[2011, "entered"]
    assert not bool(cohorts.loc[2010, "censored"])
    assert out["json"]["note"].startswith("rounds data ends 2013-10-01, before the as-of date 2026-12-01")
    assert out["json"]["data_end"] == pd.Timestamp("2013-10-01")


# --------------------------------------------------------------------------- censoring per source


def test_censor_at_follows_each_company_to_the_end_of_its_own_source():
    """Hand-worked: an old source ends 2013-10-01, a new one 2025-06-01 (24-month window).

    a, b: seeded 2012-06-01 in the old source, never seen again: their windows end
    2014-06-01, after their source stops, so they are censored, not counted as failures.
    e: seeded 2012-01-01 (old source), Series A 2016-01-01 (new source): followed to the
    new source's end, its window closed; A came after 48 months, so not within 24.
    c, d: seeded 2020 in the new source; c raised A after 12 months, d did not.
    With censor_at: 2012 cohort n = 1 (e), 0 graduated; 2020 cohort n = 2, 1 graduated.
    With one censoring date for all (the newest source's end) a and b would count as two
    more 2012 failures (n = 3)."""
    from gapscore.models.graduation import cohort_graduation

    old, new = pd.Timestamp("2013-10-01"), pd.Timestamp("2025-06-01")
    rounds = pd.DataFrame({
        "company": ["a", "b", "e", "e", "c", "c", "d"],
        "round": ["seed", "seed", "seed", "series_a", "seed", "series_a", "seed"],
        "date": pd.to_datetime(["2012-06-01", "2012-06-01", "2012-01-01", "2016-01-01", "2020-01-15", "2021-01-15", "2020-03-01"]),
    })
    ends = pd.Series([old, old, old, new, new, new, new])
    got = cohort_graduation(rounds, as_of="2026-01-01", censor_at=ends)
    assert got[["cohort", "n", "graduated"]].values.tolist() == [[2012, 1, 0], [2020, 2, 1]]
    naive = cohort_graduation(rounds, as_of=new)
    assert naive[["cohort", "n", "graduated"]].values.tolist() == [[2012, 3, 0], [2020, 2, 1]]
    # never past as_of: as of 2021-06-01 (ends still say 2025) the 2020 windows are open,
    # so that cohort has n = 0 and is omitted; e's window closed in 2014
    early = cohort_graduation(rounds, as_of="2021-06-01", censor_at=ends)
    assert early[["cohort", "n", "graduated"]].values.tolist() == [[2012, 1, 0]]


def test_censor_at_needs_one_date_per_row():
    from gapscore.models.graduation import InputError, cohort_graduation

    rounds = pd.DataFrame({"company": ["a"], "round": ["seed"], "date": pd.to_datetime(["2012-06-01"])})
    with pytest.raises(InputError, match="one date per round row"):
        cohort_graduation(rounds, as_of="2020-01-01", censor_at=pd.Series(pd.to_datetime(["2013-01-01", "2014-01-01"])))
