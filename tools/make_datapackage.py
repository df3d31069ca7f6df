"""Write data/datapackage.json: a Frictionless Data Package describing every bundled file.

Fields and types come from the files' headers and the pandera schemas; descriptions,
units, sources and licences from the tables below. Run after any change to data/:

    python tools/make_datapackage.py
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

LICENCES = {
    "cc-by-4.0": {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "Creative Commons Attribution 4.0"},
    "cc-by-sa-4.0": {"name": "CC-BY-SA-4.0", "path": "https://creativecommons.org/licenses/by-sa/4.0/", "title": "Creative Commons Attribution Share-Alike 4.0"},
    "mit": {"name": "MIT", "path": "https://opensource.org/licenses/MIT", "title": "MIT License"},
    "apache-2.0": {"name": "Apache-2.0", "path": "https://www.apache.org/licenses/LICENSE-2.0", "title": "Apache License 2.0"},
    "facts": {"name": "facts", "title": "Published figures cited row by row (facts are not copyrightable; each row names its source)"},
}

SOURCES = {
    "eff": {"title": "EFF AI Progress Measurement", "path": "https://github.com/AI-metrics/AI-metrics"},
    "pwc": {"title": "Papers with Code SOTA extractor", "path": "https://github.com/paperswithcode/sota-extractor"},
    "epoch-prices": {"title": "Epoch AI, LLM inference prices have fallen rapidly but unequally across tasks", "path": "https://github.com/epoch-research/llm-benchmark-efficiency"},
    "epoch-bench": {"title": "Epoch AI benchmarking data", "path": "https://github.com/epoch-research/benchmark-stitching"},
    "epoch-hw": {"title": "Epoch AI, training cost trends: hardware prices and chip dataset", "path": "https://github.com/epoch-research/training-cost-trends"},
    "aa": {"title": "Artificial Analysis model panel, via Gundlach et al., Algorithmic Progress in Inference", "path": "https://github.com/hansgundlach/Algorithmic_Progress_Inference"},
    "crunchbase": {"title": "Crunchbase October 2013 export (attribute Crunchbase)", "path": "https://github.com/datahoarder/crunchbase-october-2013"},
    "seed": {"title": "The inference cost article (PaleBlueDot AI acknowledgement), 2024"},
    "cbinsights": {"title": "CB Insights, Venture Capital Funnel"},
    "carta": {"title": "Carta data (secondary sources named per row)"},
    "aiindex": {"title": "Stanford AI Index 2024 and 2025"},
    "ncses": {"title": "PitchBook via NSF NCSES, Science and Engineering Indicators 2020 (table S8-65) and 2022 (table SKTI-21)", "path": "https://ncses.nsf.gov/indicators"},
    "funding-reports": {"title": "Report figures on AI venture funding: Stanford AI Index 2020, 2021, 2023 (NetBase Quid) and 2024, 2025 (Stanford HAI); OECD, Tricot 2021 (Preqin); PitchBook AI & ML (via VentureBeat; 2023 overview); Crunchbase AI (secondary); Crunchbase News (autonomous vehicles); Rock Health via eMarketer (AI-enabled digital health); CB Insights Research (voice AI)"},
}

RESOURCES = {
    "sectors.toml": ("Sector definitions: benchmarks, cost curve, round categories and unit-economics inputs, each with a citation or a named assumption.", ["seed", "epoch-prices"], ["facts"]),
    "benchmarks.csv": ("Benchmarks with their human baseline and floor (chance or trivial level); the gap between them is what capability closes.", ["eff", "epoch-bench"], ["cc-by-sa-4.0", "facts"]),
    "capability.csv": ("Dated benchmark results (every result, not only the frontier).", ["eff", "pwc", "epoch-bench"], ["cc-by-sa-4.0", "apache-2.0", "mit"]),
    "prices.csv": ("LLM prices at release in USD per 1M tokens (3:1 input:output blend) with benchmark scores.", ["epoch-prices", "aa"], ["facts"]),
    "hardware.csv": ("Accelerator purchase and rental prices and throughput relative to the H100.", ["epoch-hw", "seed"], ["facts"]),
    "rounds.csv.gz": ("Funding rounds of US companies to October 2013, round labels normalised.", ["crunchbase"], ["cc-by-4.0"]),
    "exits.csv": ("Exits (acquisitions, IPOs, closures) of the same companies.", ["crunchbase"], ["cc-by-4.0"]),
    "graduation.csv": ("Published aggregate graduation rates, dated by publication.", ["cbinsights", "carta", "seed"], ["facts"]),
    "funding.csv": ("Yearly AI venture funding by sector, vertical or focus area, USD millions, one row per series, year and edition (dated by publication).", ["ncses", "funding-reports"], ["cc-by-sa-4.0", "facts"]),
    "outcomes.csv": ("Realized sector history for backtests, dated by publication.", ["aiindex", "seed"], ["facts"]),
}

UNITS = {
    "usd_per_mtok": "USD per 1M tokens (3:1 input:output blend)",
    "purchase_usd": "USD per chip",
    "usd_per_hour": "USD per chip-hour",
    "relative_throughput": "ratio to NVIDIA H100 SXM",
    "amount_usd": "USD",
    "usd_millions": "USD millions (current dollars)",
    "window_months": "months",
    "rate": "share, 0-1",
    "human_baseline": "in the benchmark's unit (see unit)",
    "floor": "in the benchmark's unit (see unit)",
    "value": "in the benchmark's unit (benchmarks.csv)",
}


def _type(dtype: str) -> str:
    dtype = dtype.lower()
    if "datetime" in dtype:
        return "date"
    if "bool" in dtype:
        return "boolean"
    if "float" in dtype or "int" in dtype:
        return "number"
    return "string"


def _header(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig") as fh:
        return fh.readline().strip().split(",")


def build() -> dict:
    sys.path.insert(0, str(ROOT))
    from gapscore.scoring.inputs.datasets import DATASETS

    resources = []
    for fname, (description, sources, licences) in RESOURCES.items():
        path = DATA / fname
        if not path.exists():
            raise SystemExit(f"missing {path}")
        res = {
            "name": fname.split(".")[0],
            "path": fname,
            "description": description,
            "sources": [SOURCES[s] for s in sources],
            "licenses": [LICENCES[l] for l in licences],
        }
        if fname.endswith(".toml"):
            res.update(format="toml", mediatype="application/toml")
        else:
            spec = DATASETS[res["name"]]
            schema_cols = {n: c for n, c in spec.schema.to_schema().columns.items()}
            fields = []
            for col in _header(path):
                field = {"name": col}
                c = schema_cols.get(col)
                field["type"] = _type(str(c.dtype)) if c is not None else ("number" if col in ("mmlu", "gpqa_diamond", "humaneval", "math500", "math_level5", "chatbot_arena_elo", "swe_bench_verified") else "string")
                if c is not None:
                    field["constraints"] = {"required": not c.nullable} if c.required else {}
                if col in UNITS:
                    field["unit"] = UNITS[col]
                fields.append(field)
            res.update(format="csv", schema={"fields": fields})
            if fname.endswith(".gz"):
                res["compression"] = "gz"
        resources.append(res)
    return {
        "name": "gapscore-bundled-data",
        "title": "gapscore bundled datasets",
        "description": "Curated, cited public data behind gapscore's capability, cost and funding models. Every row carries a source column.",
        "licenses": [LICENCES["cc-by-sa-4.0"], LICENCES["cc-by-4.0"], LICENCES["mit"], LICENCES["facts"]],
        "resources": resources,
    }


if __name__ == "__main__":
    (DATA / "datapackage.json").write_text(json.dumps(build(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {DATA / 'datapackage.json'}")
