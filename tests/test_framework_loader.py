"""The framework file checker (`pmm.framework.loader.framework_parse`): pure, no database.

Every malformed variant is built in Python from one small valid document, so each case changes
exactly one thing and names the path and the words the problem must carry.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmm.framework.loader import CheckedFramework, FrameworkFileError, framework_parse

SHIPPED = Path(__file__).resolve().parents[1] / "src" / "pmm" / "framework" / "data" / "pmm-v1.yaml"
LINE = re.compile(r" \(line (\d+)\)$")

Doc = dict[str, Any]


def tr(en: str, fr: str | None = None) -> dict[str, str]:
    return {"en": en, "fr": fr if fr is not None else f"{en} (fr)"}


def valid_document() -> Doc:
    """A small framework that passes every check (a fresh copy each call)."""
    return {
        "format": "pmm-framework/1",
        "framework": {
            "code": "test-fw",
            "version": "1.0",
            "status": "draft",
            "title": tr("Test framework", "Cadre de test"),
            "description": tr("A small framework for the tests.", "Un petit cadre pour les tests."),
            "languages": ["en", "fr"],
            "provenance": {"status": "reconstructed", "source": "tests/test_framework_loader.py"},
        },
        "units": [{"code": "percent", "symbol": "%", "name": tr("percent", "pourcentage")}],
        "instruments": [{"code": "RKC-GA-7", "name": tr("Revised Kyoto Convention, GA 7", "CKR, AG 7")}],
        "sdg_targets": [{"code": "17.8", "name": tr("Enabling technology", "Technologies clefs")}],
        "data_elements": [
            {"code": "DECL_TOTAL", "name": tr("Declarations"), "type": "count", "periods": ["T"]},
            {"code": "DECL_ELECTRONIC", "name": tr("Electronic declarations"), "type": "count"},
            {"code": "DECL_IMPORT", "name": tr("Import declarations"), "type": "count"},
            {"code": "DECL_EXPORT", "name": tr("Export declarations"), "type": "count"},
            {
                "code": "AEO_COUNT",
                "name": tr("Authorised economic operators"),
                "type": "count",
                "periods": ["T", "T-1"],
                "range": {"min": 0, "max": 100000},
            },
            {
                "code": "DM_ALIGNMENT",
                "name": tr("Data Model alignment"),
                "type": "choice",
                "options": [
                    {"code": "none", "label": tr("Not aligned"), "score": 0},
                    {"code": "partial", "label": tr("Partly aligned"), "score": 1},
                    {"code": "full", "label": tr("Fully aligned"), "score": 2},
                ],
            },
            {"code": "SINGLE_WINDOW", "name": tr("Single window in place"), "type": "yes_no"},
            {"code": "REMARKS", "name": tr("Remarks"), "type": "text", "required": False},
            {"code": "REVENUE", "name": tr("Revenue collected"), "type": "amount", "currency": "USD"},
            {
                "code": "DECL_PAPER",
                "name": tr("Paper declarations"),
                "type": "count",
                "formula": "DECL_TOTAL - DECL_ELECTRONIC",
            },
        ],
        "consistency_rules": [
            {
                "code": "DECL_ELECTRONIC_LE_TOTAL",
                "check": "DECL_ELECTRONIC <= DECL_TOTAL",
                "severity": "error",
                "message": tr("Electronic declarations cannot exceed total declarations."),
            }
        ],
        "dimensions": [
            {
                "code": "D1",
                "name": tr("Trade facilitation", "Facilitation des échanges"),
                "provenance": {"status": "official", "source": "https://pmm.wcoomd.org/about"},
                "outcomes": [
                    {
                        "code": "D1.O1",
                        "name": tr("Paperless trade"),
                        "instruments": ["RKC-GA-7"],
                        "sdg_targets": ["17.8"],
                        "kpis": [
                            {
                                "code": "D1.O1.K1",
                                "name": tr("Rate of electronic declarations"),
                                "kind": "percentage",
                                "unit": "percent",
                                "direction": "higher_is_better",
                                "formula": "pct(DECL_ELECTRONIC, DECL_TOTAL)",
                                "range": {"min": 0, "max": 100},
                                "instruments": ["RKC-GA-7"],
                                "sdg_targets": ["17.8"],
                                "disclosure_default": "wco",
                                "provenance": {"status": "official", "source": "https://example.org/k1"},
                            },
                            {
                                "code": "D1.O1.K2",
                                "name": tr("Change in AEOs"),
                                "kind": "variation",
                                "unit": "percent",
                                "direction": "higher_is_better",
                                "formula": "var(AEO_COUNT)",
                                "disclosure_default": "public",
                            },
                            {
                                "code": "D1.O1.K3",
                                "name": tr("Import and export shares"),
                                "kind": "split_shares",
                                "unit": "percent",
                                "direction": "context_only",
                                "formula": {
                                    "import": "pct(DECL_IMPORT, DECL_TOTAL)",
                                    "export": "pct(DECL_EXPORT, DECL_TOTAL)",
                                },
                                "disclosure_default": "union",
                            },
                            {
                                "code": "D1.O1.K4",
                                "name": tr("Paper share"),
                                "kind": "ratio",
                                "unit": "percent",
                                "direction": "lower_is_better",
                                "formula": "div(DECL_PAPER, DECL_TOTAL) * 100",
                                "disclosure_default": "country",
                            },
                            {
                                "code": "D1.O1.K5",
                                "name": tr("Single window"),
                                "kind": "yes_no",
                                "unit": "percent",
                                "direction": "higher_is_better",
                                "formula": "SINGLE_WINDOW * 100",
                                "disclosure_default": "public",
                            },
                            {
                                "code": "D1.O1.K6",
                                "name": tr("Data Model alignment"),
                                "kind": "ordinal",
                                "unit": "percent",
                                "direction": "higher_is_better",
                                "formula": "DM_ALIGNMENT * 50",
                                "disclosure_default": "wco",
                            },
                        ],
                    }
                ],
            }
        ],
    }


def dump(document: Doc) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def problems_of(text: str) -> list[tuple[str, str]]:
    with pytest.raises(FrameworkFileError) as caught:
        framework_parse(text)
    assert caught.value.code == "invalid_framework"
    assert caught.value.problems, "a FrameworkFileError must list at least one problem"
    return [(p.field, p.message) for p in caught.value.problems]


def assert_problem(text: str, path: str, *words: str) -> None:
    """Some problem's field starts with `path` and its message contains every one of `words`."""
    problems = problems_of(text)
    for field, message in problems:
        if field.startswith(path) and all(w.lower() in message.lower() for w in words):
            return
    listed = "\n".join(f"  {f}: {m}" for f, m in problems)
    pytest.fail(f"no problem at {path!r} containing {words!r}; got:\n{listed}")


