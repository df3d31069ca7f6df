"""Build ``data/prices.csv`` and ``data/hardware.csv`` from the raw source folders.

A build tool, run by hand when the sources change; never imported at run time::

    .venv/bin/python tools/curate/prices.py --shared /work/shared/data
    .venv/bin/python tools/curate/prices.py --shared /work/shared/data --check

``--shared`` is the raw data folder (``epoch-llm-prices/``, ``aa-inference-panel/``,
``llm-prices/``, ``epoch-hardware/`` inside it). ``--out`` defaults to the repository's ``data/``.
``--check`` also prints the reproduction of Epoch AI's MMLU >= 43.9 price decline.
What each output column means, and the known biases, are in
``docs/datasets/prices.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- sources

EPOCH_REPO = "github.com/epoch-research/llm-benchmark-efficiency"
EPOCH_ARTICLE = "Epoch AI, 'LLM inference prices have fallen rapidly but unequally across tasks'"
EPOCH_FILES = (
    "aa_data_with_math5.csv",
    "epoch_ai_price_data_not_in_aa_with_benchmarks.csv",
)
AA_FILE = "inference_data_new_large.csv"
AA_SOURCE = (
    "Artificial Analysis, via the Algorithmic_Progress_Inference panel "
    "(github.com/hansgundlach/Algorithmic_Progress_Inference, data/inference_data_new_large.csv)"
)
HW_SOURCE = "Epoch AI, training-cost-trends (github.com/epoch-research/training-cost-trends, data/Hardware prices.csv)"
CHIP_SOURCE = "Epoch AI chip dataset (training-cost-trends, data/Chip dataset-Grid view.csv)"
SEED_SOURCE = "The inference cost article (PaleBlueDot AI acknowledgement), 2024"

H100 = "NVIDIA H100 SXM5 80GB"
"""The reference chip: relative_throughput = 1.0 (989.4 TFLOP/s dense tensor FP16/BF16, Epoch chip dataset)."""
TENSOR_BASIS = "dense tensor FP16/BF16 (Epoch chip dataset); H100 SXM5 = 1.0 at the same precision"

UNVERIFIED_FROM = pd.Timestamp("2026-01-01")
"""Artificial Analysis panel rows dated on or after this are unverifiable (shared data README)."""

DAYS_PER_YEAR = 365.0
"""Epoch AI's time unit: with 365 (not 365.25) days per year their published MMLU >= 43.9
factor, 11.7729x per year, is reproduced to four digits (results/default/...results.csv)."""

# --------------------------------------------------------------------------- columns

BENCHMARKS_EPOCH = {
    "MMLU": "mmlu",
    "GPQA Diamond": "gpqa_diamond",
    "HumanEval": "humaneval",
    "MATH-500": "math500",
    "LMSys Chatbot Arena ELO": "chatbot_arena_elo",
    "MATH 5": "math_level5",
}
BENCHMARKS_AA = {
    "GPQA Diamond (Scientific Reasoning)": "gpqa_diamond",
    "HumanEval (Coding)": "humaneval",
    "MATH-500 (Quantitative Reasoning)": "math500",
    "Chatbot Arena": "chatbot_arena_elo",
    "MMLU-Pro (Reasoning & Knowledge)": "mmlu_pro",
    "Humanity's Last Exam (Reasoning & Knowledge)": "humanitys_last_exam",
    "LiveCodeBench (Coding)": "livecodebench",
    "SciCode (Coding)": "scicode",
    "AIME 2024 (Competition Math)": "aime_2024",
    "IFBench": "ifbench",
    "LCR": "aa_lcr",
    "Terminal-Bench Hard": "terminal_bench_hard",
    "___-Bench Telecom": "tau2_bench_telecom",
    "epoch_swe": "swe_bench_verified",
    "epoch_gpqa": "gpqa_diamond_epoch_hub",
}
PERCENT_COLUMNS = [c for c in dict.fromkeys([*BENCHMARKS_EPOCH.values(), *BENCHMARKS_AA.values()]) if c != "chatbot_arena_elo"]
"""Scores in percent, 0-100. Chatbot Arena is an Elo rating, not a percentage."""

SCORE_COLUMNS = [
    "mmlu", "gpqa_diamond", "humaneval", "math500", "chatbot_arena_elo", "math_level5",
    "mmlu_pro", "gpqa_diamond_epoch_hub", "swe_bench_verified", "humanitys_last_exam",
    "livecodebench", "scicode", "aime_2024", "ifbench", "aa_lcr", "terminal_bench_hard",
    "tau2_bench_telecom",
]
AA_ONLY_COLUMNS = [c for c in SCORE_COLUMNS if c not in BENCHMARKS_EPOCH.values()]
PRICE_COLUMNS = ["model", "date", "usd_per_mtok", "provider", *SCORE_COLUMNS, "verified", "source"]

HW_COLUMNS = [
    "date", "chip", "price_type", "commitment_years", "purchase_usd", "usd_per_hour",
    "relative_throughput", "throughput_basis", "vendor", "location", "notes", "source",
]

# --------------------------------------------------------------------------- matching

EPOCH_TO_AA: dict[str, tuple[str, ...]] = {
    # Epoch name -> Artificial Analysis panel name(s); the first supplies extra benchmarks.
    "Claude-3-Haiku": ("Claude 3 Haiku",),
    "Claude-3-Opus": ("Claude 3 Opus",),
    "Claude-3-Sonnet": ("Claude 3 Sonnet",),
    "Claude-3.5-Haiku": ("Claude 3.5 Haiku",),
    "Claude-3.5-Sonnet-2024-06": ("Claude 3.5 Sonnet (June)",),
    "Claude-3.5-Sonnet-2024-10": ("Claude 3.5 Sonnet (Oct)",),
    "Claude 2": ("Claude 2.0",),
    "Claude 2.1": ("Claude 2.1",),
    "Command R": ("Command-R", "Command-R (Mar '24)"),
    "Command R+": ("Command-R+", "Command-R+ (Apr '24)"),
    "DeepSeek-Coder-V2 236B": ("DeepSeek-Coder-V2",),
    "DeepSeek-R1": ("DeepSeek R1",),
    "DeepSeek-V3": ("DeepSeek V3 (Dec '24)",),
    "Gemini 1.0 Pro": ("Gemini 1.0 Pro",),
    "Gemini 2.0 Flash": ("Gemini 2.0 Flash",),
    "Gemini-1.5-Flash-2024-05": ("Gemini 1.5 Flash (May)",),
    "Gemini-1.5-Flash-2024-09": ("Gemini 1.5 Flash (Sep)",),
    "Gemini-1.5-Flash-8B": ("Gemini 1.5 Flash-8B",),
    "Gemini-1.5-Pro-2024-05": ("Gemini 1.5 Pro (May)",),
    "Gemini-1.5-Pro-2024-09": ("Gemini 1.5 Pro (Sep)",),
    "Gemma-2-27B": ("Gemma 2 27B",),
    "Gemma-2-9B": ("Gemma 2 9B",),
    "GPT-4-0314": ("GPT-4",),
    "GPT-4 Turbo": ("GPT-4 Turbo",),
    "GPT-4o-2024-05": ("GPT-4o (May '24)",),
    "GPT-4o-2024-08": ("GPT-4o (Aug '24)",),
    "GPT-4o-2024-11": ("GPT-4o (Nov '24)",),
    "GPT-4o-mini": ("GPT-4o mini",),
    "Jamba 1.5-Large": ("Jamba 1.5 Large",),
    "Llama 2-70B Chat": ("Llama 2 Chat 70B",),
    "Llama-2-Chat-13B": ("Llama 2 Chat 13B",),
    "Llama-2-Chat-7B": ("Llama 2 Chat 7B",),
    "Llama-3-Instruct-70B": ("Llama 3 70B",),
    "Llama-3-Instruct-8B": ("Llama 3 8B",),
    "Llama-3.1-Instruct-405B": ("Llama 3.1 405B",),
    "Llama-3.1-Instruct-70B": ("Llama 3.1 70B",),
    "Llama-3.1-Instruct-8B": ("Llama 3.1 8B",),
    "Llama-3.2-Instruct-1B": ("Llama 3.2 1B",),
    "Llama-3.2-Instruct-3B": ("Llama 3.2 3B",),
    "Mistral 7B": ("Mistral 7B",),
    "Mistral Small 3": ("Mistral Small 3",),
    "Mistral-8x22": ("Mixtral 8x22B",),
    "Mistral-Large-2-2024-07": ("Mistral Large 2 (Jul '24)",),
    "Mistral-Large-2-2024-11": ("Mistral Large 2 (Nov '24)",),
    "Mistral-Large-2024-02": ("Mistral Large (Feb '24)",),
    "Mistral-NeMo": ("Mistral NeMo",),
    "Mistral-Small-2024-02": ("Mistral Small (Feb '24)",),
    "o1": ("o1",),
    "o1-mini": ("o1-mini",),
    "o1-preview": ("o1-preview",),
    "o3-mini": ("o3-mini",),
    "Phi 4": ("Phi-4",),
    "Reka Core": ("Reka Core",),
}

AA_DUPLICATE_RUN = re.compile(r"\(Option ?\d+\)|\bOption \d+\b|\((?:AIME|AIME 2|SWE)\)|\+A\d+$")
"""Panel rows that repeat a model for another evaluation run, not a different model."""
AA_UNIDENTIFIED = frozenset({"May be Maverick Lost Name"})

GPT41_SOURCE = "OpenAI, 'Introducing GPT-4.1 in the API' (openai.com/index/gpt-4-1), 14 April 2025"

AA_DATE_CORRECTIONS: dict[str, tuple[str, str]] = {
    # Panel rows whose date is off by more than the panel's usual month rounding.
    "GPT-4.1": (
        "2025-04-14",
        "OpenAI, 'Introducing GPT-4.1 in the API', 14 April 2025; the panel's own monthly "
        "prices for GPT-4.1 also begin in 2025-04",
    ),
    # The panel dates the mini and nano models 2025-04-01; they were announced with GPT-4.1
    # (and their MMLU scores published) on 14 April 2025.
    "GPT-4.1 mini": ("2025-04-14", GPT41_SOURCE),
    "GPT-4.1 nano": ("2025-04-14", GPT41_SOURCE),
}

# --------------------------------------------------------------------------- model-card scores

MODEL_CARD_SCORES: dict[str, tuple[dict[str, float], str, str]] = {
    # Scores the panel does not carry, from the developer's own announcement or model card
    # (self-reported, 5-shot or the developer's protocol: not Epoch's or Artificial
    # Analysis' own runs). panel model -> ({column: score}, published, citation). A row is
    # never dated before the score was published (checked in add_model_card_scores).
    # The panel has no MMLU after 2025-02 (Artificial Analysis moved to MMLU-Pro), so
    # without these the GPT-4-level (MMLU >= 86.4) price series ended in February 2025.
    "GPT-4.1": ({"mmlu": 90.2}, "2025-04-14", GPT41_SOURCE + ", academic benchmarks table: MMLU 90.2%"),
    "GPT-4.1 mini": ({"mmlu": 87.5}, "2025-04-14", GPT41_SOURCE + ", academic benchmarks table: MMLU 87.5%"),
    "GPT-4.1 nano": ({"mmlu": 80.1}, "2025-04-14", GPT41_SOURCE + ", academic benchmarks table: MMLU 80.1%"),
    "gpt-oss-120B": ({"mmlu": 90.0}, "2025-08-05",
                     "OpenAI, 'gpt-oss-120b & gpt-oss-20b Model Card' (arXiv 2508.10925), 5 August 2025: "
                     "MMLU 85.9 / 88.0 / 90.0 at low / medium / high reasoning (high taken, the panel's setting)"),
    "gpt-oss-20B": ({"mmlu": 85.3}, "2025-08-05",
                    "OpenAI, 'gpt-oss-120b & gpt-oss-20b Model Card' (arXiv 2508.10925), 5 August 2025: "
                    "MMLU 85.3 at high reasoning"),
    "Kimi K2": ({"mmlu": 89.5}, "2025-07-11",
                "Moonshot AI, Kimi-K2-Instruct model card (huggingface.co/moonshotai/Kimi-K2-Instruct), "
                "11 July 2025: MMLU 89.5 (EM)"),
}


def add_model_card_scores(prices: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """Fill the scores of ``MODEL_CARD_SCORES`` into their rows, citing each in ``source``."""
    out = prices.copy()
    for model, (scores, published, citation) in MODEL_CARD_SCORES.items():
        rows = out["model"] == model
        if rows.sum() != 1:
            raise SystemExit(f"MODEL_CARD_SCORES: {model!r} matches {int(rows.sum())} rows, not 1")
        if (out.loc[rows, "date"] < pd.Timestamp(published)).any():
            raise SystemExit(f"MODEL_CARD_SCORES: {model!r} is dated before its score was published ({published})")
        for col, value in scores.items():
            if pd.notna(out.loc[rows, col]).any():
                raise SystemExit(f"MODEL_CARD_SCORES: {model!r} already has {col}; a model card does not override it")
            out.loc[rows, col] = float(value)
        text = ", ".join(f"{c} {v:g}" for c, v in scores.items())
        out.loc[rows, "source"] += f"; {text} from the developer: {citation} (self-reported, published {published})"
    log.append(f"model cards: scores added to {len(MODEL_CARD_SCORES)} rows")
    return out


# --------------------------------------------------------------------------- later price observations

LLM_PRICES_DIR = "llm-prices"
LLM_PRICES_SOURCE = "Simon Willison's llm-prices (github.com/simonw/llm-prices, data/{vendor}.json)"
LATER_PRICES: dict[tuple[str, str], str] = {
    # (vendor file, model id) -> the prices.csv row whose model this is (the developer's
    # own API price; the scores are that row's). Only ids that name one model version.
    ("google", "gemini-2.0-flash"): "Gemini 2.0 Flash",
    ("google", "gemini-2.0-flash-lite"): "Gemini 2.0 Flash-Lite (Feb '25)",
    ("google", "gemini-2.5-flash-lite"): "Gemini 2.5 Flash-Lite",
    ("openai", "gpt-4o-mini"): "GPT-4o-mini",
    ("openai", "gpt-4.1"): "GPT-4.1",
    ("openai", "gpt-4.1-mini"): "GPT-4.1 mini",
    ("openai", "gpt-4.1-nano"): "GPT-4.1 nano",
    ("moonshot-ai", "kimi-k2-0711-preview"): "Kimi K2",
    ("amazon", "amazon-nova-micro"): "Nova Micro",
    ("amazon", "amazon-nova-lite"): "Nova Lite",
    ("amazon", "amazon-nova-pro"): "Nova Pro",
}


def read_later_prices(shared: Path, prices: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """Later price observations of models already in ``prices``, from the llm-prices snapshot.

    Each is the price the vendor lists as current (no ``to_date``), 3:1 input:output, dated
    at the latest price change the snapshot records anywhere (it was taken on or after that
    date; a change of this model's price before then would be in its history). Like
    Epoch's repeat observations (a model at a later price date), it keeps the model's
    scores: it says the model was still sold at that price on that date, so a price series
    is observed, not projected, until then. A listing is not proof the model was still
    served (a retired model can linger in the file): a limit, named in docs/datasets/prices.md.
    """
    folder = shared / LLM_PRICES_DIR
    files = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
    stamps = [h[k] for d in files.values() for m in d["models"] for h in m["price_history"]
              for k in ("from_date", "to_date") if h.get(k)]
    snapshot = pd.Timestamp(max(stamps))
    by_name = prices.set_index("model")
    rows = []
    for (vendor, model_id), name in LATER_PRICES.items():
        models = {m["id"]: m for m in files[vendor]["models"]}
        if model_id not in models or name not in by_name.index:
            raise SystemExit(f"LATER_PRICES: {vendor}/{model_id} or {name!r} not found")
        current = [h for h in models[model_id]["price_history"] if not h.get("to_date")]
        if len(current) != 1:
            raise SystemExit(f"LATER_PRICES: {vendor}/{model_id} has {len(current)} current prices")
        inp, outp = float(current[0]["input"]), float(current[0]["output"])
        base = by_name.loc[name]
        rec = {c: base[c] for c in SCORE_COLUMNS}
        rec.update(model=f"{name} (price {snapshot:%Y-%m-%d})", date=snapshot, usd_per_mtok=(3 * inp + outp) / 4,
                   provider=base["provider"], verified=bool(base["verified"]),
                   source=(f"{LLM_PRICES_SOURCE.format(vendor=vendor)}: {model_id} listed at USD {inp:g} input / "
                           f"{outp:g} output per 1M tokens (3:1 blend); dated {snapshot:%Y-%m-%d}, the latest price "
                           f"change the snapshot records (taken on or after it); a later price observation of "
                           f"{name!r}, whose scores it keeps"))
        rows.append(rec)
    log.append(f"later prices: {len(rows)} observations dated {snapshot:%Y-%m-%d} from {LLM_PRICES_DIR}/")
    out = pd.concat([prices, pd.DataFrame(rows)], ignore_index=True)
    return out.sort_values(["date", "model"], kind="stable").reset_index(drop=True)[PRICE_COLUMNS]

CREATOR_NAMES = {
    "Z AI": "Z.ai", "Z.ai (Zhipu AI)": "Z.ai", "Moonshot": "Moonshot AI",
    "Google DeepMind": "Google", "Meta AI": "Meta",
}
PROVIDER_PATTERNS: tuple[tuple[str, str], ...] = (
    # Developer of the model, from its name, where the source gives no creator.
    (r"Nemotron", "NVIDIA"),
    (r"^(Hermes|DeepHermes)", "Nous Research"),
    (r"^(GPT|gpt-|o\d\b|o\d-|ChatGPT)", "OpenAI"),
    (r"^[Cc]laude", "Anthropic"),
    (r"^([Gg]emini|Gemma)", "Google"),
    (r"^(Llama|muse-)", "Meta"),
    (r"^(Mistral|Mixtral|Codestral|Ministral|Pixtral|Magistral|Devstral)", "Mistral"),
    (r"^(Qwen|QwQ)", "Alibaba"),
    (r"^[Dd]eep[Ss]eek", "DeepSeek"),
    (r"^(Command|Cohere|Aya)", "Cohere"),
    (r"^Jamba", "AI21 Labs"),
    (r"^Phi", "Microsoft"),
    (r"^Reka", "Reka AI"),
    (r"^Grok", "xAI"),
    (r"^Nova", "Amazon"),
    (r"^(Sonar|R1 1776)", "Perplexity"),
    (r"^Yi-", "01.AI"),
    (r"^DBRX", "Databricks"),
    (r"^Arctic", "Snowflake"),
    (r"^Solar", "Upstage"),
    (r"^OpenChat", "OpenChat"),
    (r"^LFM", "Liquid AI"),
    (r"^Tulu", "Allen Institute for AI"),
    (r"^MiniMax", "MiniMax"),
    (r"^(Kimi|kimi|fireworks/kimi)", "Moonshot AI"),
    (r"^(GLM|glm)", "Z.ai"),
    (r"^Granite", "IBM"),
)


def provider_of(model: str, creator: object = None) -> str | None:
    """Developer of ``model``: the source's creator if given, else from the name."""
    if isinstance(creator, str) and creator.strip():
        name = creator.strip()
        return CREATOR_NAMES.get(name, name)
    for pattern, provider in PROVIDER_PATTERNS:
        if re.search(pattern, model):
            return provider
    return None


# --------------------------------------------------------------------------- parsing


def parse_money(cell: object) -> float:
    """'$1,234.50' or '1.2' -> float; empty -> NaN."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return math.nan
    text = str(cell).strip().replace("$", "").replace(",", "")
    return float(text) if text else math.nan


def parse_percent(cell: object) -> float:
    """A score cell as percent 0-100: '85%' -> 85, '0.826' -> 82.6 (a fraction), '' -> NaN.

    The panel mixes the two forms within one column; a bare number above 1 would be
    ambiguous and is refused.
    """
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return math.nan
    text = str(cell).strip()
    if not text:
        return math.nan
    if text.endswith("%"):
        return float(text[:-1])
    value = float(text)
    if value > 1.0:
        raise ValueError(f"bare score {text!r} above 1 is neither a fraction nor marked with %")
    return value * 100.0


def _clean_header(name: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", name).strip()


# --------------------------------------------------------------------------- Epoch


def read_epoch(shared: Path) -> pd.DataFrame:
    """Both Epoch files, one row per (model, price date), Epoch's column names mapped."""
    frames = []
    for name in EPOCH_FILES:
        raw = pd.read_csv(shared / "epoch-llm-prices" / name)
        out = pd.DataFrame({
            "model": raw["Model Name"].str.strip(),
            "date": pd.to_datetime(raw["Release Date"], format="%Y-%m-%d"),
            "usd_per_mtok": raw["USD per 1M Tokens"].astype(float),
        })
        for src, dst in BENCHMARKS_EPOCH.items():
            out[dst] = raw[src].astype(float)
        out["source"] = f"{EPOCH_ARTICLE} ({EPOCH_REPO}, data/{name})"
        frames.append(out)
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- AA panel


def _monthly_price(row: pd.Series, release: pd.Timestamp, month_cols: dict[pd.Timestamp, tuple[str, str]]) -> tuple[float, str] | None:
    """3:1 blend of the first monthly input/output price in the release month or the next."""
    first = release.to_period("M").to_timestamp()
    for month in (first, first + pd.DateOffset(months=1)):
        cols = month_cols.get(month)
        if cols is None:
            continue
        inp, outp = parse_money(row[cols[0]]), parse_money(row[cols[1]])
        if np.isfinite(inp) and np.isfinite(outp) and inp > 0 and outp > 0:
            return (3 * inp + outp) / 4, f"{month:%Y-%m}"
    return None


def read_aa_panel(shared: Path, log: list[str]) -> pd.DataFrame:
    """The Artificial Analysis panel, cleaned: one row per model with a usable price."""
    raw = pd.read_csv(shared / "aa-inference-panel" / AA_FILE, dtype=str, keep_default_na=False, na_values=[""])
    raw.columns = [_clean_header(c) for c in raw.columns]
    month_cols: dict[pd.Timestamp, tuple[str, str]] = {}
    for col in raw.columns:
        m = re.fullmatch(r"(\d{1,2})/1/(\d{4}) input price", col)
        if m:
            month = pd.Timestamp(int(m.group(2)), int(m.group(1)), 1)
            month_cols[month] = (col, col.replace("input", "output"))

    rows, n_in = [], 0
    for line, row in raw.iterrows():
        model = row["Model"].strip() if isinstance(row["Model"], str) else ""
        if not model:
            continue
        n_in += 1
        if AA_DUPLICATE_RUN.search(model) or model in AA_UNIDENTIFIED:
            log.append(f"AA: dropped evaluation-run duplicate or unidentified row {model!r}")
            continue
        if not isinstance(row["Release Date"], str):
            log.append(f"AA: dropped {model!r}: no release date")
            continue
        date = pd.to_datetime(row["Release Date"].strip(), format="%m/%d/%y")
        note = ""
        if model in AA_DATE_CORRECTIONS:
            fixed, why = AA_DATE_CORRECTIONS[model]
            note = f"; date corrected from the panel's {date:%Y-%m-%d} to {fixed} ({why})"
            log.append(f"AA: {model!r} date {date:%Y-%m-%d} -> {fixed}")
            date = pd.Timestamp(fixed)
        price = parse_money(row["Blended USD/1M Tokens"])
        if not np.isfinite(price):
            derived = _monthly_price(row, date, month_cols)
            if derived is None:
                log.append(f"AA: dropped {model!r} ({date:%Y-%m-%d}): no blended price and no monthly price within a month of release")
                continue
            price, month = derived
            note = f"; price: 3:1 blend of the panel's {month} monthly input/output price (no blended price given)"
        if not (np.isfinite(price) and price > 0):
            log.append(f"AA: dropped {model!r} ({date:%Y-%m-%d}): price {row['Blended USD/1M Tokens']!r} is not > 0")
            continue
        rec = {"model": model, "date": date, "usd_per_mtok": float(price), "provider": provider_of(model, row["Creator"])}
        for src, dst in BENCHMARKS_AA.items():
            rec[dst] = parse_money(row[src]) if dst == "chatbot_arena_elo" else parse_percent(row[src])
        # A block of 2025 rows repeats LiveCodeBench in the MMLU-Pro column (same string in both).
        if isinstance(row["MMLU-Pro (Reasoning & Knowledge)"], str) and row["MMLU-Pro (Reasoning & Knowledge)"] == row["LiveCodeBench (Coding)"]:
            rec["mmlu_pro"] = math.nan
            note += "; mmlu_pro left empty (the panel repeats LiveCodeBench in its MMLU-Pro cell)"
        rec["source"] = f"{AA_SOURCE}, row {model!r} (data record {line + 1}){note}"
        rows.append(rec)
    out = pd.DataFrame(rows)
    dupes = out["model"].duplicated(keep="first")
    for model in out.loc[dupes, "model"]:
        log.append(f"AA: dropped a second row named {model!r}")
    out = out.loc[~dupes].reset_index(drop=True)
    log.append(f"AA: {n_in} named rows in, {len(out)} kept")
    return out


# --------------------------------------------------------------------------- merge


def merge_prices(epoch: pd.DataFrame, aa: pd.DataFrame, log: list[str]) -> pd.DataFrame:
    """Epoch rows first (preferred where a model is in both), then the panel's other models."""
    aa_by_name = aa.set_index("model")
    unknown = {a for names in EPOCH_TO_AA.values() for a in names} - set(aa_by_name.index)
    if unknown:
        log.append(f"match: panel names not kept in the cleaned panel (dropped there): {sorted(unknown)}")
    missing = set(EPOCH_TO_AA) - set(epoch["model"])
    if missing:
        raise SystemExit(f"EPOCH_TO_AA names not in the Epoch files: {sorted(missing)}")

    epoch = epoch.copy()
    for col in AA_ONLY_COLUMNS:
        epoch[col] = math.nan
    epoch["provider"] = [provider_of(m) for m in epoch["model"]]
    for name, aa_names in EPOCH_TO_AA.items():
        rows = epoch["model"] == name
        present = [a for a in aa_names if a in aa_by_name.index]
        if not present:
            epoch.loc[rows, "source"] += f"; also in the Artificial Analysis panel as {' / '.join(repr(a) for a in aa_names)} (that row had no usable price; Epoch row kept)"
            continue
        primary = aa_by_name.loc[present[0]]
        filled = [c for c in AA_ONLY_COLUMNS if pd.notna(primary[c])]
        for col in filled:
            epoch.loc[rows, col] = primary[col]
        if isinstance(primary["provider"], str):
            epoch.loc[rows, "provider"] = primary["provider"]
        text = f"; also in the Artificial Analysis panel as {' / '.join(repr(a) for a in present)}: Epoch row preferred"
        if filled:
            text += f", {', '.join(filled)} taken from panel row {present[0]!r}"
        epoch.loc[rows, "source"] += text

    # Epoch lists five models at several price dates (price cuts); keep every observation
    # (Epoch's published fits use them) under a unique name.
    epoch = epoch.sort_values(["model", "date"], kind="stable")
    repeat = epoch["model"].duplicated(keep="first")
    epoch.loc[repeat, "model"] = epoch.loc[repeat, "model"] + " (price " + epoch.loc[repeat, "date"].dt.strftime("%Y-%m-%d") + ")"
    epoch.loc[repeat, "source"] += "; a later price observation of the same model (date is the price date)"
    epoch["verified"] = True

    matched = {a for names in EPOCH_TO_AA.values() for a in names}
    rest = aa.loc[~aa["model"].isin(matched)].copy()
    rest["verified"] = rest["date"] < UNVERIFIED_FROM
    rest.loc[~rest["verified"], "source"] += "; unverified: 2026-dated panel row"
    log.append(f"merge: {len(epoch)} Epoch rows (incl. {int(repeat.sum())} repeat price observations), "
               f"{len(aa) - len(rest)} panel rows replaced by Epoch rows, {len(rest)} panel-only rows")

    out = pd.concat([epoch, rest], ignore_index=True)
    if out["model"].duplicated().any():
        raise SystemExit(f"duplicate model names after merge: {sorted(out.loc[out['model'].duplicated(), 'model'])}")
    return out.sort_values(["date", "model"], kind="stable").reset_index(drop=True)[PRICE_COLUMNS]


def check_prices(df: pd.DataFrame) -> None:
    """Invariants of the curated file; a failure stops the build."""
    problems = []
    if not (np.isfinite(df["usd_per_mtok"]) & (df["usd_per_mtok"] > 0)).all():
        problems.append("a price is not finite and > 0")
    for col in PERCENT_COLUMNS:
        v = df[col].dropna()
        if ((v < 0) | (v > 100)).any():
            problems.append(f"{col} outside 0-100")
    elo = df["chatbot_arena_elo"].dropna()
    if ((elo < 500) | (elo > 2500)).any():
        problems.append("chatbot_arena_elo outside 500-2500")
    if df["model"].duplicated().any():
        problems.append("duplicate model")
    if df["source"].isna().any() or (df["source"].str.len() == 0).any():
        problems.append("empty source")
    if problems:
        raise SystemExit("prices.csv checks failed: " + "; ".join(problems))


# --------------------------------------------------------------------------- hardware


def read_hardware(shared: Path, log: list[str]) -> pd.DataFrame:
    """Epoch's hardware prices in long form, with throughput relative to the H100 SXM."""
    folder = shared / "epoch-hardware"
    prices = pd.read_csv(folder / "Hardware prices.csv", encoding="utf-8-sig")
    chips = pd.read_csv(folder / "Chip dataset-Grid view.csv")
    chips = chips.drop_duplicates("Hardware name", keep="first").set_index("Hardware name")
    tensor = chips["Tensor-FP16/BF16 performance (FLOP/s)"].astype(float)
    h100 = tensor.loc[H100]

    def throughput(chip: str) -> tuple[float, str]:
        # Only the tensor FP16/BF16 column: the plain "FP16" column mixes vector and tensor
        # figures across chips (a 4x difference on Ampere), so it is not the same precision basis.
        if chip in tensor.index and np.isfinite(tensor.loc[chip]):
            return tensor.loc[chip] / h100, TENSOR_BASIS
        return math.nan, "none: no tensor FP16/BF16 figure in the Epoch chip dataset"

    kinds = (
        ("Price (hardware purchase)", "purchase", None),
        ("Price per chip-hour (on-demand)", "on_demand", None),
        ("Price per chip-hour (1-year CUD)", "committed", 1),
        ("Price per chip-hour (3-year CUD)", "committed", 3),
    )
    rows, skipped = [], 0
    for _, r in prices.iterrows():
        if pd.isna(r["Price date"]) or pd.isna(r["Hardware model"]):
            skipped += 1
            continue
        rel, basis = throughput(r["Hardware model"])
        for col, kind, years in kinds:
            value = r[col]
            if pd.isna(value):
                continue
            value = float(value)
            if not (np.isfinite(value) and value > 0):
                skipped += 1
                continue
            original = r["Price source"] if isinstance(r["Price source"], str) else "not given"
            rows.append({
                "date": pd.Timestamp(r["Price date"]),
                "chip": r["Hardware model"],
                "price_type": kind,
                "commitment_years": years,
                "purchase_usd": value if kind == "purchase" else math.nan,
                "usd_per_hour": value if kind != "purchase" else math.nan,
                "relative_throughput": rel,
                "throughput_basis": basis,
                "vendor": r["Vendor"],
                "location": r["Location"],
                "notes": r["Notes"],
                "source": f"{HW_SOURCE}; original price source: {original}" + (f"; throughput: {CHIP_SOURCE}" if np.isfinite(rel) else ""),
            })
    out = pd.DataFrame(rows)
    before = len(out)
    out = out.drop_duplicates().reset_index(drop=True)
    log.append(f"hardware: {len(prices)} Epoch price rows -> {before} (row, price type) entries; "
               f"{before - len(out)} exact duplicates dropped; {skipped} rows or cells skipped (no date/chip or price <= 0)")
    seed = pd.DataFrame([{
        "date": pd.Timestamp("2024-12-31"),
        "chip": "NVIDIA B200",
        "price_type": "purchase",
        "commitment_years": None,
        "purchase_usd": 35000.0,
        "usd_per_hour": math.nan,
        "relative_throughput": 4.0,
        "throughput_basis": "MLPerf inference throughput, B200 at FP4 vs H100 at FP8 (different precisions)",
        "vendor": None,
        "location": None,
        "notes": "projected market price, about 40% above the H100; article undated within 2024, dated here at the end of 2024",
        "source": SEED_SOURCE,
    }])
    out = pd.concat([out, seed], ignore_index=True)
    out["commitment_years"] = out["commitment_years"].astype("Int64")
    return out.sort_values(["date", "chip", "price_type", "commitment_years"], kind="stable").reset_index(drop=True)[HW_COLUMNS]


# --------------------------------------------------------------------------- check


def frontier_decline(df: pd.DataFrame, score: str, threshold: float, *, price: str = "usd_per_mtok", date: str = "date") -> tuple[float, float, pd.DataFrame]:
    """Epoch AI's method: models scoring >= threshold, those that set a new lowest price in
    release order, OLS of ln(price) on time in years; returns (exp(-slope), R^2, frontier)."""
    x = df.loc[df[score] >= threshold].sort_values([date, price], kind="stable")
    best, keep = math.inf, []
    for idx, p in x[price].items():
        if p < best:
            best, keep = p, [*keep, idx]
    f = x.loc[keep]
    t = (f[date] - f[date].min()).dt.days.to_numpy() / DAYS_PER_YEAR
    y = np.log(f[price].to_numpy())
    slope, intercept = np.polyfit(t, y, 1)
    resid = y - (slope * t + intercept)
    r2 = 1 - (resid @ resid) / ((y - y.mean()) @ (y - y.mean()))
    return float(np.exp(-slope)), float(r2), f


def report_check(shared: Path, prices: pd.DataFrame) -> str:
    lines = []
    raw = pd.concat([pd.read_csv(shared / "epoch-llm-prices" / n) for n in EPOCH_FILES], ignore_index=True)
    raw["Release Date"] = pd.to_datetime(raw["Release Date"])
    factor, r2, f = frontier_decline(raw, "MMLU", 43.9, price="USD per 1M Tokens", date="Release Date")
    lines.append(f"Epoch raw, MMLU >= 43.9: {factor:.4f}x per year (R^2 {r2:.3f}, n={len(f)}; Epoch published 11.7729)")
    lines += [f"  {r['Release Date']:%Y-%m-%d}  ${r['USD per 1M Tokens']:<8g} MMLU {r['MMLU']:<5g} {r['Model Name']}" for _, r in f.iterrows()]
    epoch_only = prices[prices["source"].str.startswith("Epoch AI")]
    verified = prices[prices["verified"]]
    for label, frame in (("curated, Epoch rows only", epoch_only), ("curated, all verified rows (Epoch + AA)", verified)):
        for score, thr in (("mmlu", 43.9), ("gpqa_diamond", 33.0), ("math500", 44.0)):
            factor, r2, f = frontier_decline(frame, score, thr)
            lines.append(f"{label}, {score} >= {thr}: {factor:.4f}x per year (R^2 {r2:.3f}, n={len(f)}, "
                         f"{f['date'].min():%Y-%m-%d}..{f['date'].max():%Y-%m-%d})")
            if score != "mmlu" or label.startswith("curated, all"):
                lines += [f"  {r['date']:%Y-%m-%d}  ${r['usd_per_mtok']:<8g} {score} {r[score]:<5g} {r['model']}" for _, r in f.iterrows()]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _write(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    out.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, required=True, help="raw data folder, e.g. /work/shared/data")
    parser.add_argument("--out", type=Path, default=REPO / "data", help="output folder (default: the repository's data/)")
    parser.add_argument("--check", action="store_true", help="print the Epoch MMLU >= 43.9 reproduction")
    parser.add_argument("--verbose", action="store_true", help="print every dropped row")
    args = parser.parse_args(argv)

    log: list[str] = []
    prices = merge_prices(read_epoch(args.shared), read_aa_panel(args.shared, log), log)
    prices = add_model_card_scores(prices, log)
    prices = read_later_prices(args.shared, prices, log)
    check_prices(prices)
    hardware = read_hardware(args.shared, log)
    args.out.mkdir(parents=True, exist_ok=True)
    _write(prices, args.out / "prices.csv")
    _write(hardware, args.out / "hardware.csv")

    for line in log:
        if args.verbose or not line.startswith("AA: dropped"):
            print(line)
    print(f"prices.csv: {len(prices)} rows, {prices['date'].min():%Y-%m-%d}..{prices['date'].max():%Y-%m-%d}, "
          f"{int((~prices['verified']).sum())} unverified")
    print("  non-null: " + ", ".join(f"{c}={int(prices[c].notna().sum())}" for c in SCORE_COLUMNS))
    print(f"hardware.csv: {len(hardware)} rows, {hardware['date'].min():%Y-%m-%d}..{hardware['date'].max():%Y-%m-%d}, "
          f"{hardware['chip'].nunique()} chips; " + ", ".join(f"{k}={v}" for k, v in hardware['price_type'].value_counts().items()))
    if args.check:
        print(report_check(args.shared, prices))
    return 0


if __name__ == "__main__":
    sys.exit(main())
