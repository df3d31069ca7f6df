"""The typed, frozen configuration (issue #14, item 4): one home per setting, one
citation per key, checked once at load, immutable, picklable, stable cache keys."""

from __future__ import annotations

import dataclasses
import pickle
import re
import subprocess
import sys

import pandas as pd
import pytest

from gapscore.scoring.errors import ConfigError
from gapscore.scoring.inputs import config as config_mod
from gapscore.scoring.inputs import config_types
from gapscore.scoring.inputs.config import DEFAULTS_PATH, load_config, read_toml, set_value
from gapscore.scoring.inputs.config_types import Config, FrozenMap
from gapscore.scoring.stage_model import STAGES

CFG = load_config()


def _dotted(node, prefix=""):
    out = []
    for key, value in node.items():
        if isinstance(value, dict) and key != "weights" and not prefix.startswith("sensitivity"):
            out += _dotted(value, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}")
    return out


def _comment_groups(text: str) -> list[tuple[str, list[str]]]:
    """(comment block directly above, keys) for each run of consecutive key lines."""
    groups, block, table, current = [], [], "", None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            block.append(line.lstrip("#").strip())
            current = None
        elif not line:
            block, current = [], None
        elif (header := re.match(r"^\[([^\[\]]+)\]", line)):
            table, block, current = header.group(1), [], None
        elif (key := re.match(r'^("?[A-Za-z0-9_.\-]+"?)\s*=', line)):
            dotted = f"{table}.{key.group(1).strip(chr(34))}"
            if current is None:
                current = (" ".join(block), [dotted])
                groups.append(current)
                block = []
            else:
                current[1].append(dotted)
    return groups


# --------------------------------------------------------------------------- one home


def test_every_default_has_a_typed_field_in_the_same_order():
    """defaults.toml (values, citations) and config_types (types, rules) name the same
    settings in the same order, so the memo lists them as the file does."""
    raw = read_toml(DEFAULTS_PATH)
    schema = config_types.schema_keys()
    flat = []
    for key in _dotted(raw):
        top, _, rest = key.partition(".")
        # stage tables, maps and [sensitivity] hold entries keyed by stage, factor or setting
        wild = next((s for s in schema if s.count(".") < key.count(".") and key.startswith(s + ".")), None)
        flat.append(wild or key)
    assert list(dict.fromkeys(flat)) == schema
    assert CFG.to_dict() == raw  # the frozen object reads back as the file, order included
    assert list(CFG) == list(raw)
    assert [list(CFG[t]) for t in raw if t not in ("stages", "sensitivity")] == \
        [list(raw[t]) for t in raw if t not in ("stages", "sensitivity")]


def test_every_key_has_a_source_or_reasoning_comment():
    """Each key, or the run of keys it belongs to, sits under a comment that names where
    its value comes from: a source (a dated publication, a datasheet, [seed]), a
    measurement, the project's requirement ("as the issue asks"), or "assumption" with
    its reasoning."""
    marker = re.compile(r"assumption|source|published|\b(19|20)\d\d\b|\[seed\]|measured|docs/|unused|the issue", re.I)
    groups = _comment_groups(DEFAULTS_PATH.read_text(encoding="utf-8"))
    assert {k for _, keys in groups for k in keys} >= set(_dotted(read_toml(DEFAULTS_PATH))) - {
        k for k in _dotted(read_toml(DEFAULTS_PATH)) if k.startswith("sensitivity.")}
    missing = [keys for note, keys in groups if not note]
    assert not missing, f"keys without a comment directly above: {missing}"
    uncited = [(keys, note[:80]) for note, keys in groups if not marker.search(note)]
    assert not uncited, f"comments naming no source or assumption: {uncited}"


def test_the_check_fails_on_an_uncited_key():
    """The comment test can fail: a key added with no comment is caught."""
    text = DEFAULTS_PATH.read_text(encoding="utf-8").replace("\nmin_score = 40.0\n", "\nmin_score = 40.0\n\nnew_key = 1\n")
    groups = _comment_groups(text)
    assert ("", ["recommendation.new_key"]) in groups


def test_model_defaults_agree_with_the_config():
    """Constants the models keep as defaults (used when a model is called directly)
    equal the config's, which the scoring layer passes: one value each."""
    from gapscore.models import capability, graduation

    assert capability.DEFAULT_N_BOOT == CFG.capability.n_boot == 200  # was 500 in the model
    assert capability.MAX_HORIZON_YEARS == CFG.capability.horizon_years == 30
    assert CFG.milestone.horizon_years == 15  # its own key: cost and unit-economics projections
    assert graduation.DEFAULT_CI_LEVEL == CFG.graduation.interval == 0.95
    assert graduation.DEFAULT_WINDOW_MONTHS == CFG.graduation.window_months
    assert CFG.graduation.recent_cohorts == 3


# --------------------------------------------------------------------------- frozen