# --------------------------------------------------------------------------------------------
# the valid document


def test_valid_document_parses() -> None:
    checked = framework_parse(dump(valid_document()))
    assert isinstance(checked, CheckedFramework)
    assert (checked.code, checked.version) == ("test-fw", "1.0")
    assert set(checked.formulas) == {f"D1.O1.K{n}" for n in range(1, 7)}
    assert set(checked.formulas["D1.O1.K3"]) == {"import", "export"}
    assert set(checked.derived) == {"DECL_PAPER"}
    assert set(checked.rules) == {"DECL_ELECTRONIC_LE_TOTAL"}
    assert len(checked.fingerprint) == 64


def test_fingerprint_ignores_status_but_not_content() -> None:
    base = framework_parse(dump(valid_document())).fingerprint
    active = valid_document()
    active["framework"]["status"] = "active"
    assert framework_parse(dump(active)).fingerprint == base
    renamed = valid_document()
    renamed["dimensions"][0]["name"]["en"] = "Renamed"
    assert framework_parse(dump(renamed)).fingerprint != base


# --------------------------------------------------------------------------------------------
# malformed documents: each a change to the valid one, the path expected and words of the message

KPIS = "dimensions[0].outcomes[0].kpis"
Mutation = Callable[[Doc], None]


def _kpi(doc: Doc, n: int) -> Doc:
    kpi: Doc = doc["dimensions"][0]["outcomes"][0]["kpis"][n]
    return kpi


