"""Longer capability histories: before 2012 and after 2019 (issue #15 item 3, issue #18).

Imported by ``tools/curate/capability.py`` (run as a script, so this folder is on
``sys.path``); nothing in the package imports it. Each reader returns capability rows
(benchmark, date, system, value, source) from one raw folder under ``--shared``:

* ``awty-benenson/``: "Are we there yet?" (CIFAR-100, STL-10, Pascal VOC 2007 detection),
  years only: a result is dated the last day of its paper's year.
* ``wer-are-we/README.md``: speech state of the art (LibriSpeech, WSJ, Hub5'00 Switchboard
  and CallHome), "Month Year" dates: a result is dated the last day of its month.
* ``published-facts.md`` (NIST): the NIST Hub-5 Switchboard evaluations of 1995 and 1997.
* MMMU (vision, 2023-2025): developers' published validation scores, transcribed with
  the page each was published on (``MMMU_RESULTS``).
* GQA (vision, 2019-2021): test-std accuracies from the papers (``GQA_RESULTS``).
* ``epoch-benchmark-stitching-extra/``: OSWorld, Terminal-Bench, Aider Polyglot, Video-MME.
* ``epoch-eci/``: the Epoch Capabilities Index.
* ``metr-time-horizons/`` and ``metr-cross-domain-horizon/``: METR 50% time horizons.

Time horizons are minutes of human work on a log scale, higher is better; a result is
dated by its model's release (or paper) date, as every other LLM-era row.
"""

from __future__ import annotations

import calendar
import math
import re
from pathlib import Path

import pandas as pd

VALUE_DECIMALS = 6

# --------------------------------------------------------------------------- date helpers

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9


def end_of_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def end_of_year(year: int) -> str:
    return f"{year:04d}-12-31"


def month_year_date(text: str) -> str | None:
    """'September 2019, Interspeech' -> '2019-09-30'; '2015' -> '2015-12-31'; else None.

    A result known only to its month (or year) is dated the month's (year's) last day,
    so that it never counts before it was published.
    """
    year = re.search(r"(19|20)\d\d", text)
    if not year:
        return None
    month = None
    for word in re.findall(r"[A-Za-z]+", text):
        if word.lower() in _MONTHS:
            month = _MONTHS[word.lower()]
            break
    y = int(year.group(0))
    return end_of_month(y, month) if month else end_of_year(y)


def _r(value: float) -> float:
    return round(float(value), VALUE_DECIMALS)


# --------------------------------------------------------------------------- thresholds
# Time-horizon thresholds, in minutes of a professional's work (named once here).

MINUTES_PER_HOUR = 60.0
WORKING_DAY_MIN = 8 * MINUTES_PER_HOUR
"""A working day: 8 hours."""
WORKING_WEEK_MIN = 40 * MINUTES_PER_HOUR
"""A working week: 40 hours."""
WORKING_MONTH_MIN = 167 * MINUTES_PER_HOUR
"""A working month: 167 hours, the unit METR uses for its 'one-month task' milestone
(Kwa et al. 2025, Measuring AI Ability to Complete Long Tasks, arXiv 2503.14499)."""
HORIZON_FLOOR_MIN = round(1.0 / MINUTES_PER_HOUR, VALUE_DECIMALS)
"""Floor of every horizon: one second of human work, about the shortest task in METR's
suite (its SWAA atomic actions take people a few seconds); GPT-2's software horizon,
about 2 seconds, sits just above it."""

# Self-driving: the human reference is the US mean distance between police-reported
# crashes, converted to METR's horizon minutes.
US_POLICE_REPORTED_CRASHES_2019 = 6_756_000
"""NHTSA, Overview of Motor Vehicle Crashes in 2019 (DOT HS 813 060): 6,756,000 police-reported crashes."""
US_VMT_2019_MILES = 3_261.8e9
"""Same report (FHWA data): 3,261.8 billion vehicle miles travelled in 2019."""
FSD_REFERENCE_MILES = 40.797873
FSD_REFERENCE_MINUTES = 93.181698
"""METR's horizon for Tesla FSD 13.2.x: 93.18 minutes at 40.80 city miles to a critical
disengagement (metr-cross-domain-horizon data/interim/tesla_fsd.tsv and
horizons/tesla_fsd.csv): the ratio converts miles between failures into horizon minutes."""
HUMAN_MILES_PER_CRASH = US_VMT_2019_MILES / US_POLICE_REPORTED_CRASHES_2019
HUMAN_DRIVING_HORIZON_MIN = round(HUMAN_MILES_PER_CRASH * FSD_REFERENCE_MINUTES / FSD_REFERENCE_MILES, 1)

