"""The validation engine on a small framework: pure data in, issues out."""

from __future__ import annotations

import pytest
import yaml

from pmm.assessments.validation import (
    NOT_AVAILABLE,
    Entry,
    blocking,
    check_assessment,
    check_entry,
    coerce,
    completeness,
    formula_values,
    needed_slots,
)
from pmm.framework import formula as fx
from pmm.framework.loader import framework_parse
from pmm.framework.spec import spec_from_document

T = {"en": "x", "fr": "x"}
DOC = {
    "format": "pmm-framework/1",
    "framework": {
        "code": "val-test",
        "version": "1",
        "status": "draft",
        "title": T,
        "languages": ["en", "fr"],
        "provenance": {"status": "reconstructed", "source": "test"},
    },
    "units": [{"code": "percent", "name": T}, {"code": "count", "name": T}],
    "data_elements": [
        {"code": "TOTAL", "name": T, "type": "count", "periods": ["T", "T-1"]},
        {"code": "PART", "name": T, "type": "count", "periods": ["T", "T-1"]},
        {"code": "REST", "name": T, "type": "count", "periods": ["T", "T-1"], "formula": "TOTAL - PART"},
        {"code": "SHARE", "name": T, "type": "percent", "required": False},
        {"code": "READY", "name": T, "type": "yes_no"},
        {
            "code": "LEVEL",
            "name": T,
            "type": "choice",
            "options": [
                {"code": "none", "label": {"en": "None", "fr": "Aucun"}, "score": 0},
                {"code": "full", "label": {"en": "Full", "fr": "Complet"}, "score": 2},
            ],
        },
    ],
    "consistency_rules": [
        {
            "code": "PART_LE_TOTAL",
            "check": "PART <= TOTAL",
            "severity": "error",
            "message": {"en": "Part above total.", "fr": "Partie supérieure au total."},
        }
    ],
    "dimensions": [
        {
            "code": "D1",
            "name": T,
            "outcomes": [
                {
                    "code": "D1.O1",
                    "name": T,
                    "kpis": [
                        {
                            "code": "K1",
                            "name": T,
                            "kind": "percentage",
                            "unit": "percent",
                            "direction": "higher_is_better",
                            "formula": "pct(PART, TOTAL)",
                            "disclosure_default": "wco",
                        },
                        {
                            "code": "K2",
                            "name": T,
                            "kind": "yes_no",
                            "unit": "count",
                            "direction": "higher_is_better",
                            "formula": "READY",
                            "disclosure_default": "public",
                        },
                    ],
                },
                {
                    "code": "D1.O2",
                    "name": T,
                    "kpis": [
                        {
                            "code": "K3",
                            "name": T,
                            "kind": "ordinal",
                            "unit": "count",
                            "direction": "higher_is_better",
                            "formula": "LEVEL",
                            "disclosure_default": "wco",
                        }
                    ],
                },
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def spec():
    checked = framework_parse(yaml.safe_dump(DOC))
    return spec_from_document(checked.document, checked.fingerprint)


@pytest.mark.parametrize(
    "kind_code,raw,expected",
    [
        ("TOTAL", "1 234", 1234),
        ("TOTAL", 12.0, 12),
        ("SHARE", "12,5", 12.5),
        ("READY", "oui", True),
        ("READY", False, False),
        ("LEVEL", "Full", "full"),
        ("LEVEL", "none", "none"),
        ("TOTAL", "", None),
    ],
)
def test_coerce_accepts_what_people_type(spec, kind_code, raw, expected):
    assert coerce(spec.elements[kind_code], raw) == (expected, None)


@pytest.mark.parametrize(
    "code,raw,error",
    [
        ("TOTAL", "1.234,5", "must be a number"),
        ("TOTAL", 1.5, "whole number"),
        ("READY", "maybe", "yes or no"),
        ("LEVEL", "half", "one of"),
        ("TOTAL", float("nan"), "must be a number"),
        ("TOTAL", True, "must be a number"),
    ],
)
def test_coerce_refuses_with_a_message(spec, code, raw, error):
    value, message = coerce(spec.elements[code], raw)
    assert value is None and error in message


def test_check_entry_covers_range_period_derived_and_reason(spec):
    assert check_entry(spec, "SHARE", "T", 101, "reported", "")[1][0].kind == "range"
    assert check_entry(spec, "SHARE", "T-1", 1, "reported", "")[1][0].kind == "period"
    assert check_entry(spec, "REST", "T", 1, "reported", "")[1][0].kind == "element"
    assert check_entry(spec, "TOTAL", "T", None, NOT_AVAILABLE, " ")[1][0].kind == "reason"
    entry, issues = check_entry(spec, "TOTAL", "T", None, NOT_AVAILABLE, "no system")
    assert issues == [] and entry == Entry(None, NOT_AVAILABLE, "no system")


def test_derived_elements_are_computed_for_both_years(spec):
    values = {
        ("TOTAL", "T"): Entry(10),
        ("PART", "T"): Entry(4),
        ("TOTAL", "T-1"): Entry(8),
        ("PART", "T-1"): Entry(8),
        ("LEVEL", "T"): Entry("full"),
    }
    numbers = formula_values(spec, values)
    assert numbers[fx.Ref("REST", "T")] == 6 and numbers[fx.Ref("REST", "T-1")] == 0
    assert numbers[fx.Ref("LEVEL", "T")] == 2


def test_rules_jumps_and_missing_values(spec):
    values = {
        ("TOTAL", "T"): Entry(10),
        ("PART", "T"): Entry(40),
        ("TOTAL", "T-1"): Entry(5),
        ("PART", "T-1"): Entry(40),
    }
    issues = {i.key: i for i in check_assessment(spec, values, [], 50)}
    assert issues["rule:PART_LE_TOTAL"].severity == "error"
    assert issues["jump:TOTAL"].severity == "warning" and "+100%" in issues["jump:TOTAL"].text()
    assert "jump:PART" not in issues
    assert {"missing:READY@T", "missing:LEVEL@T"} <= set(issues)
    assert "missing:SHARE@T" not in issues  # optional
    assert "missing:REST@T" not in issues  # derived
    justified = blocking(issues.values(), ["jump:TOTAL"])
    assert "jump:TOTAL" not in {i.key for i in justified}


def test_not_applicable_kpis_release_their_elements(spec):
    assert ("LEVEL", "T") in needed_slots(spec, [])
    assert ("LEVEL", "T") not in needed_slots(spec, ["K3"])
    overall, per_outcome = completeness(spec, {("LEVEL", "T"): Entry("none")}, [])
    assert per_outcome["D1.O2"].percent == 100 and overall.filled == 1
    assert completeness(spec, {}, ["K1", "K2", "K3"])[0].percent == 100


def test_a_rule_is_checked_only_once_all_its_inputs_are_reported(spec):
    values = {("READY", "T"): Entry(False)}
    rule = spec.rules[0]
    assert not any(i.key == f"rule:{rule.code}" for i in check_assessment(spec, values, [], 50))