def _element(doc: Doc, code: str) -> Doc:
    return next(e for e in doc["data_elements"] if e["code"] == code)


def _set(path: Callable[[Doc], Doc], key: str, value: Any) -> Mutation:
    def mutate(doc: Doc) -> None:
        path(doc)[key] = value

    return mutate


def _wrong_format(doc: Doc) -> None:
    doc["format"] = "pmm-framework/2"


def _missing_direction(doc: Doc) -> None:
    del _kpi(doc, 1)["direction"]


def _missing_units(doc: Doc) -> None:
    del doc["units"]


def _typo_key(doc: Doc) -> None:
    kpi = _kpi(doc, 0)
    kpi["formla"] = kpi.pop("formula")


def _duplicate_kpi_code(doc: Doc) -> None:
    _kpi(doc, 2)["code"] = "D1.O1.K1"


def _duplicate_element_code(doc: Doc) -> None:
    doc["data_elements"].append({"code": "DECL_TOTAL", "name": tr("Declarations again"), "type": "count"})


def _cycle(doc: Doc) -> None:
    doc["data_elements"] += [
        {"code": "CYCLE_A", "name": tr("A"), "type": "count", "formula": "CYCLE_B + 1"},
        {"code": "CYCLE_B", "name": tr("B"), "type": "count", "formula": "CYCLE_A * 2"},
    ]


def _percentage_non_percent_unit(doc: Doc) -> None:
    doc["units"].append({"code": "count", "name": tr("number", "nombre")})
    _kpi(doc, 0)["unit"] = "count"


def _missing_french_name(doc: Doc) -> None:
    doc["dimensions"][0]["outcomes"][0]["name"] = {"en": "Paperless trade"}


def _empty_french_name(doc: Doc) -> None:
    _kpi(doc, 3)["name"] = {"en": "Paper share", "fr": "  "}


def _split_one_component(doc: Doc) -> None:
    _kpi(doc, 2)["formula"] = {"import": "pct(DECL_IMPORT, DECL_TOTAL)"}


def _split_bad_component(doc: Doc) -> None:
    _kpi(doc, 2)["formula"]["export"] = "pct(DECL_EXPORT, NOPE)"


def _rule_not_comparison(doc: Doc) -> None:
    doc["consistency_rules"][0]["check"] = "DECL_ELECTRONIC + DECL_TOTAL"


def _unknown_outcome_instrument(doc: Doc) -> None:
    doc["dimensions"][0]["outcomes"][0]["instruments"] = ["RKC-GA-7", "RKC-GA-99"]


def _unknown_kpi_sdg(doc: Doc) -> None:
    _kpi(doc, 0)["sdg_targets"] = ["17.99"]


def _float_sdg_code(doc: Doc) -> None:
    doc["sdg_targets"][0]["code"] = 17.8


def _duplicate_tree_code_across_levels(doc: Doc) -> None:
    _kpi(doc, 5)["code"] = "D1.O1"


def _derived_text_element(doc: Doc) -> None:
    _element(doc, "REMARKS")["formula"] = "DECL_TOTAL"


def _currency_on_count(doc: Doc) -> None:
    _element(doc, "DECL_TOTAL")["currency"] = "USD"


def _empty_dimensions(doc: Doc) -> None:
    doc["dimensions"] = []


