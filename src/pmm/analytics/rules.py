"""The judgements of the analytics views, pure (plain data in, plain data out): when a member applies a
WCO instrument, and when a member is weak on a KPI or an outcome. docs/analytics.md explains them.

- A member **applies an instrument** when one of the instrument's KPIs says so: a yes/no KPI with the
  value 1 (yes), or an ordinal KPI with a value at least halfway up its scale (for a scale from 0 to 2,
  "partly aligned" (1) and "fully aligned" (2) count as applying it, "not aligned" (0) does not).
  The scale is the KPI's declared range, else the scores of the options of the choice elements its
  formula reads.
- A member is **weak on a KPI** when its value lies in the bottom quarter of all members, judged by
  the KPI's direction against the released global quartiles: below the first quartile when higher
  is better, above the third quartile when lower is better. KPIs whose direction is "context only"
  are not judged. A split KPI is judged on its combined component when it has one, else on its first.
- A member is **weak on an outcome** when it is weak on at least half of the outcome's judged KPIs
  that it reported.
"""

from __future__ import annotations

from pmm.framework import formula as fx
from pmm.framework.spec import FrameworkSpec, KpiSpec

YES_NO = "yes_no"
ORDINAL = "ordinal"
CLASSIFYING_KINDS = (YES_NO, ORDINAL)
HIGHER = "higher_is_better"
LOWER = "lower_is_better"
JUDGED_DIRECTIONS = (HIGHER, LOWER)


def ordinal_scale(spec: FrameworkSpec, kpi: KpiSpec) -> tuple[float, float] | None:
    """The lowest and highest value of an ordinal KPI: its declared range, else its options' scores."""
    if kpi.minimum is not None and kpi.maximum is not None and kpi.maximum > kpi.minimum:
        return kpi.minimum, kpi.maximum
    scores = [
        score
        for expr in kpi.formulas.values()
        for ref in fx.references(expr)
        if ref.element in spec.elements
        for score in spec.elements[ref.element].options.values()
    ]
    if len(set(scores)) < 2:
        return None
    return min(scores), max(scores)


def applies_threshold(spec: FrameworkSpec, kpi: KpiSpec) -> float | None:
    """The lowest value of the KPI that says a member applies its instruments; None: the KPI cannot say."""
    if kpi.kind == YES_NO:
        return 1.0
    if kpi.kind == ORDINAL:
        scale = ordinal_scale(spec, kpi)
        if scale is None:
            return None
        low, high = scale
        return low + (high - low) / 2
    return None


def applies(threshold: float, value: float) -> bool:
    return value >= threshold


def judged_component(kpi: KpiSpec) -> str | None:
    """The component a member's weakness on the KPI is judged on; None: the KPI is not judged."""
    if kpi.direction not in JUDGED_DIRECTIONS or not kpi.formulas:
        return None
    return "combined" if "combined" in kpi.formulas else next(iter(kpi.formulas))


def is_weak(direction: str, value: float, q1: float, q3: float) -> bool:
    """In the bottom quarter, by the KPI's direction: below q1 (higher is better), above q3 (lower)."""
    if direction == HIGHER:
        return value < q1
    if direction == LOWER:
        return value > q3
    return False


def weak_on_outcome(reported: int, weak: int) -> bool:
    """Weak on at least half of the outcome's judged KPIs the member reported."""
    return reported > 0 and 2 * weak >= reported
