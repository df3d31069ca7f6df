"""The answer cache (scoring/answer_cache.py): a cached answer is the answer computed
afresh, in every format; every input changes the key, so a stale answer cannot be found;
nothing is read or written when the cache is bypassed."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from gapscore.models import cache_paths
from gapscore.scoring import answer_cache
from gapscore.scoring.cli import main

#: A cheap configuration for the command tests: few bootstrap replicates, no conformal
#: pool (the cache's behaviour does not depend on the settings, only its key does).
CHEAP = "[capability]\nn_boot = 20\nforecast_conformal = false\n"
ARGS = {"as_of": "2016-12-31", "sectors": ["computer_vision"], "rank_by": "best"}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache_paths.ENV_DIR, str(tmp_path / "cache"))
    monkeypatch.delenv(cache_paths.ENV_OFF, raising=False)
    return tmp_path / "cache"


def _key(**over):
    kw = {"data_dir": None, "replace": False, "config_path": None, **over}
    args = kw.pop("args", ARGS)
    return answer_cache.key("score", args, **kw)


def _entries(cache):
    return sorted((cache / answer_cache.SUBDIR).rglob("*.json")) if cache.exists() else []


def test_the_key_changes_with_every_input(cache, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "capability.csv").write_text("benchmark,model,date,value,source\n", encoding="utf-8")
    config = tmp_path / "mine.toml"
    config.write_text(CHEAP, encoding="utf-8")
    base = _key(data_dir=data, config_path=config)
    assert base == _key(data_dir=data, config_path=config)  # deterministic
    keys = {base}
    for args in ({**ARGS, "as_of": "2017-12-31"}, {**ARGS, "sectors": []}, {**ARGS, "rank_by": "early"}):
        keys.add(_key(data_dir=data, config_path=config, args=args))
    keys.add(_key(data_dir=data, config_path=config, replace=True))
    keys.add(_key(data_dir=None, config_path=config))
    keys.add(_key(data_dir=data, config_path=None))
    (data / "capability.csv").write_text("benchmark,model,date,value,source\nx,m,2015-01-01,1,s\n", encoding="utf-8")
    keys.add(_key(data_dir=data, config_path=config))  # one byte of one data file
    (data / "extra.csv").write_text("a\n", encoding="utf-8")
    keys.add(_key(data_dir=data, config_path=config))  # a file added to the data folder
    config.write_text(CHEAP + "# a comment\n", encoding="utf-8")
    keys.add(_key(data_dir=data, config_path=config))  # the config's content
    assert len(keys) == 10
    assert answer_cache.key("explain", ARGS, data_dir=data, replace=False, config_path=config) not in keys


def test_the_key_changes_with_the_code_and_the_libraries(cache, tmp_path, monkeypatch):
    """A copy of the package's source with one character changed, and one more installed
    distribution, each give another key."""
    copies = []
    for name, folder in answer_cache._package_dirs():
        copy = tmp_path / "src" / name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
        copies.append((name, copy))
    monkeypatch.setattr(answer_cache, "_package_dirs", lambda: copies)
    before = _key()
    assert before == _key()
    timing = copies[0][1] / "signals" / "timing.py"
    timing.write_text(timing.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    after_code = _key()
    site = tmp_path / "site"
    (site / "somelib-1.0.dist-info").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(site))
    after_dist = _key()
    assert len({before, after_code, after_dist}) == 3


def test_bypassed_cache_neither_reads_nor_writes(cache, monkeypatch):
    k = _key()
    answer_cache.put(k, {"table": "t", "json": "j", "csv": "c"})
    assert answer_cache.get(k) == {"table": "t", "json": "j", "csv": "c"}
    monkeypatch.setenv(cache_paths.ENV_OFF, "1")
    assert _key() is None and answer_cache.get(k) is None
    answer_cache.put(k, {"table": "x", "json": "x", "csv": "x"})  # ignored
    monkeypatch.delenv(cache_paths.ENV_OFF)
    assert answer_cache.get(k)["table"] == "t"


def test_a_damaged_entry_is_a_miss(cache):
    k = _key()
    answer_cache.put(k, {"table": "t", "json": "j", "csv": "c"})
    (path,) = _entries(cache)
    path.write_text("{not json", encoding="utf-8")
    assert answer_cache.get(k) is None
    path.write_text(json.dumps({"table": "t"}), encoding="utf-8")  # a format missing
    assert answer_cache.get(k) is None
    with pytest.raises(ValueError, match="lacks the format"):
        answer_cache.put(k, {"table": "t"})


def _score(runner, config, *args, fmt="table"):
    """``gapscore [--config C] [args] score ...``; --no-cache sets GAPSCORE_NO_CACHE for the
    process (so worker processes see it), which is undone here after the run."""
    try:
        done = runner.invoke(main, ["--config", str(config), *args, "score", "--as-of", "2016", "--sector",
                                    "computer_vision", "--sector", "speech_recognition", "--format", fmt],
                             catch_exceptions=False)
    finally:
        os.environ.pop(cache_paths.ENV_OFF, None)
    assert done.exit_code == 0, done.output
    return done.stdout


def test_score_answers_from_the_cache_as_computed_afresh(cache, tmp_path):
    """Each format: the first run computes and stores, the second reads the store, and
    both equal a run with --no-cache. A changed config is a new key: its answer is the
    new config's fresh answer, not the stored one."""
    runner = CliRunner()
    config = tmp_path / "cheap.toml"
    config.write_text(CHEAP, encoding="utf-8")
    fresh = {fmt: _score(runner, config, "--no-cache", fmt=fmt) for fmt in answer_cache.FORMATS}
    assert _entries(cache) == []  # --no-cache wrote nothing
    cold = _score(runner, config)
    assert len(_entries(cache)) == 1
    (entry,) = _entries(cache)
    assert json.loads(entry.read_text(encoding="utf-8")) == fresh  # every format stored, as computed
    assert cold == fresh["table"]
    for fmt in answer_cache.FORMATS:
        assert _score(runner, config, fmt=fmt) == fresh[fmt]
    assert len(_entries(cache)) == 1  # the warm runs were hits
    # A weight moved: another key, and the new answer.
    config.write_text(CHEAP + "[stages.series_b]\nweights = { works_with_gaps = 50.0, traction = 50.0 }\n", encoding="utf-8")
    moved = _score(runner, config)
    assert len(_entries(cache)) == 2
    assert moved != fresh["table"]
    assert moved == _score(runner, config, "--no-cache")