CASES: list[tuple[str, Mutation, str, tuple[str, ...]]] = [
    ("wrong format", _wrong_format, "format", ("must be 'pmm-framework/1'",)),
    ("missing KPI key", _missing_direction, f"{KPIS}[1].direction", ("is required",)),
    ("missing top-level key", _missing_units, "units", ("is required",)),
    ("missing framework code", lambda d: d["framework"].pop("code"), "framework.code", ("is required",)),
    ("unknown key (typo)", _typo_key, f"{KPIS}[0].formla", ("unknown key 'formla'", "allowed")),
    (
        "unknown top-level key",
        _set(lambda d: d, "consistency_rule", []),
        "consistency_rule",
        ("unknown key",),
    ),
    ("duplicate KPI code", _duplicate_kpi_code, f"{KPIS}[2].code", ("duplicate code 'D1.O1.K1'",)),
    (
        "duplicate code across dimension/outcome/KPI",
        _duplicate_tree_code_across_levels,
        f"{KPIS}[5].code",
        ("duplicate code", "dimensions[0].outcomes[0].code"),
    ),
    (
        "duplicate data element code",
        _duplicate_element_code,
        "data_elements[10].code",
        ("duplicate code 'DECL_TOTAL'", "data_elements[0].code"),
    ),
    ("unknown unit", _set(lambda d: _kpi(d, 3), "unit", "percnt"), f"{KPIS}[3].unit", ("unknown unit",)),
    (
        "bad currency",
        _set(lambda d: _element(d, "REVENUE"), "currency", "XYZ"),
        "data_elements[8].currency",
        ("'XYZ'", "ISO 4217"),
    ),
    (
        "amount without currency",
        lambda d: _element(d, "REVENUE").pop("currency"),
        "data_elements[8].currency",
        ("required for an amount",),
    ),
    ("currency on a count", _currency_on_count, "data_elements[0].currency", ("only amounts",)),
    (
        "unknown instrument",
        _unknown_outcome_instrument,
        "dimensions[0].outcomes[0].instruments[1]",
        ("unknown instrument 'RKC-GA-99'",),
    ),
    ("unknown SDG target", _unknown_kpi_sdg, f"{KPIS}[0].sdg_targets[0]", ("unknown", "'17.99'")),
    (
        "formula syntax error",
        _set(lambda d: _kpi(d, 3), "formula", "div(DECL_PAPER, DECL_TOTAL"),
        f"{KPIS}[3].formula",
        ("formula error", "ends unexpectedly"),
    ),
    (
        "unknown function",
        _set(lambda d: _kpi(d, 0), "formula", "ratio(DECL_ELECTRONIC, DECL_TOTAL)"),
        f"{KPIS}[0].formula",
        ("unknown function 'ratio'",),
    ),
    (
        "unknown element in a formula",
        _set(lambda d: _kpi(d, 0), "formula", "pct(DECL_ELECTRONIC, DECL_TOTL)"),
        f"{KPIS}[0].formula",
        ("unknown data element 'DECL_TOTL'",),
    ),
    (
        "unknown element in a split component",
        _split_bad_component,
        f"{KPIS}[2].formula.export",
        ("unknown data element 'NOPE'",),
    ),
    (
        "T-1 reference to an element collected for T only",
        _set(lambda d: _kpi(d, 3), "formula", "div(DECL_TOTAL - DECL_TOTAL@T-1, DECL_TOTAL@T-1)"),
        f"{KPIS}[3].formula",
        ("DECL_TOTAL for T-1", "only collected for T"),
    ),
    (
        "var() of an element collected for T only",
        _set(lambda d: _kpi(d, 1), "formula", "var(DECL_TOTAL)"),
        f"{KPIS}[1].formula",
        ("DECL_TOTAL for T-1", "only collected for T"),
    ),
    (
        "text element in a formula",
        _set(lambda d: _kpi(d, 3), "formula", "div(REMARKS, DECL_TOTAL)"),
        f"{KPIS}[3].formula",
        ("text element 'REMARKS'", "cannot be used in a formula"),
    ),
    ("text element derived", _derived_text_element, "data_elements[7].formula", ("cannot be derived",)),
    ("cycle between derived elements", _cycle, "data_elements[10].formula", ("cycle in definitions",)),
    (
        "variation KPI without T-1",
        _set(lambda d: _kpi(d, 1), "formula", "AEO_COUNT"),
        f"{KPIS}[1].formula",
        ("variation", "T-1"),
    ),
    (
        "split_shares with one component",
        _split_one_component,
        f"{KPIS}[2].formula",
        ("at least two components",),
    ),
    (
        "single KPI with components",
        _set(lambda d: _kpi(d, 0), "formula", {"a": "DECL_TOTAL", "b": "DECL_TOTAL"}),
        f"{KPIS}[0].formula",
        ("only split_shares",),
    ),
    (
        "yes_no KPI without a yes_no element",
        _set(lambda d: _kpi(d, 4), "formula", "DECL_TOTAL"),
        f"{KPIS}[4].formula",
        ("yes_no element",),
    ),
    (
        "KPI formula that is a condition",
        _set(lambda d: _kpi(d, 3), "formula", "DECL_PAPER > 0"),
        f"{KPIS}[3].formula",
        ("not a true/false condition",),
    ),
    (
        "missing French translation",
        _missing_french_name,
        "dimensions[0].outcomes[0].name.fr",
        ("'fr' translation is missing",),
    ),
    ("blank French translation", _empty_french_name, f"{KPIS}[3].name.fr", ("'fr' translation",)),
    (
        "min above max",
        _set(lambda d: _element(d, "AEO_COUNT"), "range", {"min": 10, "max": 5}),
        "data_elements[4].range",
        ("min (10) is above max (5)",),
    ),
    (
        "KPI min above max",
        _set(lambda d: _kpi(d, 0), "range", {"min": 100, "max": 0}),
        f"{KPIS}[0].range",
        ("above max",),
    ),
    (
        "percentage KPI with a non-percent unit",
        _percentage_non_percent_unit,
        f"{KPIS}[0].unit",
        ("percentage", "'percent'"),
    ),
    (
        "bad disclosure_default",
        _set(lambda d: _kpi(d, 1), "disclosure_default", "secret"),
        f"{KPIS}[1].disclosure_default",
        ("'secret' is not one of", "public"),
    ),
    ("bad KPI kind", _set(lambda d: _kpi(d, 0), "kind", "share"), f"{KPIS}[0].kind", ("'share'",)),
    (
        "bad direction",
        _set(lambda d: _kpi(d, 0), "direction", "up"),
        f"{KPIS}[0].direction",
        ("'up' is not one of",),
    ),
    (
        "consistency rule not a comparison",
        _rule_not_comparison,
        "consistency_rules[0].check",
        ("must be a comparison",),
    ),
    (
        "bad rule severity",
        _set(lambda d: d["consistency_rules"][0], "severity", "fatal"),
        "consistency_rules[0].severity",
        ("'fatal'",),
    ),
    ("YAML float SDG code", _float_sdg_code, "sdg_targets[0].code", ("in quotes", '"17.8"')),
    (
        "bad provenance status",
        _set(lambda d: d["dimensions"][0], "provenance", {"status": "guessed", "source": "x"}),
        "dimensions[0].provenance.status",
        ("'guessed'",),
    ),
    (
        "languages without en",
        _set(lambda d: d["framework"], "languages", ["fr"]),
        "framework.languages",
        ("must include 'en'",),
    ),
    (
        "bad framework status",
        _set(lambda d: d["framework"], "status", "published"),
        "framework.status",
        ("'published'",),
    ),
    (
        "bad element code",
        _set(lambda d: d["data_elements"][0], "code", "decl_total"),
        "data_elements[0].code",
        ("not a valid code",),
    ),
    (
        "bad periods",
        _set(lambda d: _element(d, "AEO_COUNT"), "periods", ["T-1"]),
        "data_elements[4].periods",
        ("must include T",),
    ),
    (
        "choice without options",
        lambda d: _element(d, "DM_ALIGNMENT").pop("options"),
        "data_elements[5].options",
        ("must be a list",),
    ),
    ("no dimensions", _empty_dimensions, "dimensions", ("must not be empty",)),
]