# Epoch Capabilities Index: no human ECI exists (Epoch AI: "there is currently no ... human
# ECI baseline"), so its threshold is mapped from the software time horizon.
ECI_POINTS_PER_HORIZON_DOUBLING = 5.0
"""Epoch AI, ECI documentation FAQ (epoch.ai/data/eci-documentation/faq): 'a 5 point gain
in ECI appeared to roughly correspond to a doubling of the METR Time Horizon'."""
ECI_GPT5 = 150.0
"""Epoch AI: the ECI scale is set so that GPT-5 = 150 (and Claude 3.5 Sonnet = 130)."""
GPT5_SOFTWARE_HORIZON_MIN = 203.01
"""METR benchmark_results_1_1.yaml (2026-03 copy): GPT-5 (2025-08-07) p50 horizon 203.01 minutes."""
ECI_HUMAN = round(ECI_GPT5 + ECI_POINTS_PER_HORIZON_DOUBLING * math.log2(WORKING_MONTH_MIN / GPT5_SOFTWARE_HORIZON_MIN), 1)
ECI_FLOOR = round(ECI_GPT5 - ECI_POINTS_PER_HORIZON_DOUBLING * math.log2(GPT5_SOFTWARE_HORIZON_MIN / HORIZON_FLOOR_MIN), 1)


CHEXPERT_HUMAN = 1.5
"""Radiologists (of three) below a model's ROC curve when the model equals the median radiologist."""


