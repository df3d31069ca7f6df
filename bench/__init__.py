"""``make bench``: our code against a reference implementation, timed in the same run.

Each case prints ``bench: NAME ratio=R ours=S1 reference=S2`` (seconds, medians of
repeated runs; R = reference / ours, so R > 1 means ours is faster). What each
reference is, exactly, is in ``bench/README.md``.
"""
