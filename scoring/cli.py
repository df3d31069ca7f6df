"""The ``gapscore`` command line: thin click commands over library functions.

This is the only module that imports click and the only one that prints or exits.
Heavy libraries (pandas, statsmodels, openpyxl) are imported inside the commands
that need them, so ``gapscore --help`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import sys
from pathlib import Path

import click

from gapscore.scoring import __version__

FORMAT_OPTION_HELP = "Output format: a text table, JSON or CSV (JSON and CSV go to stdout)."


# --------------------------------------------------------------------------- plumbing


class AsOfDate(click.ParamType):
    """A date given as YYYY, YYYY-MM or YYYY-MM-DD (a year means its 31 December)."""

    name = "DATE"

    def convert(self, value, param, ctx):
        import pandas as pd

        if isinstance(value, pd.Timestamp):
            return value
        return pd.Timestamp(self.day(value, param, ctx))

    def day(self, value, param=None, ctx=None) -> dt.date:
        """The date ``value`` names (standard library only: no pandas import)."""
        import calendar

        if isinstance(value, dt.date):
            return value
        from gapscore.scoring.inputs import EARLIEST_DAY, LATEST_DAY

        text = str(value).strip()
        try:
            if len(text) == 4 and text.isdigit():
                day = dt.date(int(text), 12, 31)
            elif len(text) == 7 and text[4] == "-":
                year, month = int(text[:4]), int(text[5:])
                day = dt.date(year, month, calendar.monthrange(year, month)[1])
            else:
                day = dt.date.fromisoformat(text)
        except (ValueError, calendar.IllegalMonthError):
            self.fail(f"{value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD", param, ctx)
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            self.fail(f"{value!r} is outside {EARLIEST_DAY} to {LATEST_DAY}; check the year", param, ctx)
        return day


class AsOfDay(AsOfDate):
    """:class:`AsOfDate` as a ``datetime.date``, for a command that may answer from the
    answer cache before it imports pandas."""

    def convert(self, value, param, ctx):
        return self.day(value, param, ctx)


AS_OF = AsOfDate()
AS_OF_DAY = AsOfDay()


class Jobs(click.ParamType):
    """A number of worker processes: 1 or more, or -1 for every core."""

    name = "N"

    def convert(self, value, param, ctx):
        from gapscore.scoring.errors import ConfigError
        from gapscore.scoring.parallel import check_jobs  # the one rule for a number of workers

        jobs = int(value.strip()) if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()) else value
        try:
            return check_jobs(jobs)
        except ConfigError:
            self.fail(f"{value!r} is not a number of worker processes: give 1 or more, or -1 for every core", param, ctx)


JOBS = Jobs()


def today():
    """The CLI's only notion of 'now': passed down explicitly as ``as_of``."""
    import pandas as pd

    return pd.Timestamp(dt.date.today())


def format_option(f):
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
        show_default=True, help=FORMAT_OPTION_HELP,
    )(f)


def as_of_option(f, *, day=False):
    return click.option(
        "--as-of", "as_of", type=AS_OF_DAY if day else AS_OF, default=None,
        help="Use only data known on this date (YYYY, YYYY-MM or YYYY-MM-DD). Default: today.",
    )(f)


def as_of_day_option(f):
    """``--as-of`` parsed to a ``datetime.date`` (see :class:`AsOfDay`)."""
    return as_of_option(f, day=True)


class GapscoreGroup(click.Group):
    """Turns the library's own errors into one clear line each and exit status 1."""

    def invoke(self, ctx):
        from gapscore.models.exceptions import GapscoreError

        try:
            return super().invoke(ctx)
        except GapscoreError as exc:
            problems = getattr(exc, "problems", None) or str(exc).splitlines()
            for p in problems:
                click.echo(f"error: {p}", err=True)
            if len(problems) > 1:
                click.echo(f"{len(problems)} problem(s) found.", err=True)
            ctx.exit(1)
        except OSError as exc:
            name = getattr(exc, "filename", None) or ""
            advice = _OS_ERROR_ADVICE.get(exc.errno, "")
            click.echo(f"error: {name}: {exc.strerror or exc}{advice}", err=True)
            ctx.exit(1)


_OS_ERROR_ADVICE = {
    errno.EISDIR: " (a folder where a file is expected); give the file's path, or move the folder out of the way",
    errno.EACCES: " (cannot be read or written by you); change its permissions (chmod u+rw) or use a copy you own",
    errno.EPERM: " (cannot be read or written by you); change its permissions (chmod u+rw) or use a copy you own",
    errno.ENOENT: " (no such file); check the path",
    errno.ELOOP: " (symbolic links that loop); point the link at the file itself",
    errno.ENOSPC: " (the disk is full); free some space or write elsewhere",
}
"""What to do about an operating-system error no command turned into its own message."""


