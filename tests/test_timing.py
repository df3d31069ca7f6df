"""Stage-score arithmetic: hand-worked cases and invariants (no data, no fitting)."""

from __future__ import annotations

import dataclasses
import math
from statistics import NormalDist

import pytest
from hypothesis import given, settings, strategies as st

from gapscore.scoring.inputs.config import load_config, set_value
from gapscore.scoring.signals.timing import STAGES, TimingInputs, YearForecast, forecast_from_interval, score

CFG = load_config()


def test_forecast_from_interval_uses_the_80pct_spread():
    f = forecast_from_interval("x", 2020.0, 2018.0, 2022.0, passed=False, min_sd=0.1)
    # 80% interval +-2 years -> sd = 2 / z(0.9) = 2 / 1.28155 = 1.5606
    assert f.sd == pytest.approx(2 / NormalDist().inv_cdf(0.9))
    assert f.cdf(2022.0) == pytest.approx(0.9)
    assert forecast_from_interval("x", 2020.0, 2019.9, 2020.1, passed=False, min_sd=0.75).sd == 0.75
    passed = forecast_from_interval("x", 2015.3, 2015.3, 2015.3, passed=True, min_sd=0.75)
    assert passed.sd == 0 and passed.cdf(2015.2) == 0 and passed.cdf(2015.3) == 1


def test_hand_worked_seed_score():
    """Milestone 2016 +- sd 1 (one component), as of 2012, seed window 3-5 years.

    timing = Phi((2017-2016)/1) - Phi((2015-2016)/1) = 0.841345 - 0.158655 = 0.682689
    velocity 0.05 / full 0.10 = 0.5
    seed = 75 x 0.682689 + 25 x 0.5 = 63.70168
    """
    inputs = TimingInputs(
        as_of_year=2012.0,
        milestone=(YearForecast("cap", 2016.0, 1.0, 2014.7, 2017.3),),
        perfection=YearForecast("perf", 2020.0, 1.0, 2018.7, 2021.3),
        velocity=0.05,
    )
    res = score(inputs, CFG)
    assert res.factors["seed.timing"] == pytest.approx(0.682689, abs=1e-6)
    assert res.scores["seed"] == pytest.approx(75 * 0.6826895 + 25 * 0.5, abs=1e-4)
    # traction missing -> 0.5; Series A window 2-4 -> Phi(0) - Phi(-2) = 0.5 - 0.02275 = 0.47725
    assert res.scores["series_a"] == pytest.approx(60 * 0.4772499 + 40 * 0.5, abs=1e-4)
    assert "traction" in res.missing
    assert res.recommendation == "seed"


def test_milestone_is_the_later_of_capability_and_economics():
    cap = YearForecast("cap", 2016.0, 0.0, 2016.0, 2016.0, True)
    econ = YearForecast("econ", 2020.0, 1.0, 2018.7, 2021.3)
    both = score(TimingInputs(2018.0, milestone=(cap, econ), perfection=YearForecast("p", 2030, 2, 2027, 2033)), CFG)
    only_cap = score(TimingInputs(2018.0, milestone=(cap,), perfection=YearForecast("p", 2030, 2, 2027, 2033)), CFG)
    # capability passed, economics 2 years out: not yet working -> Series B lower than capability alone
    assert both.factors["works_with_gaps"] < 0.05 < only_cap.factors["works_with_gaps"]


def _inputs(milestone, sd, perfection, velocity, traction, as_of=2020.0):
    return TimingInputs(
        as_of_year=as_of,
        milestone=(YearForecast("m", milestone, sd, milestone - 1.28 * sd, milestone + 1.28 * sd, sd == 0),),
        perfection=YearForecast("p", perfection, sd, perfection - 1.28 * sd, perfection + 1.28 * sd),
        velocity=velocity,
        traction_rate=traction,
    )


years = st.floats(2000, 2050)
sds = st.sampled_from([0.0, 0.5, 1.0, 3.0])


@settings(max_examples=200, deadline=None)
@given(m=years, sd=sds, gap=st.floats(0, 20), v=st.one_of(st.none(), st.floats(0, 1)), tr=st.one_of(st.none(), st.floats(0, 1)))
def test_scores_bounded_and_contributions_sum(m, sd, gap, v, tr):
    res = score(_inputs(m, sd, m + gap, v, tr), CFG)
    for s in STAGES:
        assert 0 <= res.scores[s] <= 100 + 1e-9
        assert sum(res.contributions[s].values()) == pytest.approx(res.scores[s], abs=1e-9)
    assert 0 <= res.confidence <= 1


