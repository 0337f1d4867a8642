"""The safe formula language of KPI formulas, derived data elements and consistency rules.

The language is specified in docs/framework-format.md ("The formula language"). :func:`parse`
turns text into an immutable AST of frozen dataclasses with a Lark LALR grammar (nothing is ever
handed to ``eval``); :func:`evaluate` computes an expression from reported values and never raises:
a missing input, a zero denominator or a non-finite result gives :class:`NotComputable`.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import ClassVar, Final, TypeAlias

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

PERIODS: Final = ("T", "T-1")
MAX_DEPTH: Final = 200  # deepest AST accepted by parse (keeps every walk far from recursion limits)

_SIGNATURES: Final = {  # name: (fewest arguments, most arguments or None, description)
    "pct": (2, 2, "pct(a, b): a as a percentage of b, 100 * a / b"),
    "div": (2, 2, "div(a, b): a divided by b"),
    "var": (1, 1, "var(X): change of element X from year T-1 to T in percent, 100 * (X - X@T-1) / X@T-1"),
    "if": (3, 3, "if(condition, a, b): a when the condition holds, otherwise b"),
    "min": (2, None, "min(a, b, …): the smallest of two or more values"),
    "max": (2, None, "max(a, b, …): the largest of two or more values"),
    "abs": (1, 1, "abs(a): the absolute value of a"),
}
FUNCTIONS: Final[Mapping[str, str]] = MappingProxyType({name: sig[2] for name, sig in _SIGNATURES.items()})


class FormulaError(ValueError):
    """A formula that cannot be parsed; ``str()`` gives the message and the column (1-based)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} at column {column}")


# --- AST -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float  # finite and non-negative: a minus sign is a Neg node

    def __post_init__(self) -> None:
        if not (math.isfinite(self.value) and self.value >= 0):
            raise ValueError(f"Num needs a finite non-negative value, not {self.value!r}")


@dataclass(frozen=True)
class Ref:
    """A data element reference: ``element`` for year ``period`` ("T" or "T-1")."""

    element: str
    period: str

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"period must be 'T' or 'T-1', not {self.period!r}")


@dataclass(frozen=True)
class Neg:
    operand: Expr


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class _Binary:
    OPERATORS: ClassVar[tuple[str, ...]] = ()
    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in self.OPERATORS:
            raise ValueError(
                f"{type(self).__name__} operator must be one of {self.OPERATORS}, not {self.op!r}"
            )


@dataclass(frozen=True)
class BinOp(_Binary):
    OPERATORS = ("+", "-", "*", "/")


@dataclass(frozen=True)
class Compare(_Binary):
    OPERATORS = ("<", "<=", ">", ">=", "==", "!=")


@dataclass(frozen=True)
class BoolOp(_Binary):
    OPERATORS = ("and", "or")


@dataclass(frozen=True)
class Call:
    """A function call; only the known functions with the right arguments can be built."""

    name: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        problem = _call_problem(self.name, self.args)
        if problem:
            raise FormulaError(problem)


Expr: TypeAlias = Num | Ref | Neg | BinOp | Compare | Not | BoolOp | Call

# --- parsing ---------------------------------------------------------------------------------

_GRAMMAR: Final = r"""
?start: or_expr
?or_expr: or_expr OR and_expr -> bool_op
        | and_expr
?and_expr: and_expr AND not_expr -> bool_op
         | not_expr
?not_expr: NOT not_expr -> not_
         | comparison
?comparison: sum COMP_OP sum -> compare
           | sum
?sum: sum (PLUS | MINUS) product -> bin_op
    | product
?product: product (STAR | SLASH) unary -> bin_op
        | unary
?unary: MINUS unary -> neg
      | atom
?atom: NUMBER -> number
     | CODE PERIOD? -> ref
     | NAME "(" (or_expr ("," or_expr)*)? ")" -> call
     | "(" or_expr ")"

OR: "or"
AND: "and"
NOT: "not"
COMP_OP: "<=" | ">=" | "==" | "!=" | "<" | ">"
PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
NUMBER: /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/
CODE: /[A-Z][A-Z0-9_]*/
PERIOD: /@T(-[0-9]+)?/
NAME: /[a-z][a-z0-9_]*/
%ignore /\s+/
"""
_PARSER: Final = Lark(_GRAMMAR, parser="lalr")

_EXPECTED_NAMES: Final = {
    "LPAR": "'('", "RPAR": "')'", "COMMA": "','", "NUMBER": "a number", "CODE": "an element code",
    "NAME": "a function", "MINUS": "'-'", "PLUS": "'+'", "STAR": "'*'", "SLASH": "'/'",
    "COMP_OP": "a comparison", "AND": "'and'", "OR": "'or'", "NOT": "'not'", "PERIOD": "'@T-1'",
}  # fmt: skip