class Obj:
    """What every command gets: the data store and the config, each built on first use."""

    def __init__(self, data_dir, replace, config_path=None):
        self.data_dir = data_dir
        self.replace = replace
        self.config_path = config_path
        self._store = None
        self._config = None

    @property
    def config(self):
        if self._config is None:
            from gapscore.scoring.inputs.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    @property
    def store(self):
        if self._store is None:
            from gapscore.scoring.inputs.datasets import DataStore

            self._store = DataStore(Path(self.data_dir) if self.data_dir else None, replace=self.replace)
        return self._store


def answer(fmt, text, frame, payload):
    """A command's answer: its own text for the table format, else the frame as CSV or the payload as JSON."""
    if fmt == "table":
        click.echo(text, nl=False)
    else:
        emit(frame, fmt, payload=payload)


def emit(frame, fmt, *, payload=None):
    from gapscore.scoring.output import render

    click.echo(render(frame, fmt, payload=payload), nl=False)


# --------------------------------------------------------------------------- root


@click.group(cls=GapscoreGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="gapscore")
@click.option(
    "--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), envvar="GAPSCORE_DATA_DIR",
    help="Folder of your own datasets with the bundled names (sectors.toml, rounds.csv, ...). "
    "They extend the bundled data. Env: GAPSCORE_DATA_DIR.",
)
@click.option("--replace-data", is_flag=True, help="Files in --data-dir replace the bundled files of the same name.")
@click.option(
    "--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), envvar="GAPSCORE_CONFIG",
    help="Scoring config (TOML) overriding the defaults; write one with 'gapscore config init'. Env: GAPSCORE_CONFIG.",
)
@click.option(
    "--no-cache", is_flag=True,
    help="Recompute every curve fit instead of reading the fit cache in your cache directory "
    "(results are the same either way). Env: GAPSCORE_NO_CACHE=1; cache folder: GAPSCORE_CACHE_DIR.",
)
@click.option(
    "--jobs", type=JOBS, default=-1, show_default=True, envvar="GAPSCORE_JOBS",
    help="Worker processes for long computations (the calibration pool, backtests); -1 = every core, "
    "1 = this process only (results are the same either way). Env: GAPSCORE_JOBS.",
)
@click.pass_context
def main(ctx, data_dir, replace_data, config_path, no_cache, jobs):
    """gapscore: is this AI sector a seed bet, a Series B bet, or already done?

    Capability gaps to the human level, inference cost at constant capability and
    funding graduation, turned into stage-timing scores with their reasons.

    \b
    Examples:
      gapscore sectors
      gapscore data list
      gapscore data show capability --sector computer_vision
      gapscore --data-dir ./mydata data validate
    """
    if no_cache:  # through the environment, so parallel workers bypass it too
        os.environ["GAPSCORE_NO_CACHE"] = "1"
    from gapscore.scoring.parallel import default_jobs  # a light module: no pandas

    ctx.with_resource(default_jobs(jobs))
    ctx.obj = Obj(data_dir, replace_data, config_path)


@main.command("sectors")
@format_option
@click.pass_obj
def sectors_cmd(obj, fmt):
    """List the sectors: each leg's status (measured, borrowed, none), benchmarks, cost curve.

    capability: measured from the sector's own benchmarks, borrowed from other sectors'
    benchmarks, or none; cost: a price series on the sector's own benchmark or its own
    task's compute (measured), a price series on another sector's benchmark or a published
    anchor cost (borrowed), or none; funding: a mapped funding series, round categories or
    matching round keywords (measured), or none.

    \b
    Example:
      gapscore sectors --format json
    """
    import pandas as pd

    from gapscore.scoring.inputs.datasets import sector_legs

    rows = []
    for sid, t in obj.store.sectors().items():
        cost = t.get("cost", {})
        rows.append(dict(
            sector=sid, name=t["name"], **sector_legs(obj.store, sid),
            benchmarks=", ".join(t["benchmarks"]),
            cost_curve=(f"compute: {cost['capability']} >= {cost['capability_level']:g}" if cost.get("mode") == "compute"
                        else f"{cost['benchmark']} >= {cost['threshold']}") if cost else "",
            description=t["description"],
        ))
    emit(pd.DataFrame(rows), fmt)


# --------------------------------------------------------------------------- data


@main.group("data")
def data_group():
    """Inspect, validate and import datasets.

    \b
    Examples:
      gapscore data list
      gapscore data show benchmarks --sector speech_recognition
      gapscore data template rounds -o my_rounds.csv
      gapscore data validate --data-dir ./mydata
      gapscore data import --from crunchbase export.csv -o rounds.csv
    """


@data_group.command("list")
@format_option
@click.pass_obj
def data_list(obj, fmt):
    """List the datasets: rows, date range, files and sources.

    \b
    Example:
      gapscore data list --format csv
    """
    emit(obj.store.describe(), fmt)


DATASET_NAMES = ["sectors", "benchmarks", "capability", "prices", "hardware", "rounds", "exits", "graduation", "outcomes"]