@pytest.mark.parametrize(("mutate", "path", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_document_is_rejected(mutate: Mutation, path: str, words: tuple[str, ...]) -> None:
    document = valid_document()
    mutate(document)
    assert_problem(dump(document), path, *words)


def test_cases_are_distinct() -> None:
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)) >= 15


# --------------------------------------------------------------------------------------------
# malformed text that a dict cannot express


def test_not_yaml_is_reported_with_its_line() -> None:
    text = dump(valid_document()).replace("format: pmm-framework/1\n", "format: [pmm-framework/1\n", 1)
    problems = problems_of(text)
    assert len(problems) == 1
    field, message = problems[0]
    assert re.fullmatch(r"line \d+, column \d+", field), field
    assert "not valid YAML" in message


def test_tab_indentation_is_not_yaml() -> None:
    text = "format: pmm-framework/1\nframework:\n\tcode: x\n"
    field, message = problems_of(text)[0]
    assert field.startswith("line 3")
    assert "not valid YAML" in message


def test_duplicate_yaml_key_is_reported() -> None:
    text = dump(valid_document()).replace("  version: '1.0'\n", "  version: '1.0'\n  version: '2.0'\n", 1)
    assert text.count("version:") == 2
    line = text.splitlines().index("  version: '2.0'") + 1
    assert_problem(text, "framework.version", "appears twice", f"line {line}")