_BINARY: Final[Mapping[str, type[BinOp | Compare | BoolOp]]] = {
    "bin_op": BinOp, "compare": Compare, "bool_op": BoolOp,
}  # fmt: skip


def parse(text: str) -> Expr:
    """Parse formula text into an AST; raise :class:`FormulaError` if it is not a valid formula."""
    if not text.strip():
        raise FormulaError("formula is empty")
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    try:
        return _build(tree, 1)
    except RecursionError:
        raise FormulaError("formula is nested too deeply") from None


def _syntax_error(error: UnexpectedInput, text: str) -> FormulaError:
    if isinstance(error, UnexpectedCharacters):
        return FormulaError(f"unexpected character {error.char!r}", error.column)
    expected = sorted(
        _EXPECTED_NAMES[name] for name in getattr(error, "expected", ()) if name in _EXPECTED_NAMES
    )
    if expected == ["'('"]:
        hint = " (a function name must be followed by '('; element codes are upper case)"
    else:
        hint = f", expected {' or '.join(expected)}" if expected and len(expected) <= 4 else ""
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        if error.token.type == "COMP_OP":
            hint = " (comparisons cannot be chained; combine them with 'and')"
        elif error.token.type == "LPAR" and text[: error.pos_in_stream].rstrip()[-1:].isupper():
            hint = " (function names are lower case)"
        return FormulaError(f"unexpected {str(error.token)!r}{hint}", error.column)
    return FormulaError(f"formula ends unexpectedly{hint}", len(text.rstrip()) + 1)


def _build(node: Tree[Token], depth: int) -> Expr:
    if depth > MAX_DEPTH:
        raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)")
    kids = node.children
    sub = [_build(kid, depth + 1) for kid in kids if isinstance(kid, Tree)]
    tokens = [kid for kid in kids if isinstance(kid, Token)]
    kind = node.data
    if kind == "number":
        value = float(tokens[0])
        if not math.isfinite(value):
            raise FormulaError(f"number {str(tokens[0])!r} is too large", tokens[0].column)
        return Num(value)
    if kind == "ref":
        period = str(tokens[1])[1:] if len(tokens) > 1 else "T"
        if period not in PERIODS:
            raise FormulaError(f"unsupported year {period!r} (use T or T-1)", tokens[1].column)
        return Ref(str(tokens[0]), period)
    if kind == "neg":
        return Neg(sub[0])
    if kind == "not_":
        return Not(sub[0])
    if kind in _BINARY:
        return _BINARY[kind](str(tokens[0]), sub[0], sub[1])
    if kind == "call":
        try:
            return Call(str(tokens[0]), tuple(sub))
        except FormulaError as error:
            raise FormulaError(error.message, tokens[0].column) from None
    raise FormulaError(f"unexpected construct {kind!r}")


def _call_problem(name: str, args: tuple[Expr, ...]) -> str | None:
    if name not in _SIGNATURES:
        return f"unknown function '{name}' (known: {', '.join(sorted(_SIGNATURES))})"
    low, high, _ = _SIGNATURES[name]
    if len(args) < low or (high is not None and len(args) > high):
        wanted = f"at least {low}" if high is None else f"exactly {low}"
        return f"{name}() takes {wanted} argument{'' if low == 1 else 's'} ({len(args)} given)"
    if name != "var":
        return None
    if not isinstance(args[0], Ref):
        return "var() takes a single element code, e.g. var(AEO_COUNT)"
    return (
        None if args[0].period == "T" else f"var() takes an element code for year T, not {to_text(args[0])}"
    )


# --- inspection ------------------------------------------------------------------------------


def _children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Neg | Not):
        return (expr.operand,)
    if isinstance(expr, BinOp | Compare | BoolOp):
        return (expr.left, expr.right)
    if isinstance(expr, Call):
        return expr.args
    return ()


def _walk(expr: Expr) -> Iterator[Expr]:
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(_children(node))


def references(expr: Expr) -> frozenset[Ref]:
    """Every data element reference; ``var(X)`` contributes X for T and X for T-1."""
    refs: set[Ref] = set()
    for node in _walk(expr):
        if isinstance(node, Ref):
            refs.add(node)
        elif isinstance(node, Call) and node.name == "var" and isinstance(node.args[0], Ref):
            refs.add(Ref(node.args[0].element, "T-1"))
    return frozenset(refs)


def functions_used(expr: Expr) -> frozenset[str]:
    return frozenset(node.name for node in _walk(expr) if isinstance(node, Call))


