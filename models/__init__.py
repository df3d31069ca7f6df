"""gapscore.models: pure quantitative models (no I/O, no printing).

Capability S-curves, cost at constant capability, funding graduation and survival,
unit economics and the fund Monte Carlo. Every estimator follows the scikit-learn
contract: keyword-only ``__init__`` that stores arguments, ``fit`` returns ``self``,
fitted attributes end in ``_``.
"""