def test_the_config_is_typed_and_frozen():
    assert isinstance(CFG, Config)
    assert CFG.capability.n_boot == CFG["capability"]["n_boot"] == 200
    assert CFG.capability.thresholds == (0.8, 0.95, 1.0)
    assert CFG.stages.seed.window_years == (3.0, 5.0) and "window_years" not in CFG.stages.series_b
    with pytest.raises(dataclasses.FrozenInstanceError):
        CFG.capability.n_boot = 50
    with pytest.raises(TypeError):
        CFG["capability"]["n_boot"] = 50
    with pytest.raises(TypeError):
        CFG.stages.seed.weights["timing"] = 50.0
    with pytest.raises(AttributeError):
        CFG.stages.seed.weights.timing = 50.0
    with pytest.raises(AttributeError):
        CFG.capability.thresholds.append(0.5)


def test_set_value_returns_a_new_checked_config():
    moved = set_value(CFG, "stages.seed.weights.timing", 90.0)
    assert isinstance(moved, Config) and moved is not CFG
    assert dict(moved.stages.seed.weights) == {"timing": 90.0, "capability_momentum": 10.0}
    assert dict(CFG.stages.seed.weights) == {"timing": 75.0, "capability_momentum": 25.0}  # unchanged
    assert moved.origin == CFG.origin and moved != CFG
    assert set_value(CFG, "stages.seed.window_years", (2.0, 4.0)).stages.seed.window_years == (2.0, 4.0)
    with pytest.raises(ConfigError, match=r"^set_value: capability.n_boot = 5: must be between 20 and 100000$"):
        set_value(CFG, "capability.n_boot", 5)
    with pytest.raises(ConfigError, match=r"^cli: capability.pool_when_sparse = 'yes': must be true or false$"):
        set_value(CFG, "capability.pool_when_sparse", "yes", origin="cli")
    many = config_mod.set_values(CFG, {"capability.n_boot": 40, "graduation.good_rate": 0.6})
    assert (many.capability.n_boot, many.graduation.good_rate) == (40, 0.6)


@pytest.mark.parametrize("text, line", [
    ("[capability]\npool_when_sparse = \"yes\"\n", "capability.pool_when_sparse = 'yes': must be true or false"),
    ("[capability]\nlifetime_from_shares = [0.0, 1.5]\n", "capability.lifetime_from_shares = [0.0, 1.5]: must be a list of shares between 0 and 0.99"),
    ("[seed]\ncitation = 3\n", "seed.citation = 3: must be a string (in quotes)"),
    ("[portfolio]\nfollow_on_stages = \"series_a\"\n", "portfolio.follow_on_stages = 'series_a': must be a list of strings from series_a, series_b, growth"),
    ("[capability]\nerror_scale = \"ln\"\n", "capability.error_scale = 'ln': must be \"log\" or \"linear\""),
    ("[capability]\nn_bot = 40\n", "capability.n_bot is not a known setting; see 'gapscore config show'"),
])
def test_wrong_types_are_one_line_naming_file_and_key(tmp_path, text, line):
    """Settings the old checks let through (flags, texts, lists) are checked at load too."""
    path = tmp_path / "g.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).splitlines() == [f"{path}: {line}"]


# --------------------------------------------------------------------------- hash, pickle, keys


def test_pickles_and_hashes_to_the_same_keys():
    """Worker processes (--jobs 2) receive the config pickled: it compares, hashes and
    builds the same cache keys as the original."""
    from gapscore.scoring.signals import calibration, sector

    back = pickle.loads(pickle.dumps(CFG))
    assert back == CFG and hash(back) == hash(CFG) and back.digest() == CFG.digest()
    assert isinstance(back.stages, FrozenMap) and back.origin == CFG.origin
    as_of = pd.Timestamp("2020-12-31")
    assert calibration._pool_key(back) == calibration._pool_key(CFG)
    assert sector._prior_key(as_of, back) == sector._prior_key(as_of, CFG)
    assert sector._lifetime_key(as_of, back) == sector._lifetime_key(as_of, CFG)
    hash(calibration._pool_key(CFG)), hash(sector._lifetime_key(as_of, CFG))  # usable as memo keys
    # a changed setting changes the keys that depend on it (no stale entry)
    other = set_value(CFG, "capability.min_points", 6)
    assert calibration._pool_key(other) != calibration._pool_key(CFG)
    assert sector._prior_key(as_of, other) != sector._prior_key(as_of, CFG)
    assert other.digest() != CFG.digest() and hash(other) != hash(CFG)


def test_the_digest_and_pool_key_are_the_same_in_another_process():
    """``repr``-based keys and the digest do not depend on the process (``hash`` of a
    string does: it is salted per process, so no persistent key uses it)."""
    code = ("from gapscore.scoring.inputs.config import load_config; from gapscore.scoring.signals import calibration; "
            "c = load_config(); print(c.digest()); print(repr(calibration._pool_key(c)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    from gapscore.scoring.signals import calibration

    assert out == [CFG.digest(), repr(calibration._pool_key(CFG))]


def test_the_stage_maps_cover_every_stage():
    assert list(CFG.stages) == list(STAGES)
    assert list(CFG.portfolio.stage_mix) == list(STAGES)