def history_benches(Bench):  # noqa: N803 - the dataclass from capability.py
    """The benchmarks this module adds, as ``Bench`` rows of capability.py."""
    h = HORIZON_FLOOR_MIN
    floor_src = (f"Floor: {h} minutes (one second of human work, about the shortest task in "
                 "METR's suites): assumption")
    metr_x = ("METR, 'How Does Time Horizon Vary Across Domains?' (2025), "
              "github.com/METR/cross-domain-horizon data/processed/all_data.csv (seconds, here "
              "minutes); many series use a guessed logistic slope and explode near a "
              "benchmark's ceiling")

    def horizon(bid, sector, domain, human, why):
        return Bench(bid, sector, "p50_time_horizon", True, human, h, "minutes", "log",
                     f"METR 50% time horizon, {domain}: the length of task, in minutes of "
                     "human expert time, that models complete half the time",
                     f"{metr_x if bid != 'metr_horizon_software' else 'METR benchmark_results_1_1.yaml (metr.org, copy of 2026-03)'}. "
                     f"Human level: {why}. {floor_src}")

    month = (f"a working month, {WORKING_MONTH_MIN:.0f} minutes (167 hours): METR's own "
             "milestone for autonomous software work (Kwa et al. 2025, arXiv 2503.14499, "
             "extrapolate to one-month tasks); a software product that replaces an engineer "
             "takes on projects of that length: cited milestone, used as a threshold")
    day_ops = (f"a working day, {WORKING_DAY_MIN:.0f} minutes: assumption: computer-use and web "
               "agents are sold against an operator's delegated work, whose unit is a day's "
               "queue of forms, look-ups and transactions; an agent that completes a day's "
               "errand half the time matches what a delegating manager expects")
    week_math = (f"a working week, {WORKING_WEEK_MIN:.0f} minutes: assumption: a math or "
                 "science assistant is judged by the research sub-problems it takes off a "
                 "professional's desk, and a typical delegated sub-problem (a lemma, a "
                 "derivation, a check of a calculation) is a week of work")
    shift_robot = (f"a working shift, {WORKING_DAY_MIN:.0f} minutes: assumption: a manipulation "
                   "robot on a line or in a warehouse replaces a shift of manual work")
    day_video = (f"a working day of footage, {WORKING_DAY_MIN:.0f} minutes: assumption: video "
                 "understanding is sold for review of footage (media monitoring, security), "
                 "whose unit is a reviewer's shift")
    drive = (f"{HUMAN_DRIVING_HORIZON_MIN:,.0f} minutes: US human drivers travel "
             f"{HUMAN_MILES_PER_CRASH:,.0f} miles per police-reported crash (NHTSA, Overview "
             "of Motor Vehicle Crashes in 2019, DOT HS 813 060: 6,756,000 crashes, 3,261.8 "
             "billion vehicle miles), converted to minutes at METR's own ratio for FSD 13.2.x "
             "(93.18 minutes for 40.80 city miles to a critical disengagement). A "
             "disengagement is more frequent than the crash it may prevent, so the share is "
             "conservative")
    pct_target = ("Target, not a measured human baseline (assumption): {why}. Floor: {floor}")

    return [
        # ------------------------------------------------ vision, before 2012 (AWTY)
        Bench("cifar100_error", "computer_vision", "error", False, 10.0, 99.0, "error_percent", "log",
              "CIFAR-100 100-class image classification (32x32 images): test error",
              "No published human baseline: 10% error is an assumption: people who know the 100 "
              "classes confuse near classes (maple/oak, boy/man) in 32x32 thumbnails more often "
              "than the 6% error measured on CIFAR-10 (Karpathy 2011); a guess, not a "
              "measurement. Floor: random guessing over 100 classes, 99% error"),
        Bench("stl10_error", "computer_vision", "error", False, 6.0, 90.0, "error_percent", "log",
              "STL-10 10-class image classification (96x96 images from ImageNet): test error",
              "No published human baseline: 6% error is an assumption carried over from CIFAR-10 "
              "(Karpathy 2011, about 94% correct on 10 similar classes), which STL-10 shares at "
              "a higher resolution. Floor: random guessing over 10 classes, 90% error"),
        Bench("pascal_voc2007_map", "computer_vision", "map", True, 90.0, 0.0, "percent", "linear",
              "Pascal VOC 2007 object detection, comp3 (VOC training data only): mean average precision",
              "No published human mAP: 90 is an assumption: a person finds nearly every object at "
              "the lenient IoU 0.5 criterion, less the 'difficult' and truncated objects on which "
              "annotators disagree. Floor: 0 mAP"),
        # ------------------------------------------------ vision, LLM era
        Bench("mmmu", "computer_vision", "accuracy", True, MMMU_HUMAN, MMMU_FLOOR, "percent", "linear",
              "MMMU (validation set): 11.5K college-exam questions over images of 30 kinds (photos, "
              "charts, diagrams, maps, medical and microscope images), answered from the image "
              "and the question",
              f"Yue et al. 2023, MMMU (arxiv.org/abs/2311.16502, v1 2023-11-27), validation set: "
              f"human experts (college seniors, 90 of them, three groups) scored {MMMU_HUMAN_LOW} / "
              f"{MMMU_HUMAN_MEDIUM} / {MMMU_HUMAN} (low / medium / high); the best group, "
              f"{MMMU_HUMAN}, is the human level here, as MMLU's expert level is. Floor: random "
              f"choice on the validation set, {MMMU_FLOOR}% (same paper)"),
        Bench("gqa", "computer_vision", "accuracy", True, GQA_HUMAN, GQA_FLOOR, "percent", "linear",
              "GQA (test-std): compositional questions about real photos (Visual Genome scenes): "
              "objects, attributes and spatial relations, exact-match answer accuracy",
              f"Hudson & Manning 2019, GQA (arxiv.org/abs/1902.09506, v1 2019-02-25; CVPR 2019): "
              f"human accuracy {GQA_HUMAN}% on the test set. Floor: {GQA_FLOOR}% is an assumption "
              f"(open-ended answers over about 1,800 candidates; the paper's prior baselines were "
              f"not transcribed), as VQA abstract scenes' floor"),
        # ------------------------------------------------ speech
        Bench("callhome_wer", "speech_recognition", "wer", False, 11.3, 100.0, "wer_percent", "log",
              "CallHome conversational telephone speech (Hub5'00 evaluation): word error rate",
              "Xiong et al. 2016, Achieving Human Parity in Conversational Speech Recognition "
              "(arxiv.org/abs/1610.05256): professional transcribers 11.3% WER on CallHome. "
              "Floor: 100% WER (a system that outputs nothing)"),
        Bench("nist_switchboard_wer", "speech_recognition", "wer", False, 5.9, 100.0, "wer_percent", "log",
              "NIST Hub-5 conversational telephone speech evaluations (Switchboard), best system: "
              "word error rate (each year's evaluation set differs)",
              "Human baseline: Xiong et al. 2016 (arxiv.org/abs/1610.05256), professional "
              "transcribers 5.9% WER on Hub5'00 Switchboard: a later test set of the same kind "
              "of speech, an approximation. Floor: 100% WER"),
        # ------------------------------------------------ medical imaging
        Bench("chexpert_rads_below_curve", "medical_imaging", "radiologists_below_curve", True,
              CHEXPERT_HUMAN, 0.0, "radiologists", "linear",
              "CheXpert chest X-ray interpretation (500 test studies, 5 pathologies): how many of "
              "three board-certified radiologists lie below the model's ROC curve, averaged over "
              "the pathologies (0-3)",
              "Irvin, Rajpurkar et al. 2019, CheXpert (arxiv.org/abs/1901.07031): three "
              "radiologists read the test set, ground truth the consensus of five others. Human "
              f"level {CHEXPERT_HUMAN} (definition, not a measurement): a model level with the "
              "median of the three radiologists has half of them below its curve. Floor: 0 (no "
              "radiologist below the curve). Chest X-ray only: a narrow slice of medical imaging"),
        # ------------------------------------------------ agents and LLM era
        Bench("webarena", "web_agents", "success_rate", True, 78.24, 0.0, "percent", "linear",
              "WebArena: 812 tasks on four self-hosted websites (shop, forum, GitLab, CMS) checked "
              "by the sites' final state",
              "Zhou et al. 2023, WebArena (arxiv.org/abs/2307.13854): human task success 78.24%. "
              "Floor: 0% task success"),
        Bench("terminal_bench", "code_assistants", "accuracy", True, 100.0, 0.0, "percent", "linear",
              "Terminal-Bench: hard tasks in a Linux terminal (build, debug, administer) checked by tests",
              pct_target.format(why="each task ships with a reference solution written by its "
                                "author and tests that pass on it, so a competent engineer "
                                "completes them all: 100%", floor="0% of tasks")),
        Bench("aider_polyglot", "code_assistants", "percent_correct", True, 100.0, 0.0, "percent", "linear",
              "Aider Polyglot: 225 hard Exercism exercises in six languages, solved by editing code (two tries)",
              pct_target.format(why="Exercism exercises come with reference solutions a "
                                "professional programmer writes; target 100%", floor="0% correct")),
        Bench("videomme", "video_understanding", "accuracy", True, 100.0, 25.0, "percent", "linear",
              "Video-MME without subtitles: 2,700 multiple-choice questions on 900 videos of 11 "
              "seconds to 1 hour",
              pct_target.format(why="Fu et al. 2024 (arxiv.org/abs/2405.21075) report no human "
                                "score; the questions were written and checked by annotators "
                                "who watched each whole video, so a careful viewer answers them "
                                "all: 100%", floor="random guessing among four options, 25%")),
        Bench("rlbench", "robotics", "success_rate", True, 100.0, 0.0, "percent", "linear",
              "RLBench 18-task multi-task robot manipulation (PerAct setting): mean success rate",
              pct_target.format(why="every RLBench task is solvable by design (each comes with "
                                "demonstrations that complete it), so a competent operator "
                                "completes them all: 100%", floor="0% success")),
        Bench("eci", "llm_assistants", "eci", True, ECI_HUMAN, ECI_FLOOR, "eci", "linear",
              "Epoch Capabilities Index: one capability score per model stitched across many "
              "benchmarks by item response theory (no maximum)",
              f"No human ECI exists (Epoch AI). Threshold {ECI_HUMAN} (assumption, derived): the "
              f"ECI at which METR's software horizon reaches a working month, from GPT-5 = "
              f"{ECI_GPT5:.0f} at a {GPT5_SOFTWARE_HORIZON_MIN} minute horizon (METR 2026-03) and "
              f"Epoch's observation that {ECI_POINTS_PER_HORIZON_DOUBLING:.0f} ECI points "
              "correspond to a doubling of the horizon (ECI FAQ): 150 + 5 log2(10020 / 203.01). "
              f"Floor {ECI_FLOOR}: the same mapping at a one-second horizon, "
              "150 - 5 log2(203.01 / 0.016667), so the ECI share tracks the software horizon's"),
        horizon("metr_horizon_software", "code_assistants", "software engineering (METR HCAST, "
                "RE-Bench and SWAA tasks)", float(WORKING_MONTH_MIN), month),
        horizon("metr_horizon_swe_bench_verified", "code_assistants", "SWE-bench Verified issues",
                float(WORKING_MONTH_MIN), month),
        horizon("metr_horizon_osworld", "computer_use_agents", "OSWorld computer use",
                float(WORKING_DAY_MIN), day_ops),
        horizon("metr_horizon_webarena", "web_agents", "WebArena web tasks",
                float(WORKING_DAY_MIN), day_ops),
        horizon("metr_horizon_rlbench", "robotics", "RLBench robot manipulation",
                float(WORKING_DAY_MIN), shift_robot),
        horizon("metr_horizon_self_driving", "autonomous_driving", "self-driving (Tesla FSD "
                "releases, community miles to critical disengagement)", HUMAN_DRIVING_HORIZON_MIN, drive),
        horizon("metr_horizon_video_mme", "video_understanding", "Video-MME video understanding "
                "(task length = video length)", float(WORKING_DAY_MIN), day_video),
        horizon("metr_horizon_math", "math_science_assistants", "MATH competition mathematics",
                float(WORKING_WEEK_MIN), week_math),
        horizon("metr_horizon_aime", "math_science_assistants", "AIME competition mathematics",
                float(WORKING_WEEK_MIN), week_math),
    ]


