"""gapscore.scoring: datasets, signals, stage scores, reports and the command line."""

__version__ = "0.1.0"
