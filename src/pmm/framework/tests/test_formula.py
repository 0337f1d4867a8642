"""Tests of the formula language (pure Python: no database, no Django settings needed)."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmm.framework.formula import (
    FUNCTIONS,
    MAX_DEPTH,
    BinOp,
    BoolOp,
    Call,
    Compare,
    Computed,
    Expr,
    FormulaError,
    Neg,
    Not,
    NotComputable,
    Num,
    Ref,
    evaluate,
    for_previous_year,
    functions_used,
    is_condition,
    parse,
    reaches_previous_year,
    references,
    to_text,
)

A, B, C, D = (Ref(code, "T") for code in "ABCD")
A1, B1 = Ref("A", "T-1"), Ref("B", "T-1")


def full(expr: Expr) -> str:
    """Fully parenthesised rendering, to check how the parser grouped things."""
    if isinstance(expr, Num):
        return repr(expr.value)
    if isinstance(expr, Ref):
        return f"{expr.element}@{expr.period}"
    if isinstance(expr, Neg):
        return f"(-{full(expr.operand)})"
    if isinstance(expr, Not):
        return f"(not {full(expr.operand)})"
    if isinstance(expr, BinOp | Compare | BoolOp):
        return f"({full(expr.left)} {expr.op} {full(expr.right)})"
    return f"{expr.name}({', '.join(full(arg) for arg in expr.args)})"


def ev(text: str, **values: float | int | bool | None) -> Computed | NotComputable:
    """Evaluate ``text``; keyword ``X`` is X for T and ``X_1`` is X for T-1."""
    refs = {
        (Ref(key[:-2], "T-1") if key.endswith("_1") else Ref(key, "T")): value
        for key, value in values.items()
    }
    return evaluate(parse(text), refs)


def value_of(text: str, **values: float | int | bool | None) -> float | bool:
    result = ev(text, **values)
    assert isinstance(result, Computed), result
    return result.value


def failure(text: str, **values: float | int | bool | None) -> NotComputable:
    result = ev(text, **values)
    assert isinstance(result, NotComputable), result
    return result


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100", Num(100.0)),
        ("0.5", Num(0.5)),
        ("1e3", Num(1000.0)),
        ("2.5E-2", Num(0.025)),
        ("AEO_COUNT", Ref("AEO_COUNT", "T")),
        ("AEO_COUNT@T", Ref("AEO_COUNT", "T")),
        ("AEO_COUNT@T-1", Ref("AEO_COUNT", "T-1")),
        ("X2_Y", Ref("X2_Y", "T")),
        ("A + B", BinOp("+", A, B)),
        ("A - B", BinOp("-", A, B)),
        ("A * B", BinOp("*", A, B)),
        ("A / B", BinOp("/", A, B)),
        ("-A", Neg(A)),
        ("--A", Neg(Neg(A))),
        ("(A)", A),
        ("A < B", Compare("<", A, B)),
        ("A <= B", Compare("<=", A, B)),
        ("A > B", Compare(">", A, B)),
        ("A >= B", Compare(">=", A, B)),
        ("A == B", Compare("==", A, B)),
        ("A != B", Compare("!=", A, B)),
        ("A and B", BoolOp("and", A, B)),
        ("A or B", BoolOp("or", A, B)),
        ("not A", Not(A)),
        ("pct(A, B)", Call("pct", (A, B))),
        ("div(A, B)", Call("div", (A, B))),
        ("var(A)", Call("var", (A,))),
        ("var(A@T)", Call("var", (A,))),
        ("if(A > 0, B, C)", Call("if", (Compare(">", A, Num(0.0)), B, C))),
        ("min(A, B)", Call("min", (A, B))),
        ("max(A, B, C, 1)", Call("max", (A, B, C, Num(1.0)))),
        ("abs(A@T-1)", Call("abs", (A1,))),
        ("  pct( A ,\n B )  ", Call("pct", (A, B))),
    ],
)
def test_parse_constructs(text: str, expected: Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "grouping"),
    [
        ("1 + 2 * 3", "(1.0 + (2.0 * 3.0))"),
        ("(1 + 2) * 3", "((1.0 + 2.0) * 3.0)"),
        ("A - B - C", "((A@T - B@T) - C@T)"),
        ("A / B / C", "((A@T / B@T) / C@T)"),
        ("A - B * C / D", "(A@T - ((B@T * C@T) / D@T))"),
        ("-A * B", "((-A@T) * B@T)"),
        ("-A@T-1 - -5", "((-A@T-1) - (-5.0))"),
        ("A + B < C * D", "((A@T + B@T) < (C@T * D@T))"),
        ("not A < B", "(not (A@T < B@T))"),
        ("not A and B", "((not A@T) and B@T)"),
        ("A or B and C", "(A@T or (B@T and C@T))"),
        ("A and B or C and D", "((A@T and B@T) or (C@T and D@T))"),
        ("A or B or C", "((A@T or B@T) or C@T)"),
        ("not not A", "(not (not A@T))"),
        ("A < B or not C >= D and A", "((A@T < B@T) or ((not (C@T >= D@T)) and A@T))"),
        ("(A < B) + 1", "((A@T < B@T) + 1.0)"),
        ("pct(A + B, C) * 2", "(pct((A@T + B@T), C@T) * 2.0)"),
    ],
)
def test_precedence(text: str, grouping: str) -> None:
    assert full(parse(text)) == grouping


def test_keywords_are_whole_words() -> None:
    # a function named like a keyword prefix is still a (unknown) function, not 'and' + 'roid'
    with pytest.raises(FormulaError, match="unknown function 'android'"):
        parse("android(A)")


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("", "formula is empty", None),
        ("   \n ", "formula is empty", None),
        ("foo(A)", "unknown function 'foo'", 1),
        ("A + PCT(A, B)", "unexpected '(' (function names are lower case)", 8),
        ("1 + sum(A, B)", "unknown function 'sum'", 5),
        ("pct(A)", "pct() takes exactly 2 arguments (1 given)", 1),
        ("div(A, B, C)", "div() takes exactly 2 arguments (3 given)", 1),
        ("abs()", "abs() takes exactly 1 argument (0 given)", 1),
        ("abs(A, B)", "abs() takes exactly 1 argument (2 given)", 1),
        ("if(A, B)", "if() takes exactly 3 arguments (2 given)", 1),
        ("min(A)", "min() takes at least 2 arguments (1 given)", 1),
        ("2 * max(A)", "max() takes at least 2 arguments (1 given)", 5),
        ("var()", "var() takes exactly 1 argument (0 given)", 1),
        ("var(A, B)", "var() takes exactly 1 argument (2 given)", 1),
        ("var(A + 1)", "var() takes a single element code", 1),
        ("var(2)", "var() takes a single element code", 1),
        ("var(A@T-1)", "var() takes an element code for year T, not A@T-1", 1),
        ("A@T-2", "unsupported year 'T-2'", 2),
        ("A +", "formula ends unexpectedly", 4),
        ("(A + B", "formula ends unexpectedly", 7),
        ("A + B)", "unexpected ')'", 6),
        ("A B", "unexpected 'B'", 3),
        ("pct(A,)", "unexpected ')'", 7),
        ("A < B < C", "comparisons cannot be chained", 7),
        ("A ! B", "unexpected character '!'", 3),
        ("A = B", "unexpected character '='", 3),
        ("A ^ 2", "unexpected character '^'", 3),
        ("decl_total + 1", "element codes are upper case", 12),
        ("A AND B", "unexpected 'AND'", 3),
        ("1e999", "number '1e999' is too large", 1),
        ("__import__('os')", "unexpected character '_'", 1),
    ],
)
def test_parse_errors(text: str, message: str, column: int | None) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    error = caught.value
    assert message in error.message
    assert isinstance(error, ValueError)
    assert error.column == column
    if column is not None:
        assert str(error) == f"{error.message} at column {column}"
    else:
        assert str(error) == error.message


def test_nesting_limit() -> None:
    assert parse("-" * (MAX_DEPTH - 1) + "A") is not None
    with pytest.raises(FormulaError, match="nested too deeply"):
        parse("-" * (MAX_DEPTH + 5) + "A")
    with pytest.raises(FormulaError, match="nested too deeply"):
        parse("A" + " + A" * (MAX_DEPTH + 1))
    assert parse("(" * 5000 + "A" + ")" * 5000) == A  # parentheses add no depth


def test_ast_is_immutable_and_validated() -> None:
    expr = parse("A + 1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        expr.op = "-"  # type: ignore[misc, union-attr]
    with pytest.raises(ValueError, match="period"):
        Ref("A", "T-2")
    with pytest.raises(ValueError, match="operator"):
        BinOp("^", A, B)
    with pytest.raises(ValueError, match="operator"):
        Compare("=", A, B)
    with pytest.raises(ValueError, match="operator"):
        BoolOp("xor", A, B)
    with pytest.raises(ValueError, match="finite"):
        Num(math.inf)
    with pytest.raises(FormulaError, match="unknown function 'eval'"):
        Call("eval", (A,))
    with pytest.raises(FormulaError, match="takes exactly 2"):
        Call("pct", (A,))
    assert hash(parse("pct(A, B)")) == hash(parse("pct(A,B)"))


def test_functions_documented() -> None:
    assert set(FUNCTIONS) == {"pct", "div", "var", "if", "min", "max", "abs"}
    assert all(description.startswith(f"{name}(") for name, description in FUNCTIONS.items())


# --- inspection ------------------------------------------------------------------------------


def test_references() -> None:
    assert references(parse("pct(A, B) + A@T-1 * 2")) == {A, B, A1}
    assert references(parse("var(A)")) == {A, A1}
    assert references(parse("if(C > 0, var(A), B@T-1)")) == {C, A, A1, B1}
    assert references(parse("1 + 2")) == frozenset()


def test_functions_used() -> None:
    assert functions_used(parse("if(A > 0, pct(A, max(B, C)), abs(-D))")) == {"if", "pct", "max", "abs"}
    assert functions_used(parse("A / B")) == frozenset()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A <= B", True),
        ("A == 1 and B", True),
        ("A or B", True),
        ("not A", True),
        ("(A < B)", True),
        ("if(A, B > 1, C < 2)", True),
        ("if(A, B > 1, C)", False),
        ("A", False),
        ("A + (B < C)", False),
        ("pct(A, B)", False),
        ("-A", False),
    ],
)
def test_is_condition(text: str, expected: bool) -> None:
    assert is_condition(parse(text)) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("var(A)", True),
        ("A - A@T-1", True),
        ("if(A, 1, B@T-1)", True),
        ("A@T + B", False),
        ("pct(A, B)", False),
    ],
)
def test_reaches_previous_year(text: str, expected: bool) -> None:
    assert reaches_previous_year(parse(text)) is expected


# --- evaluation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("1 + 2 * 3", {}, 7.0),
        ("(1 + 2) * 3", {}, 9.0),
        ("10 - 4 - 3", {}, 3.0),
        ("12 / 4 / 3", {}, 1.0),
        ("-A + 1", {"A": 5}, -4.0),
        ("A - -A", {"A": 2.5}, 5.0),
        ("pct(A, B)", {"A": 7, "B": 100}, 7.0),
        ("pct(A, B)", {"A": 1, "B": 4}, 25.0),
        ("div(A, B)", {"A": 3, "B": 4}, 0.75),
        ("var(A)", {"A": 150, "A_1": 100}, 50.0),
        ("var(A)", {"A": 80, "A_1": 100}, -20.0),
        ("var(A)", {"A": 5, "A_1": -10}, -150.0),
        ("A - A@T-1", {"A": 5, "A_1": 3}, 2.0),
        ("min(A, B, 3)", {"A": 5, "B": 4}, 3.0),
        ("max(A, B)", {"A": -5, "B": -4}, -4.0),
        ("abs(A)", {"A": -2.5}, 2.5),
        ("abs(A - B)", {"A": 1, "B": 4}, 3.0),
        ("if(A > 10, 1, 2)", {"A": 11}, 1.0),
        ("if(A > 10, 1, 2)", {"A": 10}, 2.0),
        ("if(A, B, C)", {"A": 0.5, "B": 1, "C": 2}, 1.0),
        ("if(A, B, C)", {"A": 0, "B": 1, "C": 2}, 2.0),
        ("A < B", {"A": 1, "B": 2}, True),
        ("A <= B", {"A": 2, "B": 2}, True),
        ("A > B", {"A": 2, "B": 2}, False),
        ("A >= B", {"A": 1, "B": 2}, False),
        ("A == B", {"A": 2, "B": 2.0}, True),
        ("A != B", {"A": 2, "B": 2}, False),
        ("A <= B and B > 0", {"A": 1, "B": 2}, True),
        ("A > B or B < 0", {"A": 1, "B": 2}, False),
        ("not A > B", {"A": 1, "B": 2}, True),
        ("not A", {"A": 0}, True),
        ("not A", {"A": 3}, False),
        ("A and B", {"A": 2, "B": 3}, True),
        ("A or B", {"A": 0, "B": 0}, False),
    ],
)
def test_evaluate_golden(text: str, values: dict[str, float], expected: float | bool) -> None:
    result = value_of(text, **values)
    assert result == expected
    assert type(result) is type(expected)


def test_integers_become_floats() -> None:
    assert value_of("A", A=3) == 3.0
    assert isinstance(value_of("A", A=3), float)
    assert value_of("A", A=Decimal("2.5")) == 2.5  # type: ignore[arg-type]


def test_bool_arithmetic() -> None:
    assert value_of("A + B + C", A=True, B=True, C=False) == 2.0
    assert value_of("A * 10", A=False) == 0.0
    assert value_of("pct(A, B)", A=True, B=4) == 25.0
    assert value_of("(A < B) + (B < A)", A=1, B=2) == 1.0
    assert value_of("-A", A=True) == -1.0
    assert value_of("A == 1", A=True) is True
    assert value_of("if(A, 5, 6)", A=False) == 6.0
    assert value_of("not A", A=False) is True
    assert value_of("A", A=True) is True  # a bare yes_no reference keeps its type


def test_missing_inputs_are_all_listed() -> None:
    result = failure("pct(B, A) + C@T-1 * A - var(D)", A=1)
    assert result.reason == "missing_input"
    assert result.missing == (Ref("B", "T"), Ref("C", "T-1"), Ref("D", "T"), Ref("D", "T-1"))
    assert result.detail == "B for T, C for T-1, D for T, D for T-1 are missing"


def test_missing_input_single_and_none() -> None:
    result = failure("var(AEO_COUNT)", AEO_COUNT=4, AEO_COUNT_1=None)
    assert result == NotComputable(
        "missing_input", "AEO_COUNT for T-1 is missing", (Ref("AEO_COUNT", "T-1"),)
    )


def test_missing_input_wins_over_division_by_zero() -> None:
    result = failure("A / B + C", A=1, B=0)
    assert result.reason == "missing_input"
    assert result.missing == (C,)


def test_missing_inputs_in_conditions() -> None:
    assert failure("A < B and C", A=1).missing == (B, C)
    assert failure("A or B").missing == (A, B)
    assert failure("not A").missing == (A,)
    assert value_of("A > 1 and B > 1", A=0) is False  # short circuit: B not needed
    assert value_of("A > 1 or B > 1", A=2) is True
    assert failure("A > 1 and B > 1", A=2).missing == (B,)


def test_if_needs_only_the_branch_taken() -> None:
    assert value_of("if(A > 0, B, C)", A=1, B=5) == 5.0
    assert value_of("if(A > 0, B, C)", A=0, C=6) == 6.0
    assert failure("if(A > 0, B, C)", A=1, C=6).missing == (B,)
    assert failure("if(A > 0, B, C)", B=5, C=6).missing == (A,)
    assert failure("if(A > B, C, D)").missing == (A, B)
    # the branch not taken may not even be computable
    assert value_of("if(B != 0, A / B, 0)", A=1, B=0) == 0.0
    assert value_of("if(B == 0, 0, pct(A, B))", A=1, B=4) == 25.0


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("A / B", "division by zero in A / B"),
        ("(A + 1) / (B * 2)", "division by zero in (A + 1) / (B * 2)"),
        ("pct(DECL_ELECTRONIC, DECL_TOTAL)", "division by zero in pct(DECL_ELECTRONIC, DECL_TOTAL)"),
        ("div(A, B - B)", "division by zero in div(A, B - B)"),
        ("var(AEO_COUNT)", "division by zero in var(AEO_COUNT) (AEO_COUNT for T-1 is 0)"),
        ("1 + A / 0", "division by zero in A / 0"),
        ("0 / 0", "division by zero in 0 / 0"),
    ],
)
def test_division_by_zero(text: str, detail: str) -> None:
    values = {"A": 1, "B": 0, "DECL_ELECTRONIC": 5, "DECL_TOTAL": 0, "AEO_COUNT": 3, "AEO_COUNT_1": 0}
    result = failure(text, **values)
    assert result.reason == "division_by_zero"
    assert result.detail == detail
    assert result.missing == ()


def test_division_by_false() -> None:
    assert failure("A / B", A=1, B=False).reason == "division_by_zero"


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("A * B", {"A": 1e200, "B": 1e200}),
        ("A + B", {"A": 1.7e308, "B": 1.7e308}),
        ("A / B", {"A": 1e300, "B": 1e-300}),
        ("pct(A, B)", {"A": 1e308, "B": 1e-10}),
        ("var(A)", {"A": 1e308, "A_1": 1e-300}),
        ("-A - B", {"A": 1.7e308, "B": 1.7e308}),
    ],
)
def test_not_finite(text: str, values: dict[str, float]) -> None:
    assert failure(text, **values).reason == "not_finite"


def test_scaling_does_not_overflow_needlessly() -> None:
    assert value_of("pct(A, B)", A=1e307, B=1e300) == pytest.approx(1e9)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan, 10**400, Decimal("NaN"), Decimal("1e999")])
def test_non_finite_inputs(bad: object) -> None:
    result = failure("A + 1", A=bad)  # type: ignore[arg-type]
    assert result.reason == "not_finite"
    assert result.detail == "A for T is not a finite number"


def test_invalid_operand() -> None:
    result = failure("A + 1", A="12")  # type: ignore[arg-type]
    assert result.reason == "invalid_operand"
    assert "A for T is not a number" in result.detail


def test_evaluate_does_not_recurse_forever() -> None:
    deep: Expr = A
    for _ in range(5000):
        deep = Neg(deep)
    result = evaluate(deep, {A: 1})
    assert isinstance(result, NotComputable)
    assert result.reason == "invalid_operand"


# --- canonical text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("pct( DECL_ELECTRONIC ,DECL_TOTAL )", "pct(DECL_ELECTRONIC, DECL_TOTAL)"),
        ("((A + B)) * C", "(A + B) * C"),
        ("A + (B * C)", "A + B * C"),
        ("A - (B - C)", "A - (B - C)"),
        ("(A - B) - C", "A - B - C"),
        ("A / (B / C)", "A / (B / C)"),
        ("A + (B + C)", "A + (B + C)"),
        ("-(A + B)", "-(A + B)"),
        ("-(-A)", "--A"),
        ("A - -5", "A - -5"),
        ("A@T - A@T-1", "A - A@T-1"),
        ("not (A and B)", "not (A and B)"),
        ("(not A) and B", "not A and B"),
        ("A or (B or C)", "A or (B or C)"),
        ("(A < B) == (C < D)", "(A < B) == (C < D)"),
        ("not (A < B)", "not A < B"),
        ("if(A>0,1.50,2e3)", "if(A > 0, 1.5, 2000)"),
        ("1e20 + 0.1", "1e+20 + 0.1"),
        ("0.000001", "1e-06"),
    ],
)
def test_to_text(text: str, canonical: str) -> None:
    assert to_text(parse(text)) == canonical
    assert parse(canonical) == parse(text)


# --- properties ------------------------------------------------------------------------------

CODES = st.sampled_from(["A", "B", "C", "AEO_COUNT", "DECL_TOTAL"])
refs = st.builds(Ref, CODES, st.sampled_from(["T", "T-1"]))
nums = st.one_of(
    st.integers(0, 10**6).map(float),
    st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False),
).map(Num)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    two = st.tuples(children, children)
    return st.one_of(
        children.map(Neg),
        children.map(Not),
        st.builds(BinOp, st.sampled_from(BinOp.OPERATORS), children, children),
        st.builds(Compare, st.sampled_from(Compare.OPERATORS), children, children),
        st.builds(BoolOp, st.sampled_from(BoolOp.OPERATORS), children, children),
        st.builds(Call, st.sampled_from(["pct", "div", "min", "max"]), two),
        st.builds(Call, st.just("min"), st.tuples(children, children, children)),
        st.builds(Call, st.just("abs"), st.tuples(children)),
        st.builds(Call, st.just("if"), st.tuples(children, children, children)),
        CODES.map(lambda code: Call("var", (Ref(code, "T"),))),
    )


expressions = st.recursive(st.one_of(refs, nums), _extend, max_leaves=12)


@settings(database=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_to_text_round_trip(expr: Expr) -> None:
    text = to_text(expr)
    assert parse(text) == expr
    assert to_text(parse(text)) == text


PROPERTY_FORMULAS = [
    "pct(A, B)",
    "div(A, B) + C",
    "var(AEO_COUNT)",
    "A * B * C",
    "A / B / C",
    "A - B@T-1",
    "-A * 1e300 * B",
    "if(A > B, pct(A, C), div(C, B))",
    "min(A, B, C) / max(A, B)",
    "abs(A - B) / abs(C)",
    "A <= B and not C or A == B",
    "pct(A + B, C - A) * var(DECL_TOTAL)",
    "(A < B) * A / B",
]
values_ = st.one_of(
    st.none(),
    st.booleans(),
    st.just(0),
    st.just(0.0),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, 1e-300]),
)
environments = st.dictionaries(refs, values_, max_size=10)


@settings(database=None, max_examples=400)
@given(st.sampled_from(PROPERTY_FORMULAS), environments)
def test_evaluate_never_raises_nor_returns_non_finite(text: str, values: dict[Ref, float | None]) -> None:
    result = evaluate(parse(text), values)
    assert isinstance(result, Computed | NotComputable)
    if isinstance(result, Computed):
        assert isinstance(result.value, bool) or math.isfinite(result.value)
    else:
        assert result.reason in {"missing_input", "division_by_zero", "not_finite", "invalid_operand"}
        assert bool(result.missing) == (result.reason == "missing_input")
        assert all(ref in references(parse(text)) for ref in result.missing)
        assert all(values.get(ref) is None for ref in result.missing)


@settings(database=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, environments)
def test_evaluate_random_expressions(expr: Expr, values: dict[Ref, float | None]) -> None:
    result = evaluate(expr, values)
    if isinstance(result, Computed):
        assert isinstance(result.value, bool) or math.isfinite(result.value)
    else:
        assert result.detail


def test_for_previous_year_shifts_every_reference() -> None:
    expr = parse("pct(AB + 1, max(BC, CD)) > 2 and not DE")
    assert to_text(for_previous_year(expr)) == "pct(AB@T-1 + 1, max(BC@T-1, CD@T-1)) > 2 and not DE@T-1"
    with pytest.raises(ValueError):
        for_previous_year(parse("var(AB)"))
