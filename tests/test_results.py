"""Results answer questions (is_fitted, forecast, passed, interval, economics_at) instead
of callers testing status strings and looking thresholds up by rounded floats."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gapscore.scoring.signals.sector import SectorSignals, economics_at

from test_capability import fit_vision, synthetic_vision_history


@pytest.fixture(scope="module")
def fitted():
    return fit_vision(synthetic_vision_history(), "2013-01-01")


@pytest.fixture(scope="module")
def unfitted():
    return fit_vision(synthetic_vision_history(), "1999-01-01")


def test_is_fitted_is_the_status(fitted, unfitted):
    assert fitted.is_fitted and fitted.status == "ok"
    assert not unfitted.is_fitted and unfitted.status == "insufficient_data"


def test_forecast_passed_and_interval_answer_by_threshold(fitted):
    by_hand = {f.threshold: f for f in fitted.thresholds}
    for thr, f in by_hand.items():
        assert fitted.forecast(thr) is f
        assert fitted.forecast(thr + 1e-12) is f  # the same share after float arithmetic
        assert fitted.passed(thr) is bool(f.passed)
        assert fitted.interval(thr) == (f.low, f.high)
        assert fitted.in_sight(thr) == (not f.capped and math.isfinite(f.year))
    assert fitted.forecast(0.1 + 0.7) is by_hand[0.8]  # 0.7999999999999999
    with pytest.raises(KeyError, match="0.9 was not forecast"):
        fitted.forecast(0.9)


def test_economics_at_matches_a_target_without_rounded_keys():
    by_target = {0.05: (2028.0, 2027.0, 2030.0, False), 0.1: (2026.0, 2025.5, 2027.0, False)}
    assert economics_at(by_target, 0.1) == by_target[0.1]
    assert economics_at(by_target, 0.3 - 0.2) == by_target[0.1]  # 0.09999999999999998
    assert economics_at(by_target, 0.2) is None
    sig = SectorSignals("s", "S", pd.Timestamp("2020-01-01"), None, None, None, economics_by_target=by_target)
    assert sig.economics_at(0.05) == by_target[0.05]
    assert not sig.has_capability