def test_duplicate_yaml_key_in_a_kpi_is_reported() -> None:
    text, count = re.subn(
        r"(?m)^( +)kind: variation$", r"\1kind: variation\n\1kind: ratio", dump(valid_document())
    )
    assert count == 1
    assert_problem(text, f"{KPIS}[1].kind", "the key 'kind' appears twice")


def test_unquoted_sdg_code_in_yaml_text_is_rejected() -> None:
    text = dump(valid_document()).replace("- code: '17.8'", "- code: 17.8", 1)
    assert "- code: 17.8\n" in text
    assert_problem(text, "sdg_targets[0].code", "in quotes")


def test_unquoted_sdg_reference_is_rejected() -> None:
    document = valid_document()
    document["dimensions"][0]["outcomes"][0]["sdg_targets"] = [17.8]
    assert_problem(dump(document), "dimensions[0].outcomes[0].sdg_targets[0]", "quotes")


def test_unhashable_kind_is_a_problem_not_a_crash() -> None:
    document = valid_document()
    _kpi(document, 0)["kind"] = ["percentage"]
    assert_problem(dump(document), f"{KPIS}[0].kind", "is not one of")


def test_unhashable_unit_is_a_problem_not_a_crash() -> None:
    document = valid_document()
    _kpi(document, 3)["unit"] = ["percent"]
    assert_problem(dump(document), f"{KPIS}[3].unit", "unit")


def test_unhashable_periods_is_a_problem_not_a_crash() -> None:
    document = valid_document()
    _element(document, "AEO_COUNT")["periods"] = [["T", "T-1"]]
    assert_problem(dump(document), "data_elements[4].periods", "[T] or [T, T-1]")


@pytest.mark.parametrize("periods", [None, 2023, ["T", 1]], ids=["null", "number", "non-text item"])
def test_bad_periods_of_a_referenced_element_is_a_problem_not_a_crash(periods: Any) -> None:
    document = valid_document()
    _element(document, "AEO_COUNT")["periods"] = periods  # var(AEO_COUNT) reads it for T and T-1
    assert_problem(dump(document), "data_elements[4].periods", "[T] or [T, T-1]")


def test_nan_range_bound_is_rejected() -> None:
    document = valid_document()
    _element(document, "AEO_COUNT")["range"] = {"min": 0, "max": float("nan")}
    assert_problem(dump(document), "data_elements[4].range.max", "number")


def test_a_range_wider_than_its_type_can_hold_is_rejected() -> None:
    document = valid_document()
    _element(document, "AEO_COUNT")["range"] = {"min": 0, "max": 2**60}  # a count holds at most 2^53 - 1
    assert_problem(dump(document), "data_elements[4].range.max", "beyond what a count value can hold")
    _element(document, "AEO_COUNT")["range"] = {"min": 0, "max": 2**53 - 1}
    framework_parse(dump(document))  # the largest count is fine


def test_lower_case_currency_is_rejected() -> None:
    document = valid_document()
    _element(document, "REVENUE")["currency"] = "usd"
    assert_problem(dump(document), "data_elements[8].currency", "ISO 4217")


def test_derived_element_condition_is_rejected() -> None:
    document = valid_document()
    _element(document, "DECL_PAPER")["formula"] = "DECL_TOTAL > 1"
    assert_problem(dump(document), "data_elements[9].formula", "condition")