def is_condition(expr: Expr) -> bool:
    """True if the top-level node yields a boolean (comparison, and/or/not, or an ``if`` of them)."""
    if isinstance(expr, Call) and expr.name == "if" and len(expr.args) == 3:
        return is_condition(expr.args[1]) and is_condition(expr.args[2])
    return isinstance(expr, Compare | BoolOp | Not)


def reaches_previous_year(expr: Expr) -> bool:
    return any(ref.period == "T-1" for ref in references(expr))


def for_previous_year(expr: Expr) -> Expr:
    """The same formula one year earlier: every year-T reference becomes T-1.

    Only for formulas that do not already reach T-1 (there is no T-2); raises ValueError otherwise.
    """
    if reaches_previous_year(expr):
        raise ValueError("a formula that already uses T-1 values has no previous-year form")
    if isinstance(expr, Ref):
        return Ref(expr.element, "T-1")
    if isinstance(expr, Neg | Not):
        return type(expr)(for_previous_year(expr.operand))
    if isinstance(expr, BinOp | Compare | BoolOp):
        return type(expr)(expr.op, for_previous_year(expr.left), for_previous_year(expr.right))
    if isinstance(expr, Call):
        return Call(expr.name, tuple(for_previous_year(arg) for arg in expr.args))
    return expr


# --- canonical text --------------------------------------------------------------------------

_PRECEDENCE: Final = {"or": 1, "and": 2, "+": 5, "-": 5, "*": 6, "/": 6}


def _precedence(expr: Expr) -> int:
    if isinstance(expr, BinOp | BoolOp):
        return _PRECEDENCE[expr.op]
    if isinstance(expr, Not):
        return 3
    if isinstance(expr, Compare):
        return 4
    return 7 if isinstance(expr, Neg) else 8


def _wrapped(expr: Expr, minimum: int) -> str:
    text = to_text(expr)
    return f"({text})" if _precedence(expr) < minimum else text


def to_text(expr: Expr) -> str:
    """Canonical text of an expression, with minimal parentheses: ``parse(to_text(e)) == e``."""
    if isinstance(expr, Num):
        value = expr.value
        return str(int(value)) if value.is_integer() and value < 1e16 else repr(value)
    if isinstance(expr, Ref):
        return expr.element if expr.period == "T" else f"{expr.element}@{expr.period}"
    if isinstance(expr, Neg):
        return "-" + _wrapped(expr.operand, 7)
    if isinstance(expr, Not):
        return "not " + _wrapped(expr.operand, 3)
    if isinstance(expr, Compare):  # comparisons do not chain: both sides bind tighter
        return f"{_wrapped(expr.left, 5)} {expr.op} {_wrapped(expr.right, 5)}"
    if isinstance(expr, BinOp | BoolOp):  # left-associative
        level = _PRECEDENCE[expr.op]
        return f"{_wrapped(expr.left, level)} {expr.op} {_wrapped(expr.right, level + 1)}"
    return f"{expr.name}({', '.join(to_text(arg) for arg in expr.args)})"


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    value: float | bool


@dataclass(frozen=True)
class NotComputable:
    reason: str  # missing_input | division_by_zero | not_finite | invalid_operand
    detail: str
    missing: tuple[Ref, ...] = ()


Result: TypeAlias = Computed | NotComputable


@dataclass(frozen=True)
class _Missing:
    refs: frozenset[Ref]


Values: TypeAlias = Mapping[Ref, float | int | bool | None]
_Outcome: TypeAlias = float | bool | _Missing | NotComputable
_COMPARISONS: Final[Mapping[str, Callable[[float, float], object]]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}  # fmt: skip


def _describe(ref: Ref) -> str:
    return f"{ref.element} for {ref.period}"


def evaluate(expr: Expr, values: Values) -> Result:
    """Compute ``expr``; never raises and never yields an infinity or NaN.

    A reference absent from ``values`` or mapped to None is missing: the result then lists every
    missing input needed (of ``if`` only the condition and the branch taken). Booleans count as
    1 and 0 in arithmetic; a number used as a condition is true when nonzero.
    """
    try:
        outcome = _eval(expr, values)
    except RecursionError:
        return NotComputable("invalid_operand", "the formula is nested too deeply to evaluate")
    except ArithmeticError:
        return NotComputable("not_finite", f"{to_text(expr)} is not a finite number")
    if isinstance(outcome, NotComputable):
        return outcome
    if isinstance(outcome, _Missing):
        missing = tuple(sorted(outcome.refs, key=lambda ref: (ref.element, ref.period)))
        names = ", ".join(_describe(ref) for ref in missing)
        return NotComputable(
            "missing_input", f"{names} {'is' if len(missing) == 1 else 'are'} missing", missing
        )
    return Computed(outcome + 0.0 if type(outcome) is float else outcome)  # + 0.0 turns -0.0 into 0.0


