"""File-level errors on top of the models' exception hierarchy.

Every error a user can cause carries enough to act on in one line: the file, the
1-based line (the header is line 1), the column, the value and what to do.
The CLI turns these into a one-line message and exit status 1; nothing below the
CLI prints or exits.
"""

from __future__ import annotations

from gapscore.models.exceptions import (  # re-exported: one hierarchy for the package
    GapscoreError,
    InputError,
    InsufficientDataError,
    NotFittedError,
)

__all__ = [
    "GapscoreError",
    "InputError",
    "InsufficientDataError",
    "NotFittedError",
    "DataFileError",
    "DataValidationError",
    "ConfigError",
    "OutputExistsError",
    "OutputWriteError",
]


class DataFileError(InputError):
    """One problem in one input file, located as precisely as the file allows."""

    def __init__(self, file, line: int | None, column: str | None, message: str):
        self.file = str(file)
        self.line = line
        self.column = column
        self.message = " ".join(str(message).split("\n"))  # one problem, one line (library messages may wrap)
        super().__init__(str(self))

    def __reduce__(self):  # picklable, so an error in a worker process reaches the CLI intact
        return type(self), (self.file, self.line, self.column, self.message)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        col = f" column {self.column}:" if self.column else ""
        return f"{where}:{col} {self.message}"


class DataValidationError(InputError):
    """Several problems found at once (pandera ``lazy=True``); one line each."""

    def __init__(self, problems: list[DataFileError]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        return type(self), (self.problems,)


class ConfigError(InputError):
    """A configuration value is missing, of the wrong type or outside its range."""


class OutputExistsError(GapscoreError, FileExistsError):
    """The output path exists and ``--force`` was not given."""

    def __init__(self, path):
        self.path = str(path)
        super().__init__(f"{self.path}: already exists; pass --force to replace it or choose another path with -o")

    def __reduce__(self):
        return type(self), (self.path,)


class OutputWriteError(GapscoreError, OSError):
    """The output cannot be written where asked: its folder is a file, read-only, full."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot be written ({reason}); choose a path in a folder you can write to with -o")

    def __str__(self) -> str:
        return self.args[0]

    def __reduce__(self):
        return type(self), (self.path, self.reason)
