"""gapscore.models: pure quantitative models (no I/O, no printing).

Capability S-curves, cost at constant capability, funding graduation and survival,
unit economics and the fund Monte Carlo. Every estimator follows the scikit-learn
contract: keyword-only ``__init__`` that stores arguments, ``fit`` returns ``self``,
fitted attributes end in ``_``. The capability and cost curves are scikit-learn
estimators proper (``estimators.py``: ``SCurve``, ``BorrowedCurve``, ``CostCurve``, with
``get_params``/``clone``/``check_is_fitted``), over maths classes that scoring uses
without importing scikit-learn.
"""
