"""Round labels: the one list every layer uses (no heavy imports, so loaders stay fast)."""

#: Venture stages in order (the ``round`` column of ``rounds``).
STAGES: tuple[str, ...] = (
    "pre_seed",
    "seed",
    "series_a",
    "series_b",
    "series_c",
    "series_d_plus",
)

#: Round labels without a stage; accepted in the data, ignored by graduation.
UNSTAGED_ROUNDS: tuple[str, ...] = ("venture_unlabeled", "other")

#: Every accepted ``round`` label.
ROUND_LABELS: tuple[str, ...] = STAGES + UNSTAGED_ROUNDS