def test_the_key_follows_the_loaders_bundled_folder(cache, tmp_path, monkeypatch):
    """A loader pointed at other bundled files (as tests do) reads other data: another key."""
    import gapscore.scoring.inputs.datasets as datasets

    before = _key()
    other = tmp_path / "bundled"
    shutil.copytree(datasets.BUNDLED_DIR, other, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(datasets, "BUNDLED_DIR", other)
    copied = _key()
    (other / "outcomes.csv").write_text((other / "outcomes.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert len({before, copied, _key()}) == 3


# --------------------------------------------------------------------------- memo workbooks


def _bins(cache):
    return sorted((cache / answer_cache.SUBDIR).rglob(f"*{answer_cache.BYTES_SUFFIX}")) if cache.exists() else []


def test_stored_bytes_round_trip_and_a_damaged_entry_is_a_miss(cache):
    k = _key()
    data = bytes(range(256)) * 3  # every byte value, newlines included
    answer_cache.put_bytes(k, data, {"recommendation": "seed"})
    assert answer_cache.get_bytes(k) == ({"recommendation": "seed"}, data)
    (path,) = _bins(cache)
    whole = path.read_bytes()
    path.write_bytes(whole[:-1])  # truncated
    assert answer_cache.get_bytes(k) is None
    path.write_bytes(whole[:-1] + bytes([whole[-1] ^ 1]))  # one bit flipped, length kept
    assert answer_cache.get_bytes(k) is None
    path.write_bytes(b"not a header\n" + data)
    assert answer_cache.get_bytes(k) is None


def _memo(runner, config, out, *args):
    try:
        done = runner.invoke(main, ["--config", str(config), *args, "memo", "computer_vision", "--as-of", "2016",
                                    "-o", str(out)], catch_exceptions=False)
    finally:
        os.environ.pop(cache_paths.ENV_OFF, None)
    return done


def test_memo_from_the_cache_is_the_same_bytes_without_scoring(cache, tmp_path, monkeypatch):
    """The first memo run stores the workbook; the second writes the same bytes with the
    scoring made impossible (so from the store), and still refuses to replace a file
    without --force. An edited template is another key."""
    import gapscore.scoring.signals.scores as scores
    from gapscore.scoring.report import memo

    runner = CliRunner()
    config = tmp_path / "cheap.toml"
    config.write_text(CHEAP, encoding="utf-8")
    done = _memo(runner, config, tmp_path / "fresh.xlsx", "--no-cache")
    assert done.exit_code == 0, done.output
    assert _bins(cache) == []  # --no-cache wrote nothing
    fresh = (tmp_path / "fresh.xlsx").read_bytes()
    assert _memo(runner, config, tmp_path / "cold.xlsx").exit_code == 0
    assert (tmp_path / "cold.xlsx").read_bytes() == fresh
    assert len(_bins(cache)) == 1

    def no_scoring(*args, **kwargs):
        raise AssertionError("scored although the memo was in the cache")

    monkeypatch.setattr(scores, "score_all", no_scoring)
    warm = _memo(runner, config, tmp_path / "warm.xlsx")
    assert warm.exit_code == 0, warm.output
    assert (tmp_path / "warm.xlsx").read_bytes() == fresh
    assert warm.stderr == done.stderr  # the same closing line, recommendation included
    (tmp_path / "keep.xlsx").write_bytes(b"keep me")
    refused = _memo(runner, config, tmp_path / "keep.xlsx")
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert (tmp_path / "keep.xlsx").read_bytes() == b"keep me"
    # Another template file (the bundled one with a comment added): another key, so a miss.
    template = tmp_path / "mine.toml"
    template.write_text((memo.BUNDLED_TEMPLATES / "memo.toml").read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="scored although"):
        runner.invoke(main, ["--config", str(config), "memo", "computer_vision", "--as-of", "2016", "-o",
                             str(tmp_path / "mine.xlsx"), "--template", str(template)], catch_exceptions=False)
    assert not (tmp_path / "mine.xlsx").exists()


def test_memo_all_from_the_cache_is_the_same_files_without_scoring(cache, tmp_path, monkeypatch):
    """``memo --all``: the second run writes the same files, byte for byte, from the store
    (the scoring made impossible), and refuses an existing folder's files without --force."""
    import gapscore.scoring.signals.scores as scores

    runner = CliRunner()
    config = tmp_path / "cheap.toml"
    config.write_text(CHEAP, encoding="utf-8")

    def memo_all(out, *args):
        return runner.invoke(main, ["--config", str(config), "memo", "--all", "--as-of", "2016", "-o", str(out), *args],
                             catch_exceptions=False)

    assert memo_all(tmp_path / "cold").exit_code == 0
    cold = {p.name: p.read_bytes() for p in (tmp_path / "cold").iterdir()}
    assert len(cold) > 5 and len(_bins(cache)) == 1

    def no_scoring(*args, **kwargs):
        raise AssertionError("scored although the memos were in the cache")

    monkeypatch.setattr(scores, "score_all", no_scoring)
    warm = memo_all(tmp_path / "warm")
    assert warm.exit_code == 0, warm.output
    assert {p.name: p.read_bytes() for p in (tmp_path / "warm").iterdir()} == cold
    assert sorted(warm.stdout.split()) == sorted(str(tmp_path / "warm" / n) for n in cold)
    refused = memo_all(tmp_path / "warm")
    assert refused.exit_code == 1 and "already exists" in refused.stderr
    assert memo_all(tmp_path / "warm", "--force").exit_code == 0
