"""Regenerate ``data/benchmarks.csv`` and ``data/capability.csv`` from the raw sources.

A build tool, run by hand; nothing in the package imports it. It reads the raw
public data gathered under ``--shared`` (the folder described by its README.md) and
writes the two curated files, with a ``source`` on every row.

    python tools/curate/capability.py --shared /work/shared/data --out data

Sources (see docs/datasets/capability.md for what each measures and its biases):

* ``eff-ai-metrics/progress.json``: EFF AI Progress Measurement (CC-BY-SA 4.0).
  Every metric that carries a human or target baseline becomes a benchmark; its
  dated measurements (minus withdrawn and "not directly comparable" ones) become
  capability rows.
* ``imagenet-sota/imagenet_table.csv``: Papers with Code ImageNet leaderboard
  (top-5 accuracy, via github.com/agataf/AIindex).
* ``paperswithcode-sota/squad.json``: SQuAD 1.1 and 2.0 leaderboards (Apache-2.0).
* ``epoch-benchmarks/*.csv``: Epoch AI Benchmarking Hub runs, external MMLU and
  SuperGLUE scores, model release dates (MIT).
* ``epoch-llm-prices/*.csv``: benchmark scores behind Epoch AI's "LLM inference
  prices have fallen rapidly but unequally across tasks" (Artificial Analysis data).
* ``histories.py`` (this folder): longer histories and measures that do not saturate:
  AWTY (CIFAR-100, STL-10, Pascal VOC), wer_are_we (LibriSpeech, WSJ, Switchboard,
  CallHome), NIST Hub-5, the CheXpert leaderboard, Epoch's OSWorld, Terminal-Bench,
  Aider Polyglot, Video-MME and ECI tables, METR time horizons, WebArena and RLBench.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from histories import build_histories, history_benches  # tools/curate/histories.py
from prices import BENCHMARKS_EPOCH  # tools/curate/prices.py: run as a script, its folder is on sys.path

SECTORS = (
    "computer_vision",
    "speech_recognition",
    "language_understanding",
    "llm_assistants",
    "code_assistants",
    "computer_use_agents",
    "video_generation",
    "autonomous_driving",
    "robotics",
    "web_agents",
    "machine_translation",
    "math_science_assistants",
    "video_understanding",
    "medical_imaging",
    "drug_discovery",
    "other",
)

BENCHMARK_COLUMNS = (
    "benchmark", "sector", "metric", "higher_is_better", "human_baseline", "floor",
    "unit", "scale", "description", "source",
)
CAPABILITY_COLUMNS = ("benchmark", "date", "system", "value", "source")

VALUE_DECIMALS = 6
"""Values are rounded to 6 decimals so that unit conversions (100 - 97.11) do not
write float noise such as 2.8900000000000006."""

MAX_CAPABILITY_BYTES = 2_000_000
"""Keep the bundled capability file well under 2 MB (project brief)."""

EFF = "EFF AI Metrics progress.json"
EPOCH_HUB = "Epoch AI Benchmarking Hub"
EPOCH_RELEASE = "release date: Epoch AI model_versions.csv"
EPOCH_PRICES = "Epoch AI llm-benchmark-efficiency"


@dataclass(frozen=True)
class Bench:
    """One benchmark row, plus how to read its EFF measurements (if it has any)."""

    benchmark: str
    sector: str
    metric: str
    higher_is_better: bool
    human_baseline: float | None
    floor: float
    unit: str
    scale: str
    description: str
    source: str
    transform: str = "none"  # how EFF values map to ours: none, fraction_to_percent, accuracy_to_error


def _conv(value: float, transform: str) -> float:
    if transform == "fraction_to_percent":
        value = value * 100.0
    elif transform == "accuracy_to_error":
        value = 100.0 - value
    elif transform != "none":
        raise ValueError(f"unknown transform {transform!r}")
    return round(float(value), VALUE_DECIMALS)


# --------------------------------------------------------------------------- EFF metrics
# Keyed by the EFF metric name. human_baseline None here means "take EFF's target
# (converted)"; Atari games are generated below from one table.

_SPEECH_FLOOR = "floor: 100% WER (a system that outputs nothing)"
_DS2 = ("Amodei et al. 2015, Deep Speech 2 (arxiv.org/abs/1512.02595): WER of human "
        "transcribers, {v}%; EFF target")
_BLEU = ("EFF target 50 BLEU, labelled 'identical to professional human translations': a "
         "reported target, not measured human performance (EFF records no source); floor: 0 BLEU")
_SCIENCE = ("EFF target 100%, labelled 'perfect score': a reported target, not measured human "
            "performance; floor: random guessing among four options, 25%")
_CARD2CODE = ("EFF target 100%, labelled 'bug-free card implementation': a reported target, not "
              "measured human performance; floor: 0%")
_BABI = ("EFF target 99%, labelled 'excellent performance': a reported target, not measured "
         "human performance (Weston et al. 2015 count a task as passed at 95%); floor: 0% "
         "(mean over 20 tasks with different answer sets: no single chance level)")

_EFF_LIST: list[tuple[str, Bench]] = [
    ("COCO Visual Question Answering (VQA) real images 1.0 open ended", Bench(
        "vqa_real_oe", "computer_vision", "accuracy", True, None, 29.66, "percent", "linear",
        "VQA 1.0 (COCO real images), open-ended answers: accuracy against 10 human answers",
        "Antol et al. 2015, VQA (arxiv.org/abs/1505.00468): human accuracy 83.3% on real images, "
        "open-ended; EFF target. Floor: Antol et al. 2015 'prior (yes)' baseline, 29.66% "
        "(always answering 'yes')")),
    ("COCO Visual Question Answering (VQA) abstract images 1.0 open ended", Bench(
        "vqa_abstract_oe", "computer_vision", "accuracy", True, None, 0.0, "percent", "linear",
        "VQA 1.0 abstract scenes, open-ended answers: accuracy against 10 human answers",
        "Antol et al. 2015, VQA (arxiv.org/abs/1505.00468): human accuracy 87.49% on abstract "
        "scenes, open-ended; EFF target. Floor: 0% (open-ended answers; no trivial baseline "
        "recorded for abstract scenes)")),
    ("DAQUAR", Bench(
        "daquar", "computer_vision", "accuracy", True, None, 0.0, "percent", "linear",
        "DAQUAR indoor-scene image question answering: accuracy (EFF records no results)",
        "EFF target 60.27%, citing Ren et al. 2015 (arxiv.org/abs/1505.02074); "
        "floor: 0% (open-ended answers)")),
    ("Imagenet Image Recognition", Bench(
        "imagenet_top5_error", "computer_vision", "top5_error", False, None, 99.5,
        "error_percent", "log",
        "ImageNet (ILSVRC) 1000-class image classification: top-5 error",
        "Russakovsky et al. 2015, ImageNet Large Scale Visual Recognition Challenge (human "
        "top-5 error 5.1%, a trained annotator on 1,500 test images); EFF target 0.051. "
        "Floor: random guessing, 99.5% top-5 error (5 guesses of 1000 classes)",
        "fraction_to_percent")),
    ("CIFAR-10 Image Recognition", Bench(
        "cifar10_error", "computer_vision", "error", False, None, 90.0, "error_percent", "log",
        "CIFAR-10 10-class image classification: test error (100 - accuracy)",
        "Karpathy 2011, 'Lessons learned from manually classifying CIFAR-10' (about 94% "
        "accuracy, i.e. 6% error, one person on about 400 test images: an informal "
        "measurement); EFF target 94% correct. Floor: random guessing over 10 classes, 90% error",
        "accuracy_to_error")),
    ("Street View House Numbers (SVHN)", Bench(
        "svhn_error", "computer_vision", "error", False, None, 90.0, "error_percent", "log",
        "Street View House Numbers digit classification: test error",
        "Netzer et al. 2011, Reading Digits in Natural Images with Unsupervised Feature "
        "Learning (human error 2.0%); EFF target. Floor: random guessing over 10 digits, 90% error")),
    ("MNIST handwritten digit recognition", Bench(
        "mnist_error", "computer_vision", "error", False, None, 90.0, "error_percent", "log",
        "MNIST handwritten digit classification: test error",
        "Human error about 0.2%, an estimate quoted by Schmidhuber "
        "(people.idsia.ch/~juergen/superhumanpatternrecognition.html), not a controlled "
        "measurement; EFF target. Floor: random guessing over 10 digits, 90% error")),
    ("Computer Chess", Bench(
        "chess_elo", "other", "elo", True, None, 0.0, "elo", "linear",
        "Computer chess engines: Elo rating (SSDF and similar engine lists)",
        "EFF target 2882, labelled 'best human play': Magnus Carlsen's peak FIDE rating "
        "(Wikipedia, comparison of top chess players): the best human, not a typical one; "
        "engine and FIDE rating pools are not strictly comparable. Floor: 0, a conventional "
        "origin (an Elo scale has no chance level)")),
    ("Computer Go", Bench(
        "go_elo", "other", "elo", True, None, 0.0, "elo", "linear",
        "Computer Go programs: Elo rating",
        "EFF target 3650, labelled 'best human play', from goratings.org history (top human "
        "professional): the best human, not a typical one. Floor: 0, a conventional origin "
        "(an Elo scale has no chance level)")),
    ("Word error rate on Switchboard trained against the Hub5'00 dataset", Bench(
        "switchboard_wer", "speech_recognition", "wer", False, None, 100.0, "wer_percent", "log",
        "Switchboard conversational telephone speech (Hub5'00 evaluation): word error rate",
        "Xiong et al. 2016, Achieving Human Parity in Conversational Speech Recognition "
        "(arxiv.org/abs/1610.05256): professional transcribers 5.9% WER; EFF target (EFF "
        "records no source). Saon et al. 2017 (arxiv.org/abs/1703.02136) measured 5.1% with a "
        "more careful transcription process. " + _SPEECH_FLOOR)),
    ("librispeech WER testclean", Bench(
        "librispeech_test_clean_wer", "speech_recognition", "wer", False, None, 100.0,
        "wer_percent", "log", "LibriSpeech test-clean read speech: word error rate",
        _DS2.format(v=5.83) + ". " + _SPEECH_FLOOR)),
    ("librispeech WER testother", Bench(
        "librispeech_test_other_wer", "speech_recognition", "wer", False, None, 100.0,
        "wer_percent", "log", "LibriSpeech test-other (harder) read speech: word error rate",
        _DS2.format(v=12.69) + ". " + _SPEECH_FLOOR)),
    ("wsj WER eval92", Bench(
        "wsj_eval92_wer", "speech_recognition", "wer", False, None, 100.0, "wer_percent", "log",
        "Wall Street Journal eval92 read speech: word error rate",
        _DS2.format(v=5.03) + ". " + _SPEECH_FLOOR)),
    ("wsj WER eval93", Bench(
        "wsj_eval93_wer", "speech_recognition", "wer", False, None, 100.0, "wer_percent", "log",
        "Wall Street Journal eval93 read speech: word error rate",
        _DS2.format(v=8.08) + ". " + _SPEECH_FLOOR)),
    ("Precision of Instrumentals detection reached when tested on SATIN (Bayle et al. 2017)", Bench(
        "satin_instrumental_precision", "other", "precision", True, None, 0.0, "percent", "linear",
        "Music auto-tagging: precision of instrumental-track detection on SATIN (Bayle et al. 2017)",
        "EFF target 99%: a reported target, not measured human performance (EFF records no "
        "source). Floor: 0% (the chance precision depends on the class balance, not recorded)")),
    ("Hutter Prize (bits per character to encode English text)", Bench(
        "hutter_prize_bpc", "other", "bits_per_character", False, None, 8.0,
        "bits_per_character", "linear",
        "Hutter Prize / enwik8 text compression: bits per character",
        "EFF target 1.3 bits per character, labelled 'region of human performance', citing "
        "Shannon 1951 (languagelog.ldc.upenn.edu/myl/Shannon1950.pdf): the upper end of "
        "Shannon's 0.6-1.3 bpc estimate of the entropy of English for humans, an estimate. "
        "Floor: 8 bits per character (uncompressed 8-bit text)")),
    ("LAMBADA prediction of words in discourse", Bench(
        "lambada", "language_understanding", "accuracy", True, None, 0.0, "percent", "linear",
        "LAMBADA: predict the last word of a passage that needs the broad context",
        "EFF target 86%, citing Chu et al. 2016 (arxiv.org/abs/1610.08431); LAMBADA passages "
        "were selected so that human subjects guess the last word given the whole passage. "
        "Floor: 0% (open vocabulary)")),
    ("The Loebner Prize scored selection answers", Bench(
        "loebner_prize", "other", "plausible_answers", True, None, 0.0, "percent", "linear",
        "Loebner Prize selection round: percentage of chatbot answers rated plausible "
        "(each year is a different test)",
        "EFF target 100%, labelled 'completely plausible answers': a reported target, not "
        "measured human performance; the test changes every year. Floor: 0%")),
    ("bAbi 20 QA (10k training examples)", Bench(
        "babi_10k", "language_understanding", "mean_accuracy", True, None, 0.0, "percent",
        "linear", "bAbI 20 synthetic QA tasks, 10k training examples each: mean accuracy", _BABI)),
    ("bAbi 20 QA (1k training examples)", Bench(
        "babi_1k", "language_understanding", "mean_accuracy", True, None, 0.0, "percent",
        "linear", "bAbI 20 synthetic QA tasks, 1k training examples each: mean accuracy", _BABI)),
    ("bAbi Children's Book comprehension CBtest CN", Bench(
        "cbt_cn", "language_understanding", "accuracy", True, None, 10.0, "percent", "linear",
        "Children's Book Test, common nouns: pick the missing word from 10 candidates",
        "Hill et al. 2015, The Goldilocks Principle (arxiv.org/abs/1511.02301): human accuracy "
        "with the full context, 81.6%; EFF target. Floor: random choice among 10 candidates, 10%")),
    ("bAbi Children's Book comprehension CBtest NE", Bench(
        "cbt_ne", "language_understanding", "accuracy", True, None, 10.0, "percent", "linear",
        "Children's Book Test, named entities: pick the missing word from 10 candidates",
        "Hill et al. 2015, The Goldilocks Principle (arxiv.org/abs/1511.02301): human accuracy "
        "with the full context, 81.6%; EFF target. Floor: random choice among 10 candidates, 10%")),
    ("Stanford Question Answering Dataset EM test", Bench(
        "squad11_em", "language_understanding", "exact_match", True, None, 0.0, "percent",
        "linear", "SQuAD 1.1 extractive reading comprehension, test set: exact match",
        "Rajpurkar et al. 2016, SQuAD (arxiv.org/abs/1606.05250): human performance on the "
        "test set, EM 82.304; EFF target. Floor: 0% (span extraction has no chance level)")),
    ("Stanford Question Answering Dataset F1 test", Bench(
        "squad11_f1", "language_understanding", "f1", True, None, 0.0, "percent", "linear",
        "SQuAD 1.1 extractive reading comprehension, test set: token F1",
        "Rajpurkar et al. 2016, SQuAD (arxiv.org/abs/1606.05250): human performance on the "
        "test set, F1 91.221; EFF target. Floor: 0% (span extraction has no chance level)")),
    ("news-test-2014 En-Fr BLEU", Bench(
        "wmt14_en_fr_bleu", "machine_translation", "bleu", True, None, 0.0, "bleu", "linear",
        "WMT newstest2014 English-French machine translation: BLEU", _BLEU)),
    ("news-test-2014 En-De BLEU", Bench(
        "wmt14_en_de_bleu", "machine_translation", "bleu", True, None, 0.0, "bleu", "linear",
        "WMT newstest2014 English-German machine translation: BLEU", _BLEU)),
    ("news-test-2015 En-De BLEU", Bench(
        "wmt15_en_de_bleu", "machine_translation", "bleu", True, None, 0.0, "bleu", "linear",
        "WMT newstest2015 English-German machine translation: BLEU", _BLEU)),
    ("news-test-2016 En-Ro BLEU", Bench(
        "wmt16_en_ro_bleu", "machine_translation", "bleu", True, None, 0.0, "bleu", "linear",
        "WMT newstest2016 English-Romanian machine translation: BLEU", _BLEU)),
    ("LDC En-De BLEU", Bench(
        "ldc_en_de_bleu", "machine_translation", "bleu", True, None, 0.0, "bleu", "linear",
        "LDC English-German machine translation: BLEU", _BLEU)),
    ("Card2Code MTG accuracy", Bench(
        "card2code_mtg", "code_assistants", "accuracy", True, None, 0.0, "percent", "linear",
        "Card2Code: generate the Java implementation of a Magic: The Gathering card from its text "
        "(exact-match accuracy)", _CARD2CODE)),
    ("Card2Code Hearthstone accuracy", Bench(
        "card2code_hearthstone", "code_assistants", "accuracy", True, None, 0.0, "percent",
        "linear", "Card2Code: generate the Python implementation of a Hearthstone card from its "
        "text (exact-match accuracy)", _CARD2CODE)),
    ("NY Regents 4th Grade Science Exams", Bench(
        "ny_regents_4th_grade_science", "language_understanding", "accuracy", True, None, 25.0,
        "percent", "linear", "New York Regents 4th-grade science exam, multiple choice", _SCIENCE)),
    ("Elementery Non-Diagram Multiple Choice (NDMC) Science Exam accuracy", Bench(
        "science_exam_elementary_ndmc", "language_understanding", "accuracy", True, None, 25.0,
        "percent", "linear",
        "Allen AI elementary-school science exam, non-diagram multiple choice (EFF records no results)",
        _SCIENCE)),
    ("Elementery Diagram Multiple Choice (DMC) Science Exam accuracy", Bench(
        "science_exam_elementary_dmc", "language_understanding", "accuracy", True, None, 25.0,
        "percent", "linear",
        "Allen AI elementary-school science exam, diagram multiple choice (EFF records no results)",
        _SCIENCE)),
    ("Middle School Non-Diagram Multiple Choice (NDMC) Science Exam accuracy", Bench(
        "science_exam_middle_ndmc", "language_understanding", "accuracy", True, None, 25.0,
        "percent", "linear",
        "Allen AI middle-school science exam, non-diagram multiple choice (EFF records no results)",
        _SCIENCE)),
    ("Middle School Diagram Multiple Choice (DMC) Science Exam accuracy", Bench(
        "science_exam_middle_dmc", "language_understanding", "accuracy", True, None, 25.0,
        "percent", "linear",
        "Allen AI middle-school science exam, diagram multiple choice (EFF records no results)",
        _SCIENCE)),
]

# Atari 2600 (Arcade Learning Environment). Random-agent scores: Mnih et al. 2015
# (Nature DQN) for the original 49 games and van Hasselt et al. 2016 (Double DQN) for
# the others, as tabulated in google-deepmind/dqn_zoo, dqn_zoo/atari_data.py.
ATARI_RANDOM_SCORE: dict[str, float] = {
    "Alien": 227.8, "Amidar": 5.8, "Assault": 222.4, "Asterix": 210.0, "Asteroids": 719.1,
    "Atlantis": 12850.0, "Bank Heist": 14.2, "Battle Zone": 2360.0, "Beam Rider": 363.9,
    "Berzerk": 123.7, "Bowling": 23.1, "Boxing": 0.1, "Breakout": 1.7, "Centipede": 2090.9,
    "Chopper Command": 811.0, "Crazy Climber": 10780.5, "Defender": 2874.5,
    "Demon Attack": 152.1, "Double Dunk": -18.6, "Enduro": 0.0, "Fishing Derby": -91.7,
    "Freeway": 0.0, "Frostbite": 65.2, "Gopher": 257.6, "Gravitar": 173.0, "HERO": 1027.0,
    "Ice Hockey": -11.2, "James Bond": 29.0, "Kangaroo": 52.0, "Krull": 1598.0,
    "Kung-Fu Master": 258.5, "Montezuma's Revenge": 0.0, "Ms. Pacman": 307.3,
    "Name This Game": 2292.3, "Phoenix": 761.4, "Pitfall!": -229.4, "Pong": -20.7,
    "Private Eye": 24.9, "Q*Bert": 163.9, "River Raid": 1338.5, "Road Runner": 11.5,
    "Robotank": 2.2, "Seaquest": 68.4, "Skiing": -17098.1, "Solaris": 1236.3,
    "Space Invaders": 148.0, "Star Gunner": 664.0, "Surround": -10.0, "Tennis": -23.8,
    "Time Pilot": 3568.0, "Tutankham": 11.4, "Up and Down": 533.4, "Venture": 0.0,
    "Video Pinball": 16256.9, "Wizard of Wor": 563.5, "Yars Revenge": 3092.9, "Zaxxon": 32.5,
}

# EFF's human targets for these five games equal the human score of a *different*
# game in the van Hasselt et al. 2016 table (Phoenix 2665.5 is Krull's, Pitfall!
# 22736.3 is Kung-Fu Master's, Skiing 13455.0 is Q*Bert's, Solaris 17118.0 is River
# Raid's): a transcription error. Replaced by the human scores of that table, as
# tabulated in google-deepmind/dqn_zoo, dqn_zoo/atari_data.py.
ATARI_HUMAN_CORRECTION: dict[str, float] = {
    "Phoenix": 7242.6, "Pitfall!": 6463.7, "Skiing": -4336.9, "Solaris": 12326.7,
    "Yars Revenge": 54576.9,
}

ATARI_FLOOR_SOURCE = ("floor: random-agent score (Mnih et al. 2015; van Hasselt et al. 2016), "
                      "as tabulated in google-deepmind/dqn_zoo atari_data.py")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower().replace("'", "").replace("*", "")).strip("_")


def _atari_bench(game: str, target: float, target_source: str) -> Bench:
    if game in ATARI_HUMAN_CORRECTION:
        human = ATARI_HUMAN_CORRECTION[game]
        src = (f"van Hasselt et al. 2016, Deep Reinforcement Learning with Double Q-learning "
               f"(human score {human}, via google-deepmind/dqn_zoo atari_data.py); EFF's target "
               f"{target} ({target_source}) equals another game's human score in that table, a "
               f"transcription error, and is not used. {ATARI_FLOOR_SOURCE}")
    else:
        human = None
        src = (f"Human score {target} (professional human games tester; Mnih et al. 2015, "
               f"Human-level control through deep reinforcement learning, or the paper EFF "
               f"cites: {target_source}); EFF target. {ATARI_FLOOR_SOURCE}")
    return Bench(
        f"atari_{_slug(game)}", "other", "game_score", True, human, ATARI_RANDOM_SCORE[game],
        "game_score", "linear", f"Atari 2600 {game} (Arcade Learning Environment): game score",
        src)


# --------------------------------------------------------------------------- LLM era

FRONTIERMATH_HUMAN = 40.0
"""Midpoint of the 30-50% human baseline Epoch AI reports for FrontierMath (2025-05)."""

LLM_BENCHES: tuple[Bench, ...] = (
    Bench("mmlu", "llm_assistants", "accuracy", True, 89.8, 25.0, "percent", "linear",
          "MMLU: 57-subject multiple-choice knowledge and reasoning exam (mostly 5-shot)",
          "Hendrycks et al. 2021, Measuring Massive Multitask Language Understanding: estimated "
          "expert-level accuracy 89.8% (an estimate built from expert test-taker percentiles per "
          "subject, not one measured group; unspecialised crowd workers scored 34.5%). Floor: "
          "random guessing among four options, 25%"),
    Bench("gpqa_diamond", "llm_assistants", "accuracy", True, 81.3, 25.0, "percent", "linear",
          "GPQA Diamond: 198 graduate-level, 'Google-proof' multiple-choice science questions",
          "Rein et al. 2023, GPQA (arxiv.org/abs/2311.12022): expert-validator accuracy on the "
          "Diamond subset 81.3% (read in a secondary summary of the paper's Table 2); biased "
          "upward because Diamond keeps questions the expert validators answered correctly. The "
          "paper's headline expert accuracy on the full set is 65% (74% discounting clear "
          "mistakes); non-experts with web access 34%. Floor: random guessing among four "
          "options, 25%"),
    Bench("humaneval", "code_assistants", "pass_at_1", True, 100.0, 0.0, "percent", "linear",
          "HumanEval: 164 Python function-synthesis problems, pass@1",
          "Target, not a measured human baseline (assumption): Chen et al. 2021, Evaluating "
          "Large Language Models Trained on Code, report no human score; the 164 problems are "
          "interview-style exercises a competent programmer solves, so the target is 100% "
          "pass@1. Floor: 0% pass@1"),
    Bench("math500", "llm_assistants", "accuracy", True, 90.0, 0.0, "percent", "linear",
          "MATH-500: 500 competition-mathematics problems from the MATH test set "
          "(Lightman et al. 2023 subset)",
          "Hendrycks et al. 2021, Measuring Mathematical Problem Solving With the MATH Dataset: "
          "a three-time IMO gold medallist scored 90% (a computer-science PhD student about "
          "40%) on a sample of MATH problems; one participant each, and on MATH, of which "
          "MATH-500 is a subset. Floor: 0% (free-form answers)"),
    Bench("math_level5", "llm_assistants", "accuracy", True, None, 0.0, "percent", "linear",
          "MATH Level 5: the hardest difficulty level of the MATH test set",
          "No published human baseline for Level 5 alone (Hendrycks et al. 2021 report human "
          "scores on a mixed sample only): human_baseline left empty. Floor: 0% (free-form answers)"),
    Bench("swe_bench_verified", "code_assistants", "resolved", True, 100.0, 0.0, "percent",
          "linear",
          "SWE-bench Verified: 500 real GitHub issues (human-screened) resolved by a model-written patch",
          "Target, not a measured human baseline (assumption): the 500 tasks were screened by "
          "software engineers as well specified and solvable (OpenAI 2024, Introducing SWE-bench "
          "Verified), so a human engineer is taken to resolve them all: 100%. Floor: 0% resolved"),
    Bench("osworld", "computer_use_agents", "success_rate", True, 72.36, 0.0, "percent",
          "linear", "OSWorld: 369 open-ended computer tasks in real desktop applications",
          "Xie et al. 2024, OSWorld (arxiv.org/abs/2404.07972): human success rate 72.36%. "
          "Floor: 0% task success"),
    Bench("chatbot_arena_elo", "llm_assistants", "elo", True, None, 0.0, "elo", "linear",
          "LMSYS Chatbot Arena: Elo-style rating from pairwise human preference votes",
          "No human baseline (a relative preference rating); used only as a price threshold. "
          "Floor: 0, a conventional origin (an Elo scale has no chance level)"),
    Bench("superglue", "language_understanding", "score", True, 89.8, 47.1, "percent",
          "linear", "SuperGLUE: average score over eight language-understanding tasks",
          "Wang et al. 2019, SuperGLUE (arxiv.org/abs/1905.00537): human baseline 89.8. "
          "Floor: the paper's most-frequent-class baseline, 47.1"),
    Bench("squad20_em", "language_understanding", "exact_match", True, 86.831, 50.07,
          "percent", "linear",
          "SQuAD 2.0 reading comprehension with unanswerable questions, test set: exact match",
          "Rajpurkar, Jia and Liang 2018, Know What You Don't Know (arxiv.org/abs/1806.03822): "
          "human performance EM 86.831 (SQuAD leaderboard). Floor: always abstaining, 50.07% "
          "(5,945 of the 11,873 dev-set questions are unanswerable; the hidden test set's share "
          "is not published)"),
    Bench("squad20_f1", "language_understanding", "f1", True, 89.452, 50.07, "percent",
          "linear",
          "SQuAD 2.0 reading comprehension with unanswerable questions, test set: token F1",
          "Rajpurkar, Jia and Liang 2018, Know What You Don't Know (arxiv.org/abs/1806.03822): "
          "human performance F1 89.452 (SQuAD leaderboard). Floor: always abstaining, 50.07% "
          "(5,945 of the 11,873 dev-set questions are unanswerable; the hidden test set's share "
          "is not published)"),
    Bench("frontiermath", "llm_assistants", "accuracy", True, FRONTIERMATH_HUMAN, 0.0, "percent", "linear",
          "FrontierMath tiers 1-3 (Epoch AI private set, 2025-02-28 version): research-level "
          "mathematics problems",
          "Epoch AI, 'Is AI already superhuman on FrontierMath?' (2025-05; epoch.ai): eight "
          "teams of four or five MIT mathematicians (PhDs and strong competition undergrads), "
          "4.5 hours and internet access, on 23 of the easier problems; the author judges the "
          "most informative human baseline 'somewhere between 30-50%'. The midpoint, 40%, is "
          "used: a measured but small and non-representative baseline, for teams not one "
          "person. Floor: 0% (automatically verified exact answers)"),
    Bench("otis_mock_aime", "llm_assistants", "accuracy", True, None, 0.0, "percent", "linear",
          "OTIS Mock AIME 2024-2025: competition-mathematics problems with integer answers",
          "No published human baseline for this problem set: human_baseline left empty. "
          "Floor: 0% (integer answers 0-999; guessing is about 0.1%)"),
)


# --------------------------------------------------------------------------- readers


def read_eff(shared: Path) -> tuple[list[Bench], pd.DataFrame, dict[str, int]]:
    """Benchmarks (every EFF metric with a target) and their dated measurements."""
    doc = json.loads((shared / "eff-ai-metrics" / "progress.json").read_text(encoding="utf-8"))
    specs = dict(_EFF_LIST)
    benches: list[Bench] = []
    rows: list[dict[str, object]] = []
    dropped = {"withdrawn": 0, "not_directly_comparable": 0}
    seen_targets: set[str] = set()
    for problem in doc["problems"]:
        for metric in problem["metrics"]:
            target = metric.get("target")
            if target is None:
                continue
            name = metric["name"]
            seen_targets.add(name)
            if name.startswith("Atari 2600 "):
                game = name.removeprefix("Atari 2600 ")
                spec = _atari_bench(game, float(target), metric.get("target_source") or "no source")
            else:
                if name not in specs:
                    raise SystemExit(f"EFF metric {name!r} has a target but no curated spec; add it to _EFF_LIST")
                spec = specs[name]
            human = spec.human_baseline if spec.human_baseline is not None else _conv(float(target), spec.transform)
            spec = replace(spec, human_baseline=human)
            benches.append(spec)
            for m in metric["measures"]:
                if m.get("withdrawn"):
                    dropped["withdrawn"] += 1
                    continue
                if m.get("not_directly_comparable"):
                    dropped["not_directly_comparable"] += 1
                    continue
                title = (m.get("papername") or "").strip()
                where = (m.get("url") or "").strip()
                cite = "; ".join(x for x in (title, where) if x) or "no citation recorded"
                rows.append({
                    "benchmark": spec.benchmark,
                    "date": m["date"],
                    "system": (m.get("name") or "").strip(),
                    "value": _conv(float(m["value"]), spec.transform),
                    "source": f"{EFF}: {cite}",
                })
    missing = set(specs) - seen_targets
    if missing:
        raise SystemExit(f"curated EFF specs not found in progress.json: {sorted(missing)}")
    return benches, pd.DataFrame(rows), dropped


def read_imagenet_sota(shared: Path) -> pd.DataFrame:
    """Papers with Code ImageNet leaderboard: top-5 accuracy -> top-5 error."""
    raw = pd.read_csv(shared / "imagenet-sota" / "imagenet_table.csv", dtype=str)
    raw = raw.iloc[:, :8]  # the sheet repeats empty blocks of columns after the first eight
    raw = raw[raw["Top 5 Accuracy"].notna() & raw["date"].notna()]
    acc = raw["Top 5 Accuracy"].str.rstrip("%").astype(float)
    system = raw["Method"].str.replace(r"\s+", " ", regex=True).str.strip()
    extra = raw["Extra Training Data Label"].fillna("").str.strip().eq("X")
    return pd.DataFrame({
        "benchmark": "imagenet_top5_error",
        "date": raw["date"].str.strip(),
        "system": system,
        "value": [round(100.0 - a, VALUE_DECIMALS) for a in acc],
        "source": [
            "Papers with Code ImageNet leaderboard via github.com/agataf/AIindex imagenet_table.csv "
            f"(top-5 accuracy {a}%{', extra training data' if x else ''})"
            for a, x in zip(acc, extra)
        ],
    })


SQUAD_FAILED_F1 = 1.0
"""Leaderboard entries scoring under 1 F1 (mostly exactly 0) are failed submissions,
not systems; they are left out."""


def read_squad_pwc(shared: Path) -> tuple[pd.DataFrame, int, int]:
    """SQuAD 1.1 and 2.0 leaderboards from Papers with Code's sota-extractor."""
    doc = json.loads((shared / "paperswithcode-sota" / "squad.json").read_text(encoding="utf-8"))
    ids = {"SQuAD1.1": ("squad11_em", "squad11_f1"), "SQuAD2.0": ("squad20_em", "squad20_f1")}
    rows: list[dict[str, object]] = []
    undated = failed = 0
    for task in doc:
        for ds in task["datasets"]:
            em_id, f1_id = ids[ds["dataset"]]
            for r in ds["sota"]["rows"]:
                if not r.get("paper_date"):
                    undated += 1
                    continue
                if float(r["metrics"]["F1"]) < SQUAD_FAILED_F1:
                    failed += 1
                    continue
                link = (r.get("paper_url") or "").strip()
                src = ("Papers with Code sota-extractor, SQuAD leaderboard "
                       "(rajpurkar.github.io/SQuAD-explorer), test set" + (f"; {link}" if link else ""))
                system = (r.get("model_name") or "").strip() or "unnamed leaderboard entry"
                for bid, key in ((em_id, "EM"), (f1_id, "F1")):
                    rows.append({"benchmark": bid, "date": r["paper_date"], "system": system,
                                 "value": round(float(r["metrics"][key]), VALUE_DECIMALS),
                                 "source": src})
    return pd.DataFrame(rows), undated, failed