def _lookup(ref: Ref, values: Values) -> _Outcome:
    raw = values.get(ref)
    if raw is None:
        return _Missing(frozenset({ref}))
    if isinstance(raw, bool):
        return raw
    if not isinstance(raw, numbers.Real | Decimal):
        return NotComputable("invalid_operand", f"{_describe(ref)} is not a number ({type(raw).__name__})")
    try:
        number = float(raw)
    except (ArithmeticError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        return NotComputable("not_finite", f"{_describe(ref)} is not a finite number")
    return number


def _all(exprs: tuple[Expr, ...], values: Values) -> list[float] | _Missing | NotComputable:
    """Evaluate every operand (collecting all missing inputs before any other failure)."""
    outcomes = [_eval(expr, values) for expr in exprs]
    missing = [outcome.refs for outcome in outcomes if isinstance(outcome, _Missing)]
    if missing:
        return _Missing(frozenset().union(*missing))
    numbers_: list[float] = []
    for outcome in outcomes:
        if isinstance(outcome, NotComputable | _Missing):
            return outcome
        numbers_.append(float(outcome))
    return numbers_


def _finite(expr: Expr, value: float) -> float | NotComputable:
    if math.isfinite(value):
        return value
    return NotComputable("not_finite", f"{to_text(expr)} is not a finite number")


def _zero_division(expr: Expr, extra: str = "") -> NotComputable:
    return NotComputable("division_by_zero", f"division by zero in {to_text(expr)}{extra}")


def _eval(expr: Expr, values: Values) -> _Outcome:
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref):
        return _lookup(expr, values)
    if isinstance(expr, Not):
        operand = _eval(expr.operand, values)
        return operand if isinstance(operand, _Missing | NotComputable) else not operand
    if isinstance(expr, BoolOp):
        return _eval_bool_op(expr, values)
    if isinstance(expr, Call) and expr.name == "if":
        condition = _eval(expr.args[0], values)
        if isinstance(condition, _Missing | NotComputable):
            return condition
        return _eval(expr.args[1] if condition else expr.args[2], values)
    if isinstance(expr, Call) and expr.name == "var" and isinstance(expr.args[0], Ref):
        element = expr.args[0].element
        operands = _all((Ref(element, "T"), Ref(element, "T-1")), values)
    else:
        operands = _all(_children(expr), values)
    if not isinstance(operands, list):
        return operands
    if isinstance(expr, Compare):
        return bool(_COMPARISONS[expr.op](operands[0], operands[1]))
    return _arithmetic(expr, operands)


def _eval_bool_op(expr: BoolOp, values: Values) -> _Outcome:
    left = _eval(expr.left, values)
    if isinstance(left, NotComputable):
        return left
    if isinstance(left, _Missing):  # still collect what the right side needs
        right = _eval(expr.right, values)
        return _Missing(left.refs | right.refs) if isinstance(right, _Missing) else left
    if bool(left) == (expr.op == "or"):  # short circuit: false and …, true or …
        return bool(left)
    right = _eval(expr.right, values)
    return right if isinstance(right, _Missing | NotComputable) else bool(right)


def _ratio(expr: Expr, numerator: float, denominator: float, scale: float) -> float | NotComputable:
    if denominator == 0:
        return _zero_division(expr)
    value = scale * numerator / denominator
    if not math.isfinite(value):  # scaling first may overflow where dividing first does not
        value = numerator / denominator * scale
    return _finite(expr, value)


def _arithmetic(expr: Expr, args: list[float]) -> float | NotComputable:
    if isinstance(expr, Neg):
        return -args[0]
    if isinstance(expr, BinOp):
        left, right = args
        if expr.op == "/":
            return _ratio(expr, left, right, 1.0)
        value = left + right if expr.op == "+" else left - right if expr.op == "-" else left * right
        return _finite(expr, value)
    name, first = (expr.name, expr.args[0]) if isinstance(expr, Call) else ("", expr)
    if name == "pct":
        return _ratio(expr, args[0], args[1], 100.0)
    if name == "div":
        return _ratio(expr, args[0], args[1], 1.0)
    if name == "var":
        current, previous = args
        if previous == 0:
            return _zero_division(expr, f" ({to_text(first)} for T-1 is 0)")
        return _ratio(expr, current - previous, previous, 100.0)
    if name == "abs":
        return abs(args[0])
    return min(args) if name == "min" else max(args)
