"""A small pure-Python evaluator for the Excel formula subset the memo's Scoring sheet uses.

Not a spreadsheet engine: it knows the functions ``scoring.report.scoring_sheet`` writes
(IF, AND, OR, NOT, CHOOSE, INDEX, MATCH with match type 0, IFERROR, ISNUMBER, INT,
ROUND, SUM, MIN, MAX, ABS, LN, NORMSDIST), numbers, strings, TRUE/FALSE, the
operators + - * / ^ & = <> < <= > >=, cell and range references on one sheet and
defined names. Anything else raises ``Unsupported``, so a formula outside the subset
fails the test instead of being guessed. Excel's semantics that matter here: IF and
IFERROR evaluate only the branch taken; an empty cell is 0 in arithmetic and not a
number for ISNUMBER; errors (#N/A, #DIV/0!, ...) propagate as ``ExcelError``.

Used by tests/test_stage_model.py to check that the generated formulas agree with
the Python (``scoring.signals.timing``) where LibreOffice is not installed.
"""

from __future__ import annotations

import math
import re
from statistics import NormalDist


class Unsupported(Exception):
    pass


class ExcelError(Exception):
    """An Excel error value (#N/A, #DIV/0!, #NUM!, #VALUE!)."""


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<op><>|<=|>=|[-+*/^&=<>(),:])
  | (?P<name>[A-Za-z_$][A-Za-z0-9_.$]*)
""", re.VERBOSE)
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported(f"cannot read {text[pos:pos + 20]!r} in {text!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


class Workbook:
    """Evaluate the formulas of one sheet of an openpyxl workbook (loaded with formulas)."""

    def __init__(self, wb, sheet: str, overrides: dict[str, object] | None = None):
        self.wb, self.ws = wb, wb[sheet]
        self.sheet = sheet
        self.cache: dict[tuple[int, int], object] = {}
        self.overrides = {}
        for name, value in (overrides or {}).items():
            self.overrides[self._name_target(name)] = value

    # ------------------------------------------------------------- references
    def _name_target(self, name: str):
        dn = self.wb.defined_names.get(name)
        if dn is None:
            raise Unsupported(f"unknown name {name}")
        sheet, ref = next(iter(dn.destinations))
        if sheet != self.sheet:
            raise Unsupported(f"name {name} is on another sheet ({sheet})")
        return self._ref(ref.replace("$", ""))

    def _ref(self, ref: str):
        if ":" in ref:
            a, b = ref.split(":")
            return ("range", self._ref(a), self._ref(b))
        m = _CELL.match(ref)
        if not m:
            raise Unsupported(f"reference {ref}")
        return (int(m.group(2)), _col(m.group(1)))

    def cell(self, rc: tuple[int, int]):
        if rc in self.overrides:
            return self.overrides[rc]
        if rc not in self.cache:
            v = self.ws.cell(row=rc[0], column=rc[1]).value
            if isinstance(v, str) and v.startswith("="):
                self.cache[rc] = None  # a cycle reads as empty
                try:
                    v = self.formula(v[1:])
                except ExcelError as exc:
                    v = exc
            self.cache[rc] = v
        v = self.cache[rc]
        if isinstance(v, ExcelError):
            raise v
        return v

    def value(self, name: str):
        """The value of a defined name's cell (raises ExcelError for an error value)."""
        target = self._name_target(name)
        if target[0] == "range":
            raise Unsupported(f"{name} is a range")
        return self.cell(target)

    def _cells(self, target) -> list:
        _, (r0, c0), (r1, c1) = target
        return [self.cell((r, c)) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]

    # ------------------------------------------------------------- parsing and evaluation
    def formula(self, text: str):
        self.toks, self.i = _tokens(text), 0
        node = self._compare()
        if self.i != len(self.toks):
            raise Unsupported(f"trailing {self.toks[self.i:]} in {text!r}")
        return node()

    def _peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def _eat(self, value=None):
        tok = self._peek()
        if value is not None and tok[1] != value:
            raise Unsupported(f"expected {value}, got {tok}")
        self.i += 1
        return tok

    def _binary(self, sub, ops, fn):
        left = sub()
        while self._peek()[1] in ops:
            op = self._eat()[1]
            right = sub()
            left = (lambda l, r, op: lambda: fn(op, l(), r()))(left, right, op)
        return left

    def _compare(self):
        return self._binary(self._concat, ("=", "<>", "<", "<=", ">", ">="), _compare)

    def _concat(self):
        return self._binary(self._add, ("&",), lambda op, a, b: _text(a) + _text(b))

    def _add(self):
        return self._binary(self._mul, ("+", "-"), _arith)

    def _mul(self):
        return self._binary(self._pow, ("*", "/"), _arith)

    def _pow(self):
        return self._binary(self._unary, ("^",), _arith)

    def _unary(self):
        if self._peek()[1] == "-":
            self._eat()
            sub = self._unary()
            return lambda: -_num(sub())
        if self._peek()[1] == "+":
            self._eat()
            return self._unary()
        return self._primary()

    def _primary(self):
        kind, text = self._eat()
        if kind == "num":
            v = float(text)
            return lambda: v
        if kind == "str":
            v = text[1:-1].replace('""', '"')
            return lambda: v
        if text == "(":
            node = self._compare()
            self._eat(")")
            return node
        if kind != "name":
            raise Unsupported(f"unexpected {text!r}")
        if self._peek()[1] == "(":
            self._eat("(")
            args = []
            if self._peek()[1] != ")":
                args.append(self._compare())
                while self._peek()[1] == ",":
                    self._eat(",")
                    args.append(self._compare())
            self._eat(")")
            return self._call(text.upper(), args)
        if text.upper() in ("TRUE", "FALSE"):
            v = text.upper() == "TRUE"
            return lambda: v
        if self._peek()[1] == ":":
            self._eat(":")
            other = self._eat()[1]
            target = self._ref(f"{text}:{other}".replace("$", ""))
            return lambda: ("range", self._cells(target))
        if _CELL.match(text):
            rc = self._ref(text.replace("$", ""))
            return lambda: self.cell(rc)
        target = self._name_target(text)
        if target[0] == "range":
            return lambda: ("range", self._cells(target))
        return lambda: self.cell(target)

    def _call(self, fn: str, args):
        if fn == "IF":
            def f():
                if _bool(args[0]()):
                    return args[1]()
                return args[2]() if len(args) > 2 else False
            return f
        if fn == "IFERROR":
            def f():
                try:
                    return args[0]()
                except ExcelError:
                    return args[1]()
            return f
        if fn == "CHOOSE":
            def f():
                k = int(_num(args[0]()))
                if not 1 <= k < len(args):
                    raise ExcelError("#VALUE!")
                return args[k]()
            return f
        if fn == "ISNUMBER":
            def f():
                try:
                    v = args[0]()
                except ExcelError:
                    return False
                return isinstance(v, (int, float)) and not isinstance(v, bool)
            return f
        simple = {
            "AND": lambda *a: all(_bool(x) for x in _flat(a)),
            "OR": lambda *a: any(_bool(x) for x in _flat(a)),
            "NOT": lambda a: not _bool(a),
            "INT": lambda a: float(math.floor(_num(a))),
            "ABS": lambda a: abs(_num(a)),
            "ROUND": lambda a, d: _round(_num(a), int(_num(d))),
            "LN": _ln,
            "NORMSDIST": lambda a: NormalDist().cdf(_num(a)),
            "SUM": lambda *a: sum(_num(x) for x in _flat(a) if isinstance(x, (int, float)) and not isinstance(x, bool)),
            "MIN": lambda *a: min(_num(x) for x in _flat(a)),
            "MAX": lambda *a: max(_num(x) for x in _flat(a)),
            "INDEX": _index,
            "MATCH": _match,
        }
        if fn not in simple:
            raise Unsupported(f"function {fn}")
        g = simple[fn]
        return lambda: g(*[a() for a in args])