def _release_dates(shared: Path) -> dict[str, str]:
    mv = pd.read_csv(shared / "epoch-benchmarks" / "model_versions.csv", dtype=str)
    mv = mv[mv["Version release date"].notna()]
    return dict(zip(mv["id"].str.strip(), mv["Version release date"].str.strip()))


def _release_of(model: str, dates: dict[str, str]) -> str | None:
    """Release date of an Epoch model id; '_high'-style effort suffixes fall back to the base id."""
    probe = model.strip()
    while True:
        if probe in dates:
            return dates[probe]
        if "_" not in probe:
            return None
        probe = probe.rsplit("_", 1)[0]


EPOCH_TASKS = {
    "GPQA diamond": "gpqa_diamond",
    "MATH level 5": "math_level5",
    "SWE-Bench verified": "swe_bench_verified",
    "OTIS Mock AIME 2024-2025": "otis_mock_aime",
    "FrontierMath-2025-02-28-Private": "frontiermath",
}
"""Epoch Hub tasks kept. Left out: the FrontierMath public sample and the Tier-4 sets
(small, overlapping the private tiers-1-3 headline set)."""


def read_epoch_runs(shared: Path, dates: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    runs = pd.read_csv(shared / "epoch-benchmarks" / "benchmarks_runs.csv", dtype=str)
    runs = runs[runs["task"].isin(EPOCH_TASKS) & runs["Status"].eq("Success")]
    rows, undated = [], []
    for _, r in runs.iterrows():
        released = _release_of(r["model"], dates)
        if released is None:
            undated.append(r["model"])
            continue
        rows.append({
            "benchmark": EPOCH_TASKS[r["task"]],
            "date": released,
            "system": r["model"].strip(),
            "value": round(float(r["Best score (across scorers)"]) * 100.0, VALUE_DECIMALS),
            "source": f"{EPOCH_HUB}, run {r['id']} (task version {r['task version']}); {EPOCH_RELEASE}",
        })
    return pd.DataFrame(rows), sorted(set(undated))


# Models whose Epoch model-version mapping is not the model the score belongs to.
# GPT-3 175B's 43.9 (Brown et al. 2020, reported again by Gopher and LLaMA) is
# mapped by Epoch to text-davinci-001 (2022-01-27), a later InstructGPT model.
GPT3_PAPER_DATE = "2020-05-28"
"""Brown et al., Language Models are Few-Shot Learners, arXiv 2005.14165 v1."""


def read_epoch_mmlu(shared: Path, dates: dict[str, str]) -> tuple[pd.DataFrame, int, int]:
    ext = pd.read_csv(shared / "epoch-benchmarks" / "external_benchmark_mmlu.csv", dtype=str)
    shots = pd.to_numeric(ext["Shots"], errors="coerce")
    zero_shot = int((shots == 0).sum())
    ext = ext[shots != 0]  # 0-shot rows duplicate a 5-shot row from the same report
    rows, undated = [], 0
    for _, r in ext.iterrows():
        version = r["Model version"].strip() if isinstance(r["Model version"], str) else ""
        name = r["Name"].strip()
        if name in ("GPT-3", "GPT-3 175B"):
            released, date_src = GPT3_PAPER_DATE, "release date: Brown et al. 2020 (arXiv 2005.14165)"
        else:
            released, date_src = dates.get(version), EPOCH_RELEASE
        if not released:
            undated += 1
            continue
        n = r["Shots"]
        shot_txt = f"{int(float(n))}-shot" if isinstance(n, str) and n.strip() else "shots not stated"
        link = r["Source link"].strip() if isinstance(r["Source link"], str) else ""
        rows.append({
            "benchmark": "mmlu",
            "date": released,
            "system": version or name,
            "value": round(float(r["EM"].strip().rstrip("%")), VALUE_DECIMALS),
            "source": f"Epoch AI external MMLU compilation: {r['Source'].strip()} {link} ({shot_txt}); {date_src}",
        })
    return pd.DataFrame(rows), undated, zero_shot


SUPERGLUE_PAPER_DATES = {
    "http://arxiv.org/abs/2005.14165": "2020-05-28",  # GPT-3, Brown et al. 2020
    "https://arxiv.org/pdf/1910.10683": "2019-10-23",  # T5, Raffel et al. 2019
    "http://arxiv.org/abs/2101.03961": "2021-01-11",  # Switch Transformers, Fedus et al. 2021
}
"""arXiv v1 dates of the papers the SuperGLUE scores come from; each score is dated by
the publication of the model it measures (T5 scores reported in the Switch paper are
dated to the T5 paper)."""

T5_PAPER = "https://arxiv.org/pdf/1910.10683"


def read_epoch_superglue(shared: Path) -> pd.DataFrame:
    sg = pd.read_csv(shared / "epoch-benchmarks" / "external_benchmark_superglue.csv", dtype=str)
    sg = sg[sg["Score"].notna()]
    rows = []
    for _, r in sg.iterrows():
        link = r["Source link"].strip()
        model_paper = T5_PAPER if r["Name"].startswith("T5-") else link
        rows.append({
            "benchmark": "superglue",
            "date": SUPERGLUE_PAPER_DATES[model_paper],
            "system": r["Name"].strip(),
            "value": round(float(r["Score"].strip().rstrip("%")), VALUE_DECIMALS),
            "source": (f"Epoch AI external SuperGLUE compilation: {r['Source'].strip()} {link}; "
                       f"date: arXiv v1 of {model_paper}"),
        })
    return pd.DataFrame(rows)


PRICE_COLUMNS = BENCHMARKS_EPOCH  # the benchmark columns of Epoch's price files, as prices.py reads them

# epoch_ai_price_data_not_in_aa_with_benchmarks.csv dates each row by a price
# observation, not by the model's release. Rows are kept only for models whose
# release date is known: model name -> Epoch model_versions id (release date from
# there), or an explicit release date with its citation.
NOT_IN_AA_RELEASE = {
    "Claude 2": "claude-2.0",
    "Claude 2.1": "claude-2.1",
    "DeepSeek-Coder-V2 236B": "DeepSeek-Coder-V2-Instruct",
    "DeepSeek-R1": "DeepSeek-R1",
    "DeepSeek-V3": "DeepSeek-V3",
    "Gemini 1.0 Pro": "gemini-1.0-pro-001",
    "GPT-3.5-Turbo-2023-06": "gpt-3.5-turbo-0613",
    "GPT-3.5-Turbo-2024-01": "gpt-3.5-turbo-0125",
    "GPT-3.5 Turbo": "gpt-3.5-turbo-0301",
    "GPT-4-0613": "gpt-4-0613",
    "GPT-4-0125": "gpt-4-0125-preview",
    "Llama 2-13B": "Llama-2-13b",
    "Llama 2-70B Chat": "Llama-2-70b-chat",
    "Llama 2-7B": "Llama-2-7b",
    "Mistral 7B": "Mistral-7B-v0.1",
    "o1": "o1-2024-12-17_medium",
    "o1-mini": "o1-mini-2024-09-12_medium",
    "o1-preview": "o1-preview-2024-09-12",
    "o3-mini": "o3-mini-2025-01-31_medium",
}
# GPT-3 175B (davinci): rows with MMLU 43.9 are the original davinci (Brown et al.
# 2020); the 2024-01-04 row (63.1) is its replacement davinci-002 and is left out.
# Command R / R+, Jamba 1.5, Reka Core, GPT-3.5 (2022-11-30): version ambiguous or
# release date not in Epoch's table; left out.


def read_epoch_prices(shared: Path, dates: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    folder = shared / "epoch-llm-prices"
    rows: list[dict[str, object]] = []
    left_out: list[str] = []

    aa = pd.read_csv(folder / "aa_data_with_math5.csv", dtype=str)
    for _, r in aa.iterrows():
        for col, bid in PRICE_COLUMNS.items():
            if isinstance(r[col], str) and r[col].strip():
                rows.append({
                    "benchmark": bid, "date": r["Release Date"].strip(),
                    "system": r["Model Name"].strip(),
                    "value": round(float(r[col]), VALUE_DECIMALS),
                    "source": f"{EPOCH_PRICES} aa_data_with_math5.csv (Artificial Analysis scores; release date as given)",
                })

    other = pd.read_csv(folder / "epoch_ai_price_data_not_in_aa_with_benchmarks.csv", dtype=str)
    for _, r in other.iterrows():
        name = r["Model Name"].strip()
        if name == "GPT-3 175B (davinci)" and (r["MMLU"] or "").strip() == "43.9":
            released, date_src = GPT3_PAPER_DATE, "release date: Brown et al. 2020 (arXiv 2005.14165)"
        elif name in NOT_IN_AA_RELEASE:
            released, date_src = dates[NOT_IN_AA_RELEASE[name]], f"{EPOCH_RELEASE} ({NOT_IN_AA_RELEASE[name]})"
        else:
            left_out.append(f"{name} ({r['Release Date']})")
            continue
        for col, bid in PRICE_COLUMNS.items():
            if isinstance(r[col], str) and r[col].strip():
                rows.append({
                    "benchmark": bid, "date": released, "system": name,
                    "value": round(float(r[col]), VALUE_DECIMALS),
                    "source": f"{EPOCH_PRICES} epoch_ai_price_data_not_in_aa_with_benchmarks.csv; {date_src}",
                })
    return pd.DataFrame(rows), left_out


# --------------------------------------------------------------------------- assembly


def build(shared: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    notes: list[str] = []
    eff_benches, eff_rows, dropped = read_eff(shared)
    notes.append(f"EFF: {len(eff_benches)} metrics with a target; {len(eff_rows)} measurements kept; dropped {dropped}")
    benches = eff_benches + list(LLM_BENCHES) + history_benches(Bench)
    bench = pd.DataFrame([{c: getattr(b, c) for c in BENCHMARK_COLUMNS} for b in benches])

    dates = _release_dates(shared)
    squad, squad_undated, squad_failed = read_squad_pwc(shared)
    notes.append(f"PwC SQuAD: {len(squad)} rows; dropped {squad_undated} undated and {squad_failed} failed (F1 < {SQUAD_FAILED_F1}) leaderboard entries")
    runs, runs_undated = read_epoch_runs(shared, dates)
    notes.append(f"Epoch Hub runs: {len(runs)} rows; no release date for {runs_undated}")
    mmlu, mmlu_undated, zero_shot = read_epoch_mmlu(shared, dates)
    notes.append(f"Epoch external MMLU: {len(mmlu)} rows; {zero_shot} 0-shot rows and {mmlu_undated} rows without a release date dropped")
    prices, left_out = read_epoch_prices(shared, dates)
    notes.append(f"Epoch price data: {len(prices)} rows; left out (no reliable release date): {left_out}")
    more, more_notes = build_histories(shared, dates, EPOCH_RELEASE)
    notes += more_notes
    parts = [eff_rows, read_imagenet_sota(shared), squad, runs, mmlu, read_epoch_superglue(shared), prices, *more]
    cap = pd.concat(parts, ignore_index=True)[list(CAPABILITY_COLUMNS)]

    before = len(cap)
    cap = cap.sort_values(list(CAPABILITY_COLUMNS), kind="mergesort")
    cap = cap.drop_duplicates(["benchmark", "date", "system", "value"], keep="first")
    notes.append(f"exact duplicates (benchmark, date, system, value) removed: {before - len(cap)}")
    cap = cap.sort_values(["benchmark", "date", "system", "value"], kind="mergesort").reset_index(drop=True)
    return bench, cap, notes


def validate(bench: pd.DataFrame, cap: pd.DataFrame) -> list[str]:
    """Every problem found, as messages (empty when the files are sound)."""
    problems: list[str] = []
    if bench["benchmark"].duplicated().any():
        problems.append(f"duplicate benchmark ids: {bench.loc[bench['benchmark'].duplicated(), 'benchmark'].tolist()}")
    bad_id = bench[~bench["benchmark"].str.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*")]
    if len(bad_id):
        problems.append(f"benchmark ids not snake_case: {bad_id['benchmark'].tolist()}")
    bad_sector = bench[~bench["sector"].isin(SECTORS)]
    if len(bad_sector):
        problems.append(f"unknown sectors: {bad_sector[['benchmark', 'sector']].values.tolist()}")
    if not bench["scale"].isin(["linear", "log"]).all():
        problems.append("scale must be linear or log")
    for _, b in bench.iterrows():
        hb, fl = b["human_baseline"], b["floor"]
        if fl is None or not math.isfinite(float(fl)):
            problems.append(f"{b['benchmark']}: floor missing")
        if hb is not None and not (isinstance(hb, float) and math.isnan(hb)):
            if (b["higher_is_better"] and not hb > fl) or (not b["higher_is_better"] and not hb < fl):
                problems.append(f"{b['benchmark']}: human_baseline {hb} on the wrong side of floor {fl}")
        if b["scale"] == "log" and (fl <= 0 or (hb is not None and hb <= 0)):
            problems.append(f"{b['benchmark']}: a log scale needs a positive floor and human baseline")
    unknown = sorted(set(cap["benchmark"]) - set(bench["benchmark"]))
    if unknown:
        problems.append(f"capability benchmarks missing from benchmarks.csv: {unknown}")
    parsed = pd.to_datetime(cap["date"], format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():
        problems.append(f"unparseable dates: {cap.loc[parsed.isna(), 'date'].unique().tolist()[:10]}")
    vals = pd.to_numeric(cap["value"], errors="coerce")
    if not vals.map(lambda v: math.isfinite(v) if v == v else False).all():
        problems.append("non-numeric or non-finite values")
    if cap["source"].fillna("").str.strip().eq("").any():
        problems.append("rows without a source")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", required=True, type=Path, help="folder with the raw sources (its README.md lists them)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "data",
                        help="where to write benchmarks.csv and capability.csv (default: the repo's data/)")
    args = parser.parse_args(argv)

    bench, cap, notes = build(args.shared)
    problems = validate(bench, cap)
    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 1

    out_bench = bench.copy()
    out_bench["higher_is_better"] = out_bench["higher_is_better"].map({True: "true", False: "false"})
    args.out.mkdir(parents=True, exist_ok=True)
    out_bench.to_csv(args.out / "benchmarks.csv", index=False, lineterminator="\n")
    cap.to_csv(args.out / "capability.csv", index=False, lineterminator="\n")
    size = (args.out / "capability.csv").stat().st_size
    if size > MAX_CAPABILITY_BYTES:
        print(f"error: capability.csv is {size} bytes, over {MAX_CAPABILITY_BYTES}", file=sys.stderr)
        return 1

    for n in notes:
        print(n)
    print(f"wrote {len(bench)} benchmarks and {len(cap)} capability rows ({size:,} bytes) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