@data_group.command("show")
@click.argument("name", type=click.Choice(DATASET_NAMES))
@click.option("--sector", help="Only rows that belong to this sector.")
@as_of_option
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most this many rows (table format default: 50).")
@format_option
@click.pass_obj
def data_show(obj, name, sector, as_of, limit, fmt):
    """Show a dataset's rows, optionally for one sector and as of a date.

    \b
    Examples:
      gapscore data show capability --sector computer_vision --as-of 2016
      gapscore data show prices --format csv > prices.csv
    """
    from gapscore.scoring.inputs.datasets import public, sector_rows

    if name == "sectors":
        import pandas as pd

        tables = obj.store.sectors()
        if sector:
            tables = {sector: obj.store.sector(sector)}
        frame = pd.DataFrame([{k: (", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in t.items() if not isinstance(v, dict)} for t in tables.values()])
        emit(frame, fmt, payload=tables)
        return
    frame = obj.store.as_of(name, as_of) if as_of is not None else obj.store.load(name)
    if sector:
        frame = sector_rows(obj.store, name, frame, sector)
    frame = public(frame)
    if limit is None and fmt == "table":
        limit = 50
    if limit is not None and len(frame) > limit:
        click.echo(f"showing {limit} of {len(frame)} rows (use --limit or --format csv for all)", err=True)
        frame = frame.head(limit)
    emit(frame, fmt)


@data_group.command("template")
@click.argument("name", type=click.Choice(DATASET_NAMES + ["holdings", "sector"]))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File to write (for 'sector': the folder to write its three files into).")
@click.option("--id", "sector_id", default="my_sector", show_default=True, help="With 'sector': the new sector's id (snake_case).")
@click.option("--force", is_flag=True, help="Replace the file(s) if they exist.")
def data_template(name, output, sector_id, force):
    """Write an empty file with a dataset's columns, to fill in.

    'holdings' writes a filled example (fictional companies in bundled sectors) that
    'gapscore portfolio review' accepts as it is: replace its rows with your own book.
    'sector' writes a new sector's three files into the folder OUTPUT: a commented
    sectors.toml table and the matching empty benchmarks.csv and capability.csv
    (walk-through: docs/adding-a-sector.md).

    \b
    Examples:
      gapscore data template rounds -o rounds.csv
      gapscore data template holdings -o holdings.csv
      gapscore data template sectors -o sectors.toml
      gapscore data template sector --id protein_structure -o mydata
    """
    from gapscore.scoring.inputs.datasets import BUNDLED_DIR, sector_template, template_frame
    from gapscore.scoring.output import check_target, frame_to_csv, write_text

    if name == "sector":
        try:
            files = sector_template(sector_id)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--id") from None
        if output.exists() and not output.is_dir():
            raise click.BadParameter(f"{output} is a file; give a folder to write the sector's three files into", param_hint="-o")
        for file in files:  # refuse before writing anything
            check_target(output / file, force)
        for file, text in files.items():
            write_text(output / file, text, force=force)
            click.echo(f"wrote {output / file}", err=True)
        return
    if output.is_dir():
        raise click.BadParameter(f"{output} is a folder; give the file to write", param_hint="-o")
    if name == "sectors":
        text = (BUNDLED_DIR / "sectors.toml").read_text(encoding="utf-8")
    elif name == "holdings":
        from gapscore.scoring.portfolio.builder import example_holdings

        text = frame_to_csv(example_holdings())
    else:
        text = frame_to_csv(template_frame(name))
    write_text(output, text, force=force)
    click.echo(f"wrote {output}", err=True)


@data_group.command("validate")
@click.option("--data-dir", "local_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Validate this folder (same as the global --data-dir).")
@click.pass_obj
def data_validate(obj, local_dir):
    """Check every dataset against its schema; list every problem, one per line.

    Exit status 1 when anything is wrong.

    \b
    Examples:
      gapscore data validate
      gapscore data validate --data-dir ./mydata
    """
    from gapscore.scoring.errors import DataValidationError

    if local_dir is not None:
        obj.data_dir = local_dir
    obj.config  # the --config file is checked as 'score' checks it (raises its own one-line error)
    problems = obj.store.validate_all()
    if problems:
        raise DataValidationError(problems)
    for line in obj.store.replaced() + obj.store.unread_files():  # nothing replaced or skipped unsaid
        click.echo(f"note: {line}", err=True)
    files = sum(len(obj.store.files(n)) for n in DATASET_NAMES)
    click.echo(f"ok: {files} files valid", err=True)


@data_group.command("import")
@click.option("--from", "vendor", type=click.Choice(["crunchbase", "pitchbook"]), required=True, help="The vendor whose export FILE is.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="rounds.csv to write.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="TOML or JSON file mapping our columns to your export's headers, e.g. company = \"Company Name\".")
@click.option("--force", is_flag=True, help="Replace the output if it exists.")
@click.pass_obj
def data_import(obj, vendor, file, output, mapping, force):
    """Map a Crunchbase or PitchBook export (CSV or .xlsx) into the rounds schema.

    \b
    Expected headers (override any with --mapping):
      crunchbase: Organization Name, Funding Type, Announced Date,
                  Money Raised (in USD), Organization Industries
      pitchbook:  Companies (or Company Name), Deal Date, Deal Type, Series,
                  Deal Size (USD millions), Primary Industry Sector/Group/Code,
                  Verticals

    Ends with how many rows map to each sector (round_keywords and
    round_categories in sectors.toml, --data-dir included), how many to none,
    and every round label that could not be mapped.

    \b
    Examples:
      gapscore data import --from crunchbase cb_export.csv -o mydata/rounds.csv
      gapscore data import --from pitchbook deals.xlsx --mapping map.toml -o mydata/rounds.csv
    """
    from gapscore.scoring.inputs.importers import import_report, import_vendor, read_mapping
    from gapscore.scoring.output import frame_to_csv, write_text

    mapped = read_mapping(mapping) if mapping else None
    frame = import_vendor(file, vendor, mapping=mapped)
    write_text(output, frame_to_csv(frame), force=force)
    click.echo(f"wrote {len(frame)} rounds to {output}", err=True)
    for line in import_report(frame, obj.store.sectors()):
        click.echo(line, err=True)


# --------------------------------------------------------------------------- config


@main.group("config")
def config_group():
    """Show or write the scoring configuration (weights, windows, thresholds).

    \b
    Examples:
      gapscore config show
      gapscore config init -o gapscore.toml
      gapscore --config gapscore.toml score
    """


@config_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml", show_default=True, help="Output format.")
@click.pass_obj
def config_show(obj, fmt):
    """Print the effective configuration (defaults plus --config overrides).

    \b
    Examples:
      gapscore config show
      gapscore --config mine.toml config show --format json
    """
    from gapscore.scoring.inputs.config import to_toml
    from gapscore.scoring.output import dumps_json

    click.echo(to_toml(obj.config) if fmt == "toml" else dumps_json(obj.config), nl=False)


@config_group.command("init")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def config_init(output, force):
    """Write an editable copy of the default configuration, with every source.

    \b
    Example:
      gapscore config init -o gapscore.toml
    """
    from gapscore.scoring.inputs.config import defaults_text
    from gapscore.scoring.output import write_text

    write_text(output, defaults_text(), force=force)
    click.echo(f"wrote {output}; use it with --config {output}", err=True)


# --------------------------------------------------------------------------- curves


def resolve_as_of(as_of):
    return today() if as_of is None else as_of


@main.group("curve")
def curve_group():
    """The models one at a time: capability, cost, graduation, unit economics.

    \b
    Examples:
      gapscore curve capability computer_vision --as-of 2016
      gapscore curve cost llm_assistants --format json
      gapscore curve cost --prices prices.csv --benchmark mmlu --threshold 43.9
      gapscore curve graduation --category software --within 24 --as-of 2013-10-01
      gapscore curve economics llm_assistants
    """


@curve_group.command("capability")
@click.argument("sector")
@as_of_option
@format_option
@click.pass_obj
def curve_capability(obj, sector, as_of, fmt):
    """Capability of a sector against the human level: level, velocity, threshold years.

    \b
    Example:
      gapscore curve capability speech_recognition --as-of 2015 --format json
    """
    from gapscore.scoring.signals import curves

    result = curves.capability(obj.store, sector, resolve_as_of(as_of), obj.config)
    if "text" in result:
        answer(fmt, result["text"], result["table"], result["json"])
    else:
        emit(result["table"], fmt, payload=result["json"])


@curve_group.command("cost")
@click.argument("sector", required=False)
@click.option("--prices", "prices_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A prices CSV (model, date, usd_per_mtok, one column per benchmark).")
@click.option("--benchmark", help="Benchmark column the threshold applies to (with --prices).")
@click.option("--threshold", type=float, help="Score at or above which models count (with --prices).")
@as_of_option
@format_option
@click.pass_obj
def curve_cost(obj, sector, prices_file, benchmark, threshold, as_of, fmt):
    """Price at constant capability: decline per year (fitted and shrunk), span, projection, viable year.

    The table shows the headline, then the frontier; --format csv gives the frontier,
    --format json both and the projection by year.

    \b
    Examples:
      gapscore curve cost llm_assistants
      gapscore curve cost --prices prices.csv --benchmark mmlu --threshold 43.9 --as-of 2025-02
    """
    from gapscore.scoring.signals import curves

    if prices_file is None and sector is None:
        raise click.UsageError("give a SECTOR, or --prices FILE with --benchmark and --threshold")
    if prices_file is not None and (benchmark is None or threshold is None):
        raise click.UsageError("--prices needs --benchmark and --threshold")
    result = curves.cost(obj.store, sector, resolve_as_of(as_of), obj.config, prices_file=prices_file, benchmark=benchmark, threshold=threshold)
    if fmt == "table" and len(result.get("lead", ())):
        emit(result["lead"], fmt)  # the headline first: rates, span, projection, viable year
        click.echo()
    emit(result["table"], fmt, payload=result["json"])


@curve_group.command("graduation")
@click.argument("sector", required=False)
@click.option("--category", "categories", multiple=True, help="Round category (repeatable); default: the sector's, or all rounds.")
@click.option("--rounds", "rounds_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A rounds file (CSV, .csv.gz or .parquet) instead of the bundled rounds.")
@click.option("--from", "from_round", type=click.Choice(["pre_seed", "seed", "series_a", "series_b", "series_c"]), default="seed", show_default=True)
@click.option("--to", "to_round", type=click.Choice(["seed", "series_a", "series_b", "series_c", "series_d_plus"]), default="series_a", show_default=True)
@click.option("--within", "within", type=click.IntRange(1, 240), default=24, show_default=True, help="Window in months.")
@as_of_option
@format_option
@click.pass_obj
def curve_graduation(obj, sector, categories, rounds_file, from_round, to_round, within, as_of, fmt):
    """Cohort graduation rates (Wilson intervals) and time to next round (Kaplan-Meier).

    \b
    Examples:
      gapscore curve graduation --as-of 2013-10-01
      gapscore curve graduation --category software --from series_a --to series_b --within 36
      gapscore curve graduation --rounds mydeals.csv --format json
    """
    from gapscore.scoring.signals import curves

    result = curves.graduation(obj.store, sector, resolve_as_of(as_of), obj.config, categories=list(categories), rounds_file=rounds_file, from_round=from_round, to_round=to_round, within=within)
    answer(fmt, result["text"], result["table"], result["json"])
    click.echo(f"note: {result['json']['note']}", err=True)


@curve_group.command("economics")
@click.argument("sector")
@as_of_option
@format_option
@click.pass_obj
def curve_economics(obj, sector, as_of, fmt):
    """Inference cost as a share of revenue, gross margin, and the year it turns viable.

    \b
    Example:
      gapscore curve economics code_assistants --format json
    """
    from gapscore.scoring.signals import curves

    result = curves.economics(obj.store, sector, resolve_as_of(as_of), obj.config)
    if fmt == "table" and len(result.get("lead", ())):
        emit(result["lead"], fmt)  # the headline first: rates, span, viable year
        click.echo()
    emit(result["table"], fmt, payload=result["json"])


# --------------------------------------------------------------------------- scores


@main.command("score")
@as_of_day_option
@click.option("--sector", "sectors", multiple=True, help="Only this sector (repeatable).")
@click.option("--rank-by", "rank_by", type=click.Choice(["best", "early", "seed", "series_a", "series_b", "growth"]), default="best",
              show_default=True, help="Rank on the best stage score, the early-stage case (max of seed and series_a), or one stage.")
@format_option
@click.pass_obj
def score_cmd(obj, as_of, sectors, rank_by, fmt):
    """Stage-timing scores (seed, Series A, Series B, growth) for every sector, ranked.

    The ranking is by the best stage score unless --rank-by says otherwise; the
    table's first lines say what it ranks by, the top sector and the strongest
    early-stage case.

    \b
    Examples:
      gapscore score
      gapscore score --rank-by early
      gapscore score --as-of 2017 --sector computer_vision --format json
      gapscore --config mine.toml score --format csv
    """
    from gapscore.scoring import answer_cache

    day = as_of or dt.date.today()
    # The answer cache first (scoring/answer_cache.py: keyed by every data file, the
    # config, the arguments and the code), before pandas is imported.
    key = answer_cache.key("score", {"as_of": day.isoformat(), "sectors": list(sectors), "rank_by": rank_by},
                           data_dir=obj.data_dir, replace=obj.replace, config_path=obj.config_path)
    known = answer_cache.get(key)
    if known is None:
        import pandas as pd

        from gapscore.scoring.output import render
        from gapscore.scoring.signals.scores import rank, ranking_frame, ranking_text, score_all

        results = rank(score_all(obj.store, pd.Timestamp(day), obj.config, list(sectors) or None,
                                 progress=_progress("scoring")), rank_by)
        frame, payload = ranking_frame(results, rank_by), [r.as_dict() for r in results]
        known = {"table": ranking_text(results, rank_by), "json": render(frame, "json", payload=payload),
                 "csv": render(frame, "csv", payload=payload)}
        answer_cache.put(key, known)
    click.echo(known[fmt], nl=False)


@main.command("explain")
@click.argument("sector")
@as_of_option
@format_option
@click.pass_obj
def explain_cmd(obj, sector, as_of, fmt):
    """Why a sector scores as it does: contributions, reasons, and a sensitivity table.

    \b
    Examples:
      gapscore explain computer_vision --as-of 2017
      gapscore explain llm_assistants --format json
    """
    from gapscore.scoring.signals.scores import explain

    result = explain(obj.store, sector, resolve_as_of(as_of), obj.config)
    answer(fmt, result["text"], result["sensitivity"], result["json"])


@main.command("diff")
@click.option("--from", "date_from", type=AS_OF, required=True, help="The earlier as-of date (YYYY, YYYY-MM or YYYY-MM-DD).")
@click.option("--to", "date_to", type=AS_OF, default=None, help="The later as-of date. Default: today.")
@click.option("--sector", "sectors", multiple=True, help="Only this sector (repeatable).")
@format_option
@click.pass_obj
def diff_cmd(obj, date_from, date_to, sectors, fmt):
    """What changed between two dates: sectors whose recommendation or stage scores moved.

    Each moved sector with the factor contributions that moved it (points = weight x
    factor value, at both dates) and the data rows behind the move: capability,
    prices, rounds, graduation and outcomes rows known at --to but not at --from.

    \b
    Examples:
      gapscore diff --from 2024-12-31 --to 2025-12-31
      gapscore diff --from 2024 --sector llm_assistants --format json
    """
    from gapscore.scoring.signals.diff import diff

    result = diff(obj.store, date_from, resolve_as_of(date_to), obj.config, list(sectors) or None, progress=_progress("scoring"))
    answer(fmt, result.text(), result.frame(), result.as_dict())


# --------------------------------------------------------------------------- backtest


@main.command("backtest")
@click.argument("sectors", nargs=-1)
@click.option("--all", "all_sectors", is_flag=True, help="Every sector (the default when no SECTOR is named).")
@click.option("--from", "first_year", type=click.IntRange(1950, 2100), default=2010, show_default=True, help="First as-of year.")
@click.option("--to", "last_year", type=click.IntRange(1950, 2100), default=None, help="Last as-of year. Default: last year.")
@click.option("--step", default="1y", show_default=True, help="Between as-of dates: 1y (every 31 December), 6m, 3m ...")
@click.option("--calibration", "calibration_scope", type=click.Choice(["sectors", "all"]), default="sectors", show_default=True,
              help="Also backtest the capability forecaster alone: over the named sectors' benchmarks with a human baseline, or all of them.")
@click.option("--no-calibration", is_flag=True, help="Skip the calibration of the capability forecaster.")
@click.option("--benchmark", "benchmarks", multiple=True, help="Calibrate only this benchmark (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the report: .xlsx (timeline charts, metrics, calibration, sources) or .csv (the rows).")
@click.option("--force", is_flag=True, help="Replace the report if it exists.")
@click.option("--jobs", type=JOBS, default=None,
              help="Worker processes; -1 = every core. Default: gapscore --jobs (every core).")
@click.option("--scheduler", default=None, help="Run the work on a Dask cluster at this address (needs gapscore[dask]).")
@format_option
@click.pass_obj
def backtest_cmd(obj, sectors, all_sectors, first_year, last_year, step, calibration_scope, no_calibration, benchmarks, output, force, jobs,
                 scheduler, fmt):
    """What gapscore would have said each year, point in time, against what happened.

    Each as-of date uses only the rows known then (dated, or published, on or
    before it). The rows are scored against realized history (outcomes.csv and the
    capability data known today): lead times of the first seed call, Series B calls
    against funding, rank correlations, and baselines (always invest, follow funding
    momentum, capability level alone). The calibration checks the capability
    forecaster's 80% intervals against the years benchmarks really crossed.

    \b
    Examples:
      gapscore backtest computer_vision --from 2010 --to 2024
      gapscore backtest --all --jobs 2 -o backtest.xlsx
      gapscore backtest computer_vision --no-calibration --format json
      gapscore backtest computer_vision --calibration all
      gapscore backtest --all --step 6m --format csv > rows.csv
    """
    from gapscore.scoring.backtest.engine import as_of_dates, parse_step, rows_frame, run_backtest, summary_text
    from gapscore.scoring.output import check_target

    if sectors and all_sectors:
        raise click.UsageError("name SECTORs or give --all, not both")
    if output is not None:
        if output.suffix.lower() not in (".xlsx", ".csv"):
            raise click.UsageError(f"-o {output}: the report must end in .xlsx or .csv")
        check_target(output, force)  # before the work, not after
    store, cfg = obj.store, obj.config
    names = list(sectors) or list(store.sectors())
    last = last_year if last_year is not None else today().year - 1
    dates = as_of_dates(first_year, last, parse_step(step))
    cal_dates = as_of_dates(first_year, last, int(cfg["backtest"]["calibration_step_months"]))
    tick = _progress("backtest")
    result = run_backtest(store, names, dates, cfg, truth_as_of=today(), calibration=not no_calibration,
                          calibration_benchmarks=list(benchmarks) or None, calibration_dates=cal_dates,
                          calibration_scope=calibration_scope,
                          jobs=jobs, scheduler=scheduler,
                          progress=None if tick is None else (lambda what, i, n, name: tick(i, n, f"{what} {name}")))
    if output is not None:
        if output.suffix.lower() == ".xlsx":
            from gapscore.scoring.report.backtest_book import write_workbook

            write_workbook(result, output, force=force)
        else:
            from gapscore.scoring.output import frame_to_csv, write_text

            write_text(output, frame_to_csv(result.frame), force=force)
        click.echo(f"wrote {output}", err=True)
    answer(fmt, summary_text(result), rows_frame(result.rows), result.payload())


# --------------------------------------------------------------------------- portfolio


@main.group("portfolio")
def portfolio_group():
    """Build a fund on the stage scores and simulate it; review an existing portfolio.

    The fund's constraints and the simulation's parameters, each with its source,
    are in the [portfolio] section of the configuration ('gapscore config show').

    \b
    Examples:
      gapscore portfolio build -o portfolio.xlsx
      gapscore portfolio build --as-of 2019 --fund-size 100e6 --sims 1000000 --format json
      gapscore portfolio review holdings.csv --as-of 2024-06-30
    """


@portfolio_group.command("build")
@as_of_option
@click.option("--sector", "sectors", multiple=True, help="Only these sectors are candidates (repeatable). Default: every sector.")
@click.option("--fund-size", "fund_size", type=click.FloatRange(min=0, min_open=True), help="Committed fund size in USD, e.g. 100e6. Default: portfolio.fund_size_usd.")
@click.option("--sims", type=click.IntRange(min=1), help="Simulated funds. Default: portfolio.sims.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the random streams; the same seed gives the same numbers. Default: portfolio.seed.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write an Excel workbook: allocation, outcome histogram (chart), assumptions.")
@click.option("--force", is_flag=True, help="Replace the workbook if it exists.")
@format_option
@click.pass_obj
def portfolio_build(obj, as_of, sectors, fund_size, sims, seed, output, force, fmt):
    """Allocate a fund across sectors and stages from the scores; simulate its TVPI.

    Checks per sector and stage follow the stage scores under the fund's constraints
    (fund size, check sizes, reserve, sector cap, stage mix), each row with its
    reason. Companies then climb the rounds in a seeded Monte Carlo with correlated
    sector shocks, dilution, follow-ons from the reserve and heavy-tailed exits.

    \b
    Examples:
      gapscore portfolio build
      gapscore portfolio build --as-of 2019 --sims 20000 --seed 7 --format json
      gapscore --config fund.toml portfolio build --fund-size 150e6 -o fund.xlsx --force
    """
    from gapscore.scoring.portfolio import builder as portfolio
    from gapscore.scoring.output import check_target

    if output is not None:
        check_target(output, force)  # before the work, not after
    result = portfolio.build(obj.store, resolve_as_of(as_of), obj.config, sectors=list(sectors) or None,
                             fund_size_usd=fund_size, sims=sims, seed=seed, progress=_progress("scoring"))
    if output is not None:
        from gapscore.scoring.report.portfolio_book import write_build_workbook

        write_build_workbook(result, output, force=force)
        click.echo(f"wrote {output}", err=True)
    answer(fmt, result.text(), result.allocation, result.as_dict())


@portfolio_group.command("review")
@click.argument("holdings", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@as_of_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Also write an Excel workbook: holdings with signals, exposure.")
@click.option("--force", is_flag=True, help="Replace the workbook if it exists.")
@format_option
@click.pass_obj
def portfolio_review(obj, holdings, as_of, output, force, fmt):
    """Signals for each holding (follow on, hold, prepare exit) and the fund's exposure.

    HOLDINGS is a CSV with company, sector, stage, invested_usd, date (write an empty
    one with 'gapscore data template holdings'). Investments dated after --as-of are
    ignored.

    \b
    Examples:
      gapscore portfolio review holdings.csv
      gapscore portfolio review holdings.csv --as-of 2024-06-30 --format json
    """
    from gapscore.scoring.portfolio import builder as portfolio
    from gapscore.scoring.output import check_target

    if output is not None:
        check_target(output, force)  # before the work, not after
    result = portfolio.review(obj.store, holdings, resolve_as_of(as_of), obj.config, progress=_progress("scoring"))
    if result.ignored:
        click.echo(f"ignored {result.ignored} investment(s) dated after {result.as_of.date()}", err=True)
    if output is not None:
        from gapscore.scoring.report.portfolio_book import write_review_workbook

        write_review_workbook(result, output, force=force)
        click.echo(f"wrote {output}", err=True)
    answer(fmt, result.text(), result.holdings, result.as_dict())


# --------------------------------------------------------------------------- memo


@main.command("memo")
@click.argument("sector", required=False)
@click.option("--all", "all_sectors", is_flag=True, help="One memo per sector, written into the folder given with -o.")
@as_of_day_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, help="The .xlsx to write (with --all: a folder). Default: SECTOR-memo-ASOF.xlsx here.")
@click.option("--template", default=None, help="Memo layout: a bundled name ('memo') or a TOML file; ./templates and $GAPSCORE_TEMPLATES are searched first.")
@click.option("--force", is_flag=True, help="Replace existing files.")
@click.option("--since", "since", type=AS_OF_DAY, default=None,
              help="Add a 'What changed' sheet: the scores and contributions on this earlier date against the as-of date, and the new rows.")
@click.pass_obj
def memo_cmd(obj, sector, all_sectors, as_of, output, template, force, since):
    """Write an Excel investment memo: scores, reasons, native charts, live formulas.

    The Scoring sheet holds every weight, window and threshold as a named input
    cell, and the stage scores as formulas over them: edit an input in Excel or
    LibreOffice and the scores move as 'gapscore score --config' would.

    \b
    Examples:
      gapscore memo computer_vision --as-of 2017 -o cv-2017.xlsx
      gapscore memo --all -o memos/
      gapscore memo llm_assistants --template my_layout.toml --force
      gapscore memo code_assistants --as-of 2025-12-31 --since 2024-12-31
    """
    from gapscore.scoring import answer_cache
    from gapscore.scoring.files import write_bytes
    from gapscore.scoring.report.memo_files import check_memo_target, memo_filename_for, memo_key

    if bool(sector) == bool(all_sectors):
        raise click.UsageError("give a SECTOR, or --all with -o DIR")
    day = as_of or dt.date.today()
    if all_sectors:
        if output is None:
            raise click.UsageError("--all needs -o DIR")
        return _memo_all(obj, day, output, template, force)
    if since is not None and since >= day:
        raise click.UsageError(f"--since {since} must be before the as-of date {day}")
    # The finished workbook from the answer cache (scoring/report/memo_files.py: keyed by
    # every data file, the config, the arguments, the template and the code), before
    # pandas is imported: a memo of unchanged inputs is the same bytes.
    key = memo_key("memo", {"sector": sector, "as_of": day.isoformat(), "since": since and since.isoformat()}, template,
                   data_dir=obj.data_dir, replace=obj.replace, config_path=obj.config_path)
    path = output or Path(memo_filename_for(sector, day))  # the name memo --all gives it: a sector id is not a path
    known = answer_cache.get_bytes(key)
    if known is None:
        import pandas as pd

        from gapscore.scoring.report import memo as report
        from gapscore.scoring.signals.scores import score_all

        (result,) = score_all(obj.store, pd.Timestamp(day), obj.config, [sector], progress=_progress("scoring"))
        changes = None
        if since is not None:
            from gapscore.scoring.signals.diff import sector_diff

            changes = sector_diff(obj.store, sector, pd.Timestamp(since), pd.Timestamp(day), obj.config)
        target = check_memo_target(path, force)
        data = report.memo_bytes(result, obj.config, obj.store, template=template, changes=changes)
        written = write_bytes(target, data, force=force)
        recommendation = result.result.recommendation
        answer_cache.put_bytes(key, data, {"recommendation": recommendation})
    else:
        meta, data = known
        written = write_bytes(check_memo_target(path, force), data, force=force)
        recommendation = meta.get("recommendation", "")
    click.echo(str(written))
    click.echo(f"memo for {sector} as of {day.isoformat()}: {recommendation}", err=True)


def _memo_all(obj, day, output, template, force):
    """``memo --all``: one memo per bundled sector into the folder ``output``; the
    workbooks kept together in the answer cache (one entry: the file names and sizes,
    then the bytes one after another)."""
    from gapscore.scoring import answer_cache
    from gapscore.scoring.files import write_bytes
    from gapscore.scoring.report.memo_files import check_memo_folder, memo_key

    key = memo_key("memo --all", {"as_of": day.isoformat()}, template, data_dir=obj.data_dir, replace=obj.replace,
                   config_path=obj.config_path)
    known = answer_cache.get_bytes(key)
    if known is not None:
        meta, blob = known
        files = meta.get("files")
        well_formed = isinstance(files, list) and all(
            isinstance(f, list) and len(f) == 3 and isinstance(f[2], int) for f in files)
        if well_formed and sum(size for _, _, size in files) == len(blob):
            targets = check_memo_folder(output, [(sector, name) for sector, name, _ in files], force)
            paths, at = [], 0
            for target, (_, _, size) in zip(targets, files):
                paths.append(write_bytes(target, blob[at:at + size], force=force))
                at += size
            for p in paths:
                click.echo(str(p))
            return
    import pandas as pd

    from gapscore.scoring.report import memo as report
    from gapscore.scoring.signals.scores import score_all

    results = score_all(obj.store, pd.Timestamp(day), obj.config, progress=_progress("scoring"))
    kept: list[tuple[str, str, bytes]] = []
    with click.progressbar(length=len(results), label="writing memos", file=sys.stderr) as bar:
        paths = report.write_memos(results, obj.config, obj.store, output, template=template, force=force,
                                   progress=lambda *_: bar.update(1),
                                   keep=lambda score, path, data: kept.append((score.sector, path.name, data)))
    answer_cache.put_bytes(key, b"".join(data for _, _, data in kept),
                           {"files": [[sector, name, len(data)] for sector, name, data in kept]})
    for p in paths:
        click.echo(str(p))


#: Seconds a command runs before it shows progress (a faster command stays quiet).
PROGRESS_AFTER_S = 2.0


def _progress(label):
    """A progress callback on stderr, shown once the work has taken PROGRESS_AFTER_S
    (silent when stderr is not a terminal)."""
    if not sys.stderr.isatty():
        return None
    import time

    start = time.monotonic()

    def tick(done, total, name=""):
        if time.monotonic() - start < PROGRESS_AFTER_S:
            return
        click.echo(f"\r{label}: {done}/{total} {name}".ljust(60), err=True, nl=(done == total))

    return tick


def run():  # pragma: no cover - console entry point alias
    main(prog_name="gapscore")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(prog_name="gapscore"))