@settings(max_examples=100, deadline=None)
@given(sd=st.sampled_from([0.5, 1.0]), far=st.floats(9, 20))
def test_moving_the_milestone_into_the_seed_window_raises_seed(sd, far):
    inside = score(_inputs(2024.0, sd, 2035, 0.05, None), CFG).scores["seed"]  # 4 years from 2020
    outside = score(_inputs(2020.0 + far, sd, 2045, 0.05, None), CFG).scores["seed"]
    assert inside > outside


def test_weight_change_is_resummed_to_100():
    moved = set_value(CFG, "stages.seed.weights.timing", 90.0)
    assert moved["stages"]["seed"]["weights"] == {"timing": 90.0, "capability_momentum": 10.0}


def test_harvest_when_perfection_passed():
    inputs = TimingInputs(2021.0, milestone=(YearForecast("m", 2015.3, 0, 2015.3, 2015.3, True),),
                          perfection=YearForecast("p", 2016.0, 0, 2016.0, 2016.0, True), velocity=0.01)
    assert score(inputs, CFG).recommendation == "harvest"


def test_watch_when_far():
    inputs = TimingInputs(2020.0, milestone=(YearForecast("m", 2032.0, 2, 2029.4, 2034.6),),
                          perfection=YearForecast("p", math.inf, 0, math.inf, math.inf), velocity=0.01)
    assert score(inputs, CFG).recommendation == "watch"


def test_no_capability_never_harvests_on_economics_alone():
    """Viable economics with no capability data says nothing about a sector being done."""
    econ = YearForecast("econ", 2020.0, 0.0, 2020.0, 2020.0, True)
    inputs = TimingInputs(2026.0, milestone=(econ,), perfection=None, has_capability=False)
    assert score(inputs, CFG).recommendation == "watch"


def test_harvest_on_saturated_measures_alone_is_held_to_the_configured_confidence():
    """Perfection passed in 2015, milestone passed: harvest at probability 1, unless every
    capability measure is saturated, when it is held to capability.saturated_max_confidence.
    Funding falls 10% a year (fading), so the funding check leaves the harvest alone."""
    base = dict(
        funding_growth=-0.10,
        as_of_year=2026.0,
        milestone=(YearForecast("cap", 2014.0, 0.0, 2014.0, 2014.0, True),),
        perfection=YearForecast("perf", 2015.0, 0.0, 2015.0, 2015.0, True),
        velocity=0.0,
        traction_rate=0.1,
        momentum_ratio=1.0,
    )
    free = score(TimingInputs(**base), CFG)
    held = score(TimingInputs(**base, saturated_only=True), CFG)
    assert free.recommendation == held.recommendation == "harvest"
    assert free.confidence == pytest.approx(1.0)
    assert held.confidence == pytest.approx(CFG["capability"]["saturated_max_confidence"]) == pytest.approx(0.5)
def _done(growth):
    """Capability past the milestone (2015.3) and perfection (2016) by 2021, as above."""
    return TimingInputs(2021.0, milestone=(YearForecast("m", 2015.3, 0, 2015.3, 2015.3, True),),
                        perfection=YearForecast("p", 2016.0, 0, 2016.0, 2016.0, True), velocity=0.01,
                        funding_growth=growth)


def test_harvest_needs_funding_no_longer_growing():
    """Near perfection with falling (-42% a year) or flat (+10%, the threshold itself)
    funding: harvest, on the chance perfection is reached (1.0, passed)."""
    for growth in (-0.42, 0.10):
        res = score(_done(growth), CFG)
        assert res.recommendation == "harvest" and res.decision_probability == 1.0


def test_a_funding_surge_keeps_growth_instead_of_harvest():
    """Funding growing 97% a year (PitchBook autonomous cars, US, 2017 -> 2018: 868 ->
    1,710) keeps the stage that scores higher of Series B and growth: growth here, with
    near_perfection = 1 as its probability."""
    res = score(_done(0.97), CFG)
    assert res.recommendation == "growth"
    assert res.decision_probability == 1.0
    assert res.scores["growth"] > res.scores["series_b"]


def test_harvest_without_funding_data_says_the_leg_is_missing():
    """No funding series: harvest stands, its probability times the missing value (0.5)."""
    res = score(_done(None), CFG)
    assert res.recommendation == "harvest"
    assert res.decision_probability == CFG["signals"]["missing_value"] * 1.0


def test_a_growth_call_on_saturated_measures_alone_is_held_too():
    """Funding growing 97% a year keeps growth instead of harvest (near_perfection = 1,
    passed); when every capability measure is saturated that call rests on perfection
    read from benchmarks that stopped measuring, so its probability is held to
    capability.saturated_max_confidence (0.5) like a harvest's."""
    free = score(_done(0.97), CFG)
    held = score(dataclasses.replace(_done(0.97), saturated_only=True), CFG)
    assert free.recommendation == held.recommendation == "growth"
    assert free.decision_probability == 1.0
    assert held.decision_probability == CFG["capability"]["saturated_max_confidence"] == 0.5
