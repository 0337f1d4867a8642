"""Golden cases of the results engine (tests/data/results-golden.yaml) and its reproducibility."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pmm.assessments.validation import NOT_AVAILABLE, Entry
from pmm.framework.kinds import KPI_KINDS
from pmm.framework.loader import framework_parse
from pmm.framework.spec import spec_from_document
from pmm.results.engine import COMPUTED, STATUSES, Inputs, compute

GOLDEN = yaml.safe_load((Path(__file__).parent / "data" / "results-golden.yaml").read_text())


@pytest.fixture(scope="module")
def spec():
    checked = framework_parse(yaml.safe_dump(GOLDEN["framework"]))
    return spec_from_document(checked.document, "golden-" + checked.fingerprint)


def _inputs(case) -> Inputs:
    entries = {}
    for slot, raw in case.get("values", {}).items():
        code, period = slot.rsplit("@", 1)
        if isinstance(raw, dict):
            entries[(code, period)] = Entry(None, NOT_AVAILABLE, raw["not_available"])
        else:
            entries[(code, period)] = Entry(raw)
    return Inputs(entries, case.get("not_applicable", {}))


def test_the_golden_framework_has_a_kpi_of_every_kind(spec):
    assert {k.kind for k in spec.kpis.values()} == set(KPI_KINDS)


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["name"] for c in GOLDEN["cases"]])
def test_golden_case(spec, case):
    results = {(r.kpi, r.component): r for r in compute(spec, _inputs(case))}
    for kpi, expected in case["expect"].items():
        per_component = expected if "status" not in expected else {"value": expected}
        for component, want in per_component.items():
            got = results[(kpi, component)]
            assert got.status == want["status"], (kpi, component, got)
            if "value" in want:
                assert got.value == pytest.approx(want["value"], abs=1e-12), (kpi, component)
            else:
                assert (got.value is None) == (got.status != COMPUTED)
            assert got.reason == want.get("reason", got.reason), (kpi, component, got)
            if "missing" in want:
                assert list(got.missing) == want["missing"], (kpi, component)
            if "detail" in want:
                assert got.detail == want["detail"]


def test_every_component_of_every_kpi_gets_exactly_one_result(spec):
    results = compute(spec, Inputs({}))
    expected = [(k.code, c) for k in sorted(spec.kpis.values(), key=lambda k: k.position) for c in k.formulas]
    assert [(r.kpi, r.component) for r in results] == expected


numbers = st.one_of(st.none(), st.integers(0, 10**9), st.floats(0, 1e12, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_inputs_round_trip_and_reproduce_identical_results(spec, data):
    """What a publication records (Inputs.to_json) gives back identical results and fingerprint."""
    entries = {}
    for code, element in spec.elements.items():
        if element.derived is not None:
            continue
        for period in element.periods:
            kind = data.draw(st.sampled_from(["absent", "value", "not_available"]))
            if kind == "not_available":
                entries[(code, period)] = Entry(None, NOT_AVAILABLE, "not kept")
            elif kind == "value":
                if element.value_type == "yes_no":
                    value = data.draw(st.booleans())
                elif element.value_type == "choice":
                    value = data.draw(st.sampled_from(sorted(element.options)))
                else:
                    value = data.draw(st.integers(0, 10**9) | st.floats(0, 1e12, allow_nan=False))
                entries[(code, period)] = Entry(value)
    declined = data.draw(st.sets(st.sampled_from(sorted(spec.kpis))))
    inputs = Inputs(entries, {code: f"reason {code}" for code in declined})
    recorded = yaml.safe_load(yaml.safe_dump(inputs.to_json()))  # through a text format, as stored
    again = Inputs.from_json(recorded)
    assert again.fingerprint() == inputs.fingerprint()
    first, second = compute(spec, inputs), compute(spec, again)
    assert first == second
    assert all(r.status in STATUSES for r in first)