# --------------------------------------------------------------------------------------------
# all problems at once, with lines


def test_every_problem_is_reported_at_once() -> None:
    document = valid_document()
    document["format"] = "pmm-framework/9"
    _kpi(document, 3)["unit"] = "percnt"
    _kpi(document, 0)["formula"] = "pct(DECL_ELECTRONIC, DECL_TOTL)"
    document["consistency_rules"][0]["severity"] = "fatal"
    problems = problems_of(dump(document))
    assert len(problems) >= 4
    fields = [f for f, _ in problems]
    for path in ("format", f"{KPIS}[3].unit", f"{KPIS}[0].formula", "consistency_rules[0].severity"):
        assert any(f.startswith(path) for f in fields), (path, fields)


def test_problems_carry_the_line_of_the_offending_value() -> None:
    document = valid_document()
    _kpi(document, 3)["unit"] = "percnt"
    _kpi(document, 1)["disclosure_default"] = "secret"
    document["dimensions"][0]["outcomes"][0]["name"] = {"en": "Paperless trade"}
    text = dump(document)
    lines = text.splitlines()
    problems = problems_of(text)
    assert len(problems) >= 3
    for field, _message in problems:
        match = LINE.search(field)
        assert match, f"no line number in {field!r}"
    by_path = {LINE.sub("", f): int(LINE.search(f).group(1)) for f, _ in problems}  # type: ignore[union-attr]
    assert "percnt" in lines[by_path[f"{KPIS}[3].unit"] - 1]
    assert "secret" in lines[by_path[f"{KPIS}[1].disclosure_default"] - 1]
    # a missing key points at its parent mapping (which YAML starts at its first entry)
    assert "Paperless trade" in lines[by_path["dimensions[0].outcomes[0].name.fr"] - 1]


def test_empty_file_is_rejected() -> None:
    assert problems_of("")
    assert problems_of("# only a comment\n")


def test_top_level_list_is_rejected() -> None:
    _field, message = problems_of("- a\n- b\n")[0]
    assert "must be a mapping" in message


# --------------------------------------------------------------------------------------------
# the shipped framework


@pytest.fixture(scope="module")
def shipped() -> CheckedFramework:
    return framework_parse(SHIPPED.read_text(encoding="utf-8"))


def test_shipped_framework_parses_with_the_official_counts(shipped: CheckedFramework) -> None:
    dimensions = shipped.document["dimensions"]
    assert shipped.code == "pmm-v1"
    assert len(dimensions) == 4
    assert sum(len(d["outcomes"]) for d in dimensions) == 23
    kpis = list(shipped.kpis())
    assert len(kpis) == 51
    assert len({k["code"] for _, _, k in kpis}) == 51
    assert set(shipped.formulas) == {k["code"] for _, _, k in kpis}


def test_every_shipped_kpi_has_a_provenance_status(shipped: CheckedFramework) -> None:
    default = shipped.document["framework"]["provenance"]["status"]
    assert default in {"official", "reconstructed"}
    statuses = {}
    for _, _, kpi in shipped.kpis():
        status = kpi.get("provenance", {}).get("status", default)
        assert status in {"official", "reconstructed"}, kpi["code"]
        statuses[kpi["code"]] = status
    assert "official" in statuses.values()
    assert "reconstructed" in statuses.values()


def test_shipped_framework_survives_a_dump_and_reparse(shipped: CheckedFramework) -> None:
    again = framework_parse(dump(copy.deepcopy(shipped.document)))
    assert again.fingerprint == shipped.fingerprint


def test_an_element_derived_for_both_years_may_not_use_t_minus_1_values() -> None:
    document = valid_document()
    derived = next(e for e in document["data_elements"] if "formula" in e)
    derived["periods"] = ["T", "T-1"]
    derived["formula"] = "AEO_COUNT - AEO_COUNT@T-1"
    index = document["data_elements"].index(derived)
    assert_problem(dump(document), f"data_elements[{index}].formula", "year-T values only")