def _flat(args):
    for a in args:
        if isinstance(a, tuple) and a and a[0] == "range":
            yield from (x for x in a[1] if x is not None)
        else:
            yield a


def _num(x) -> float:
    if isinstance(x, tuple):
        raise ExcelError("#VALUE!")
    if x is None:
        return 0.0
    if isinstance(x, bool):
        return 1.0 if x else 0.0
    if isinstance(x, (int, float)):
        return float(x)
    raise ExcelError("#VALUE!")


def _bool(x) -> bool:
    if isinstance(x, str):
        raise ExcelError("#VALUE!")
    return _num(x) != 0


def _text(x) -> str:
    return x if isinstance(x, str) else ("TRUE" if x is True else "FALSE" if x is False else f"{_num(x):g}")


def _arith(op, a, b):
    a, b = _num(a), _num(b)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise ExcelError("#DIV/0!")
        return a / b
    return a ** b


def _compare(op, a, b):
    a = 0.0 if a is None else a
    b = 0.0 if b is None else b
    if isinstance(a, str) != isinstance(b, str):
        raise Unsupported(f"comparing {a!r} with {b!r}")
    if not isinstance(a, str):
        a, b = _num(a), _num(b)
    return {"=": a == b, "<>": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _round(x: float, digits: int) -> float:
    scale = 10.0 ** digits
    return math.copysign(math.floor(abs(x) * scale + 0.5) / scale, x)


def _ln(a):
    a = _num(a)
    if a <= 0:
        raise ExcelError("#NUM!")
    return math.log(a)


def _index(rng, k):
    if not (isinstance(rng, tuple) and rng[0] == "range"):
        raise Unsupported("INDEX of a non-range")
    k = int(_num(k))
    if not 1 <= k <= len(rng[1]):
        raise ExcelError("#REF!")
    return rng[1][k - 1]


def _match(x, rng, kind=0.0):
    if _num(kind) != 0:
        raise Unsupported("MATCH other than exact")
    for i, v in enumerate(rng[1], 1):
        if v is not None and not isinstance(v, str) and not isinstance(x, str) and _num(v) == _num(x):
            return float(i)
    raise ExcelError("#N/A")
