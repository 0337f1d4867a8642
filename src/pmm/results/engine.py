"""KPI results from an assessment's data with the framework's formulas.

Pure: a `FrameworkSpec` and plain `Inputs` in, a list of `KpiResult` out; no ORM, no clock. The same
inputs always give the same results, which is what lets a published snapshot be reproduced from the
inputs it recorded (`Inputs.to_json` / `Inputs.from_json`, `Inputs.fingerprint`).

Every KPI component gets one of four statuses:
- computed: the formula gave a number (yes/no KPIs give 1 or 0);
- not_applicable: the member declined the KPI, with its justification;
- not_computable: some input is reported but the formula cannot give a number; the reason says why
  (an input marked not available, a missing T-1 value, another missing input, a zero denominator);
- missing: none of the KPI's inputs has been reported yet.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pmm.assessments.validation import NOT_AVAILABLE, REPORTED, Entry, formula_values
from pmm.framework import formula as fx
from pmm.framework.spec import FrameworkSpec, KpiSpec

# Bump when a change to this module could change a figure: published snapshots record it.
COMPUTATION_VERSION = "1"

COMPUTED, NOT_APPLICABLE, NOT_COMPUTABLE, MISSING = "computed", "not_applicable", "not_computable", "missing"
STATUSES = (COMPUTED, NOT_APPLICABLE, NOT_COMPUTABLE, MISSING)
# Reasons of not_computable results.
INPUT_NOT_AVAILABLE = "input_not_available"
MISSING_PREVIOUS_YEAR = "missing_previous_year"
MISSING_INPUT = "missing_input"
DIVISION_BY_ZERO = "division_by_zero"
NOT_FINITE = "not_finite"
INVALID_OPERAND = "invalid_operand"


@dataclass(frozen=True)
class Inputs:
    """What a member reported that results depend on: values and the KPIs it declined."""

    entries: Mapping[tuple[str, str], Entry]
    not_applicable: Mapping[str, str] = field(default_factory=dict)  # KPI code -> justification

    def to_json(self) -> dict[str, Any]:
        """Canonical plain data (sorted), as recorded in a publication."""
        return {
            "values": {
                f"{code}@{period}": (
                    [entry.value] if entry.state == REPORTED else [None, NOT_AVAILABLE, entry.reason]
                )
                for (code, period), entry in sorted(self.entries.items())
                if entry.filled
            },
            "not_applicable": dict(sorted(self.not_applicable.items())),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Inputs:
        entries = {}
        for key, stored in data["values"].items():
            code, period = key.rsplit("@", 1)
            if len(stored) == 1:
                entries[(code, period)] = Entry(stored[0])
            else:
                entries[(code, period)] = Entry(None, NOT_AVAILABLE, stored[2])
        return cls(entries, dict(data["not_applicable"]))

    def fingerprint(self) -> str:
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class KpiResult:
    kpi: str
    component: str  # "value" for single-formula KPIs; "import", "export", "combined"… for split KPIs
    status: str
    value: float | None = None
    reason: str = ""  # for not_computable: one of the reasons above
    detail: str = ""  # English detail of the reason, or the member's justification when not applicable
    missing: tuple[str, ...] = ()  # "ELEMENT@PERIOD" slots the formula still needs


def compute(spec: FrameworkSpec, inputs: Inputs) -> list[KpiResult]:
    """Every component of every KPI of the framework, in framework order."""
    numbers = formula_values(spec, inputs.entries)
    results: list[KpiResult] = []
    for kpi in sorted(spec.kpis.values(), key=lambda k: k.position):
        results.extend(_kpi_results(spec, kpi, inputs, numbers))
    return results


def compute_many(spec: FrameworkSpec, inputs_by_member: Mapping[Any, Inputs]) -> dict[Any, list[KpiResult]]:
    return {member: compute(spec, inputs) for member, inputs in inputs_by_member.items()}


def _kpi_results(
    spec: FrameworkSpec, kpi: KpiSpec, inputs: Inputs, numbers: Mapping[fx.Ref, float | bool | None]
) -> Iterable[KpiResult]:
    if kpi.code in inputs.not_applicable:
        justification = inputs.not_applicable[kpi.code]
        for component in kpi.formulas:
            yield KpiResult(kpi.code, component, NOT_APPLICABLE, detail=justification)
        return
    for component, expr in kpi.formulas.items():
        outcome = fx.evaluate(expr, numbers)
        if isinstance(outcome, fx.Computed):
            yield KpiResult(kpi.code, component, COMPUTED, float(outcome.value))
        else:
            yield _not_computed(spec, kpi.code, component, expr, outcome, inputs.entries, numbers)


def _reported(entry: Entry | None) -> bool:
    return entry is not None and entry.state == REPORTED and entry.value is not None


def _derived_failure(
    spec: FrameworkSpec,
    kpi: str,
    component: str,
    outcome: fx.NotComputable,
    numbers: Mapping[fx.Ref, float | bool | None],
) -> KpiResult:
    for ref in outcome.missing:
        element = spec.elements.get(ref.element)
        if element is None or element.derived is None:
            continue
        expr = element.derived if ref.period == "T" else fx.for_previous_year(element.derived)
        failure = fx.evaluate(expr, numbers)
        if isinstance(failure, fx.NotComputable) and failure.reason != "missing_input":
            detail = f"{ref.element} for {ref.period}: {failure.detail}"
            return KpiResult(kpi, component, NOT_COMPUTABLE, reason=failure.reason, detail=detail)
    return KpiResult(kpi, component, NOT_COMPUTABLE, reason=MISSING_INPUT, detail=outcome.detail)


def _raw_slots(spec: FrameworkSpec, refs: Iterable[fx.Ref]) -> set[tuple[str, str]]:
    """The reported (element, period) slots behind references, through derived elements."""
    slots: set[tuple[str, str]] = set()
    pending = list(refs)
    seen: set[fx.Ref] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        element = spec.elements.get(ref.element)
        if element is not None and element.derived is not None:
            expr = element.derived if ref.period == "T" else fx.for_previous_year(element.derived)
            pending.extend(fx.references(expr))
        else:
            slots.add((ref.element, ref.period))
    return slots


def _not_computed(
    spec: FrameworkSpec,
    kpi: str,
    component: str,
    expr: fx.Expr,
    outcome: fx.NotComputable,
    entries: Mapping[tuple[str, str], Entry],
    numbers: Mapping[fx.Ref, float | bool | None],
) -> KpiResult:
    if outcome.reason != "missing_input":
        return KpiResult(kpi, component, NOT_COMPUTABLE, reason=outcome.reason, detail=outcome.detail)
    every_input = _raw_slots(spec, fx.references(expr))
    if not any((entry := entries.get(s)) is not None and entry.filled for s in every_input):
        return KpiResult(kpi, component, MISSING, detail="no input of this KPI is reported yet")
    needed = sorted(s for s in _raw_slots(spec, outcome.missing) if not _reported(entries.get(s)))
    if not needed:  # every input is there: a derived element in between could not be computed
        return _derived_failure(spec, kpi, component, outcome, numbers)
    missing = tuple(f"{code}@{period}" for code, period in needed)
    unavailable = [
        s for s in needed if (entry := entries.get(s)) is not None and entry.state == NOT_AVAILABLE
    ]
    if unavailable:
        names = ", ".join(f"{code} for {period}" for code, period in unavailable)
        return KpiResult(
            kpi, component, NOT_COMPUTABLE, reason=INPUT_NOT_AVAILABLE, detail=f"{names}: not available",
            missing=missing,
        )  # fmt: skip
    only_previous_year = all(period == "T-1" for _code, period in needed)
    reason = MISSING_PREVIOUS_YEAR if only_previous_year else MISSING_INPUT
    return KpiResult(kpi, component, NOT_COMPUTABLE, reason=reason, detail=outcome.detail, missing=missing)