# --------------------------------------------------------------------------- AWTY

AWTY = "Are we there yet? (Benenson), curated_data.yml"
AWTY_DATASETS = {
    "CIFAR-100": ("cifar100_error", "accuracy_to_error"),
    "STL-10": ("stl10_error", "accuracy_to_error"),
    "Pascal VOC 2007 comp3": ("pascal_voc2007_map", "none"),
}


def read_awty(shared: Path) -> pd.DataFrame:
    import yaml

    doc = yaml.safe_load((shared / "awty-benenson" / "are_we_there_yet" / "data" / "curated_data.yml").read_text(encoding="utf-8"))
    rows = []
    for r in doc:
        name = str(r.get(":dataset_name", "")).strip()
        if name not in AWTY_DATASETS:
            continue
        bid, transform = AWTY_DATASETS[name]
        value = float(re.match(r"\s*([0-9.]+)", str(r[":result"])).group(1))  # '62.3% (±1%)' -> 62.3
        if transform == "accuracy_to_error":
            value = 100.0 - value
        paper = " ".join(str(r.get(":paper_name", "")).split())
        url = str(r.get(":paper_pdf_url") or "").strip()
        rows.append({
            "benchmark": bid, "date": end_of_year(int(str(r[":paper_year"]).strip())),
            "system": paper[:120], "value": _r(value),
            "source": f"{AWTY}: {paper}; {url} (date: end of the paper's year {r[':paper_year']}, AWTY gives years only)",
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- wer_are_we

WER = "wer_are_we (github.com/syhw/wer_are_we) README.md"
WER_TABLES = {
    "LibriSpeech": ("librispeech_test_clean_wer", "librispeech_test_other_wer"),
    "WSJ": ("wsj_eval92_wer", "wsj_eval93_wer"),
    "Hub5'00 Evaluation (Switchboard / CallHome)": ("switchboard_wer", "callhome_wer"),
}


def read_wer_are_we(shared: Path) -> tuple[pd.DataFrame, int]:
    text = (shared / "wer-are-we" / "README.md").read_text(encoding="utf-8")
    rows, undated = [], 0
    section = None
    for line in text.splitlines():
        if line.startswith("### "):
            section = line[4:].strip()
            continue
        if section not in WER_TABLES or not line.startswith("|") or "---" in line or "Paper" in line:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or "Humans" in line:
            continue
        first, second, paper, published = cells[0], cells[1], cells[2], cells[3]
        date = month_year_date(published)
        if date is None:
            undated += 1
            continue
        m = re.search(r"\[(.*?)\]\((.*?)\)", paper)
        title, url = (m.group(1), m.group(2)) if m else (paper, "")
        notes = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cells[4]) if len(cells) > 4 else ""  # [text](url) -> text
        for bid, cell in zip(WER_TABLES[section], (first, second)):
            if not cell.rstrip("%").strip():
                continue
            rows.append({
                "benchmark": bid, "date": date, "system": (notes or title)[:120],
                "value": _r(float(cell.rstrip("%"))),
                "source": f"{WER}: {title}; {url} (published '{published}', dated the last day of that month or year)",
            })
    return pd.DataFrame(rows), undated


# --------------------------------------------------------------------------- NIST (published facts)

NIST_SWITCHBOARD = [
    ("1995-04-30", "best system with adaptation, NIST April 1995 evaluation", 43.0),
    ("1997-12-31", "best site, NIST Fall 1997 Hub-5 evaluation (sites 35-58%)", 35.0),
]
NIST_SOURCE = ("NIST/DARPA speech benchmarks as summarised in Pallett, 'A look at NIST's benchmark "
               "ASR tests: past, present, and future' (2003), via published-facts.md")


def read_nist() -> pd.DataFrame:
    return pd.DataFrame([{"benchmark": "nist_switchboard_wer", "date": d, "system": s, "value": v,
                          "source": NIST_SOURCE} for d, s, v in NIST_SWITCHBOARD])


# --------------------------------------------------------------------------- CheXpert

CHEXPERT_LEADERBOARD = [
    # (submission date, model, mean AUC over the 5 pathologies, radiologists below the curve)
    ("2019-07-31", "bedineze", 0.926, 3.0),
    ("2019-09-01", "Hierarchical-Learning-V1 (ensemble), Vingroup Big Data Institute", 0.930, 2.6),
    ("2019-09-01", "yww", 0.926, 2.6),
    ("2019-09-04", "uestc", 0.924, 2.6),
    ("2019-09-09", "Multi-Stage-Learning-CNN-V3 (ensemble), VINBDI Medical Imaging Team", 0.928, 2.6),
    ("2019-09-14", "Hierarchical-CNN-Ensemble-V1 (ensemble), Vingroup Big Data Institute", 0.924, 2.4),
    ("2019-09-16", "DRNet (ensemble), UESTC and SenseTime", 0.926, 2.6),
    ("2019-09-17", "unnamed entry ('null')", 0.923, 2.8),
    ("2019-09-18", "ihil (ensemble), UESTC", 0.927, 2.6),
    ("2019-09-19", "SenseXDR ensemble", 0.927, 2.6),
    ("2019-10-10", "YWW (ensemble), JF&NNU", 0.929, 2.8),
    ("2019-10-15", "Conditional-Training-LSR ensemble", 0.929, 2.6),
    ("2019-10-17", "Conditional-Training-LSR-V1 ensemble", 0.929, 2.6),
    ("2019-11-17", "Hierarchical-Learning-V0 (ensemble), Vingroup Big Data Institute", 0.929, 2.6),
    ("2019-12-04", "Hierarchical-Learning-V4 (ensemble), Vingroup Big Data Institute", 0.929, 2.6),
    ("2019-12-30", "DeepCNNsGM (ensemble), HUST", 0.928, 2.6),
    ("2019-12-30", "DeepCNNs (ensemble), HUST", 0.927, 2.6),
    ("2020-08-31", "DeepAUC-v1 ensemble", 0.930, 2.8),
]
"""The CheXpert leaderboard's top entries (stanfordmlgroup.github.io/competitions/chexpert),
transcribed from the page: only the top-ranked entries were gathered, so the series is
the frontier's neighbourhood, not every submission, and starts when the leaderboard had
already passed the median radiologist."""


# --------------------------------------------------------------------------- MMMU

MMMU_HUMAN = 88.6
MMMU_HUMAN_MEDIUM = 82.6
MMMU_HUMAN_LOW = 76.2
MMMU_FLOOR = 22.1
"""Yue et al. 2023 (arXiv 2311.16502), validation set: human experts low / medium / high,
and random choice. Read on the paper's leaderboard as quoted by vals.ai's MMMU page
("human expert performance ranges from 76.2% ... to 88.6%")."""

MMMU_RESULTS = [
    # (date the score was published, system, MMMU validation accuracy %, where it was published)
    ("2023-11-27", "GPT-4V(ision)", 56.8, "Yue et al. 2023, MMMU (arXiv 2311.16502 v1), validation set"),
    ("2023-12-06", "Gemini Ultra", 59.4, "Gemini Team, 'Gemini: A Family of Highly Capable Multimodal Models' "
     "(arXiv 2312.11805; announced 2023-12-06), MMMU val (pass@1)"),
    ("2024-05-13", "GPT-4o", 69.1, "OpenAI, 'Hello GPT-4o' (2024-05-13), vision understanding evals: MMMU val"),
    ("2024-06-20", "Claude 3.5 Sonnet", 68.3, "Anthropic, 'Claude 3.5 Sonnet' (2024-06-20), vision benchmarks: MMMU val"),
    ("2024-09-12", "o1", 78.2, "OpenAI, 'Learning to reason with LLMs' (2024-09-12): o1 MMMU val 78.2"),
    ("2025-03-25", "Gemini 2.5 Pro (Experimental 03-25)", 81.7, "Google, 'Gemini 2.5: Our most intelligent AI model' "
     "(2025-03-25), benchmark table: MMMU 81.7"),
    ("2025-04-14", "GPT-4.1", 74.8, "OpenAI, 'Introducing GPT-4.1 in the API' (2025-04-14), vision evals: MMMU 74.8"),
    ("2025-04-16", "o3", 82.9, "OpenAI, 'Introducing OpenAI o3 and o4-mini' (2025-04-16): MMMU 82.9 (o4-mini 81.6)"),
    ("2025-04-16", "o4-mini", 81.6, "OpenAI, 'Introducing OpenAI o3 and o4-mini' (2025-04-16): MMMU 81.6"),
    ("2025-05-22", "Claude Opus 4", 73.7, "Anthropic, 'Introducing Claude 4' (2025-05-22), benchmark table: MMMU val 73.7"),
    ("2025-08-07", "GPT-5", 84.2, "OpenAI, 'Introducing GPT-5' (2025-08-07): MMMU 84.2 (college-level visual problem-solving)"),
    ("2025-11-24", "Claude Opus 4.5", 80.7, "Anthropic, 'Introducing Claude Opus 4.5' (2025-11-24), benchmark table: "
     "MMMU (validation) 80.7"),
]
"""MMMU validation scores as the developers published them (self-reported; secondary
copies read: llmdb.com/benchmarks/mmmu, llm-stats.com MMMU (validation), vals.ai). Each is
dated by the day its developer published it (the paper for GPT-4V): a score is usable only
from then. The frontier's points and the later results that show the benchmark is still
reported; not every model that reported MMMU."""


def read_mmmu() -> pd.DataFrame:
    return pd.DataFrame([{"benchmark": "mmmu", "date": d, "system": m, "value": _r(v),
                          "source": f"{src} (self-reported by the developer unless a paper)"}
                         for d, m, v, src in MMMU_RESULTS])


# --------------------------------------------------------------------------- GQA

GQA_HUMAN = 89.3
GQA_FLOOR = 0.0
"""Hudson & Manning 2019 (arXiv 1902.09506, abstract): 'human performance tops at 89.3%'."""

GQA_RESULTS = [
    # (date the score was published, system, GQA test-std accuracy %, where it was published)
    ("2019-02-25", "CNN+LSTM", 46.55, "Hudson & Manning 2019, GQA (arXiv 1902.09506 v1), baseline; "
     "as listed by paperswithcode.com (GQA test-std)"),
    ("2019-02-25", "MAC", 54.06, "Hudson & Manning 2019, GQA (arXiv 1902.09506 v1), baseline; "
     "as listed by paperswithcode.com (GQA test-std)"),
    ("2019-07-31", "NSM (Neural State Machine)", 63.17, "Hudson & Manning 2019, Learning by Abstraction: the "
     "Neural State Machine (arXiv 1907.03950, July 2019, dated the month's last day); the figure as quoted "
     "as GQA test-std state of the art by Zhang et al. 2021, VinVL (github.com/pzzhang/VinVL README)"),
    ("2019-08-20", "LXMERT", 60.3, "Tan & Bansal 2019, LXMERT (arXiv 1908.07490, 2019-08-20), GQA test-std; "
     "NLP-progress GQA table (shared paperswithcode-sota/nlp-progress.json)"),
    ("2020-04-13", "OSCAR (base)", 61.62, "Li et al. 2020, Oscar (arXiv 2004.06165, 2020-04-13), GQA test-std; "
     "as quoted by Zhang et al. 2021, VinVL (github.com/pzzhang/VinVL README)"),
    ("2021-01-02", "VinVL (OSCAR+, base)", 64.65, "Zhang et al. 2021, VinVL (arXiv 2101.00529, 2021-01-02), "
     "GQA test-std (github.com/pzzhang/VinVL README, performance table)"),
]
"""GQA test-std accuracies as the papers published them, each dated by its paper's first
arXiv version. Results on other splits (test-dev, the 2019 challenge's test2019, zero-shot
test-dev of later multimodal LLMs) are left out: they are not the same measure."""


def read_gqa() -> pd.DataFrame:
    return pd.DataFrame([{"benchmark": "gqa", "date": d, "system": m, "value": _r(v), "source": src}
                         for d, m, v, src in GQA_RESULTS])


def read_chexpert() -> pd.DataFrame:
    return pd.DataFrame([{
        "benchmark": "chexpert_rads_below_curve", "date": d, "system": m, "value": _r(v),
        "source": (f"CheXpert leaderboard, stanfordmlgroup.github.io/competitions/chexpert (submission "
                   f"date; mean AUC {auc:.3f}); top entries only"),
    } for d, m, auc, v in CHEXPERT_LEADERBOARD])


# --------------------------------------------------------------------------- Epoch extra

EXTRA = "epoch-benchmark-stitching-extra/data"
EXTRA_CITE = "Epoch AI benchmark-stitching external table {f}: {src} {link}"


def _pct(text: object) -> float | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return float(text.strip().rstrip("%"))


def read_os_world(shared: Path) -> pd.DataFrame:
    """OSWorld results with the date the leaderboard added them (their publication)."""
    f = "external_benchmark_os_world.csv"
    t = pd.read_csv(shared / EXTRA / f, dtype=str, encoding="utf-8-sig")
    t = t[t["Date added"].notna() & t["Score"].notna()]
    dates = pd.to_datetime(t["Date added"].str.strip(), format="%d/%m/%Y")
    return pd.DataFrame({
        "benchmark": "osworld", "date": dates.dt.strftime("%Y-%m-%d").to_numpy(),
        "system": t["Agent"].str.strip().to_numpy(),
        "value": [_r(float(v)) for v in t["Score"]],
        "source": [EXTRA_CITE.format(f=f, src=s.strip(), link=(l or "").strip()) + " (dated by 'Date added')"
                   for s, l in zip(t["Source"], t["Source link"].fillna(""))],
    })


def read_by_model_version(shared: Path, file: str, bid: str, value_col: str, system_col: str,
                          release: dict[str, str], release_src: str) -> tuple[pd.DataFrame, list[str]]:
    """A table keyed by Epoch model version, dated by the version's release date."""
    t = pd.read_csv(shared / EXTRA / file, dtype=str, encoding="utf-8-sig")
    rows, undated = [], []
    for _, r in t.iterrows():
        value = _pct(r.get(value_col))
        version = r.get("Model version")
        if value is None or not isinstance(version, str) or not version.strip():
            continue
        date = _release_of(version, release)
        if date is None:
            undated.append(version.strip())
            continue
        rows.append({
            "benchmark": bid, "date": date,
            "system": f"{r[system_col].strip()} ({version.strip()})" if system_col != "Model version" else version.strip(),
            "value": _r(value),
            "source": EXTRA_CITE.format(f=file, src=str(r.get("Source", "")).strip(), link=str(r.get("Source link", "")).strip())
            + f"; {release_src}",
        })
    return pd.DataFrame(rows), sorted(set(undated))


def _release_of(model: str, dates: dict[str, str]) -> str | None:
    """Release date of an Epoch model id; '_high'-style effort suffixes fall back to the base id."""
    probe = model.strip()
    while probe not in dates:
        if "_" not in probe:
            return None
        probe = probe.rsplit("_", 1)[0]
    return dates[probe]


def eci_release_dates(shared: Path) -> dict[str, str]:
    e = pd.read_csv(shared / "epoch-eci" / "epoch_capabilities_index.csv", dtype=str)
    e = e[e["Release date"].notna()]
    return dict(zip(e["Model version"].str.strip(), e["Release date"].str.strip()))


def read_eci(shared: Path) -> pd.DataFrame:
    e = pd.read_csv(shared / "epoch-eci" / "epoch_capabilities_index.csv", dtype=str)
    e = e[e["ECI Score"].notna() & e["Release date"].notna()]
    return pd.DataFrame({
        "benchmark": "eci", "date": e["Release date"].str.strip().to_numpy(),
        "system": e["Model version"].str.strip().to_numpy(),
        "value": [_r(float(v)) for v in e["ECI Score"]],
        "source": [f"Epoch AI, Epoch Capabilities Index (epoch.ai/benchmarks/eci), via a public mirror; "
                   f"confidence in the release date: {c if isinstance(c, str) else 'not stated'}"
                   for c in e["Confidence"]],
    })


# --------------------------------------------------------------------------- METR

METR_RESULTS = "metr-time-horizons/2026-03/benchmark_results_1_1.yaml"


def read_metr_software(shared: Path) -> pd.DataFrame:
    import yaml

    doc = yaml.safe_load((shared / METR_RESULTS).read_text(encoding="utf-8"))
    rows = []
    for name, r in doc["results"].items():
        p50 = r["metrics"]["p50_horizon_length"]
        rows.append({
            "benchmark": "metr_horizon_software", "date": str(r["release_date"]), "system": name,
            "value": _r(p50["estimate"]),
            "source": (f"METR, time-horizon results {doc['benchmark_name']} (metr.org, "
                       f"benchmark_results_1_1.yaml, copy of 2026-03): p50 horizon {p50['estimate']:.2f} min, "
                       f"95% CI {p50['ci_low']:.2f}-{p50['ci_high']:.2f}; release date as given"),
        })
    return pd.DataFrame(rows)


METR_DOMAINS = {
    "swe_bench_verified": "metr_horizon_swe_bench_verified",
    "osworld": "metr_horizon_osworld",
    "webarena": "metr_horizon_webarena",
    "rlbench": "metr_horizon_rlbench",
    "tesla_fsd": "metr_horizon_self_driving",
    "video_mme": "metr_horizon_video_mme",
    "hendrycks_math": "metr_horizon_math",
    "aime": "metr_horizon_aime",
}
SECONDS_PER_MINUTE = 60.0


def read_metr_domains(shared: Path) -> tuple[pd.DataFrame, dict[str, int]]:
    """METR cross-domain horizons (seconds -> minutes); undated and zero horizons left out."""
    d = pd.read_csv(shared / "metr-cross-domain-horizon" / "data" / "processed" / "all_data.csv", dtype={"release_date": str})
    d = d[d["benchmark"].isin(METR_DOMAINS)]
    dropped = {"undated": int(d["release_date"].isna().sum()),
               "zero_horizon": int((d["release_date"].notna() & ~(d["horizon"] > 0)).sum())}
    d = d[d["release_date"].notna() & (d["horizon"] > 0)]
    return pd.DataFrame({
        "benchmark": d["benchmark"].map(METR_DOMAINS).to_numpy(),
        "date": d["release_date"].str.strip().to_numpy(),
        "system": d["model"].astype(str).to_numpy(),
        "value": [_r(h / SECONDS_PER_MINUTE) for h in d["horizon"]],
        "source": [f"METR, 'How Does Time Horizon Vary Across Domains?' (2025), github.com/METR/cross-domain-horizon "
                   f"@e97c024 data/processed/all_data.csv ({b}; slope {m if isinstance(m, str) else 'n/a'}; score "
                   f"{s if s == s else 'n/a'}); release date as given"
                   for b, m, s in zip(d["benchmark"], d["slope_method"], d["score"])],
    }), dropped


# --------------------------------------------------------------------------- WebArena, RLBench leaderboards

WEBARENA_FILE = "metr-cross-domain-horizon/data/external/X-WebArena-Leaderboard - WebArena.csv"


def read_webarena(shared: Path) -> pd.DataFrame:
    t = pd.read_csv(shared / WEBARENA_FILE, dtype=str)
    rows = []
    for _, r in t.iterrows():
        when = str(r["a"]).strip()
        if when == "WebArena Subset":
            break  # the rows below are a different (subset) leaderboard
        m = re.fullmatch(r"(\d\d)/(\d{4})", when)
        if not m or not isinstance(r["Success Rate (%)"], str):
            continue
        rows.append({
            "benchmark": "webarena", "date": end_of_month(int(m.group(2)), int(m.group(1))),
            "system": r["Model"].strip(), "value": _r(float(r["Success Rate (%)"])),
            "source": (f"WebArena leaderboard (webarena.dev, X-WebArena-Leaderboard sheet, copied by METR "
                       f"cross-domain-horizon): {str(r['Result Source']).strip()} ({when}, dated the month's last day)"),
        })
    return pd.DataFrame(rows)


def read_rlbench(shared: Path) -> pd.DataFrame:
    t = pd.read_csv(shared / "metr-cross-domain-horizon" / "data" / "external" / "rlbench_leaderboard.csv", dtype=str)
    # rows without a date ('Unknown') or a score ('N/A') are left out
    t = t[t["date"].str.fullmatch(r"\d{4}-\d\d-\d\d") & pd.to_numeric(t["score"], errors="coerce").notna()]
    return pd.DataFrame({
        "benchmark": "rlbench", "date": t["date"].str.strip().to_numpy(), "system": t["model"].str.strip().to_numpy(),
        "value": [_r(float(v)) for v in t["score"]],
        "source": [f"RLBench multi-task leaderboard (Papers with Code, copied by METR cross-domain-horizon "
                   f"rlbench_leaderboard.csv): {l}" for l in t["paper_link"].fillna("")],
    })


def build_histories(shared: Path, release: dict[str, str], release_src: str) -> tuple[list[pd.DataFrame], list[str]]:
    """Every reader's rows, and notes on what was left out."""
    notes: list[str] = []
    parts = [read_awty(shared)]
    wer, undated = read_wer_are_we(shared)
    parts += [wer, read_nist(), read_chexpert(), read_mmmu(), read_gqa(), read_os_world(shared), read_eci(shared), read_metr_software(shared)]
    notes.append(f"wer_are_we: {len(wer)} rows; {undated} undated rows left out")
    dates = dict(eci_release_dates(shared))
    dates.update(release)  # Epoch model_versions.csv first, the ECI table's dates as a fallback
    for file, bid, col, system in (
        ("external_benchmark_terminal_bench.csv", "terminal_bench", "Accuracy mean", "Agent"),
        ("external_benchmark_aider_polyglot.csv", "aider_polyglot", "Percent correct", "Model version"),
        ("external_benchmark_videomme.csv", "videomme", "Overall (no subtitles)", "Name"),
    ):
        frame, left = read_by_model_version(shared, file, bid, col, system, dates,
                                            f"{release_src} (or the Epoch ECI table's release date)")
        parts.append(frame)
        notes.append(f"{bid}: {len(frame)} rows; no release date for {len(left)} model versions: {left[:8]}")
    metr, dropped = read_metr_domains(shared)
    parts += [metr, read_webarena(shared), read_rlbench(shared)]
    notes.append(f"METR cross-domain horizons: {len(metr)} rows; left out {dropped}")
    return parts, notes
