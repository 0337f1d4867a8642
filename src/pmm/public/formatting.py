"""Published results as the public reads them: values with their units, statuses in plain words, and
the framework's tree (dimension → outcome → KPI) holding them. Pure: plain data in, plain data out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from pmm.framework.kinds import KPI_KINDS
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.results.formatting import Figure, figure_of, unit_text
from pmm.results.selectors import ResultRow

DIRECTION_LABELS: dict[str, str | Promise] = {
    "higher_is_better": gettext_lazy("Higher is better"),
    "lower_is_better": gettext_lazy("Lower is better"),
    "context_only": gettext_lazy("Context only (no better or worse)"),
}


@dataclass
class KpiFigures:
    kpi: KpiSpec
    unit: str
    figures: list[Figure] = field(default_factory=list)
    count: int = 0  # for the KPI list: members with a public value

    @property
    def split(self) -> bool:
        return len(self.kpi.formulas) > 1


@dataclass
class OutcomeFigures:
    code: str
    name: dict[str, str]
    kpis: list[KpiFigures] = field(default_factory=list)


@dataclass
class DimensionFigures:
    code: str
    name: dict[str, str]
    outcomes: list[OutcomeFigures] = field(default_factory=list)


def framework_tree(
    spec: FrameworkSpec,
    units: Mapping[str, Mapping[str, Any]],
    rows: Iterable[ResultRow] = (),
    *,
    codes: Iterable[str] | None = None,
) -> list[DimensionFigures]:
    """Dimensions → outcomes → KPIs in framework order, holding the rows' figures.

    Only KPIs with a row (or, given `codes`, the KPIs named) appear; empty outcomes and dimensions
    are left out.
    """
    by_kpi: dict[str, list[ResultRow]] = {}
    for row in rows:
        by_kpi.setdefault(row.kpi, []).append(row)
    wanted = set(codes) if codes is not None else set(by_kpi)
    order = {code: list(k.formulas) for code, k in spec.kpis.items()}
    tree = []
    for dimension in spec.dimensions.values():
        outcomes = []
        for outcome_code in dimension.outcomes:
            outcome = spec.outcomes[outcome_code]
            kpis = []
            for code in outcome.kpis:
                if code not in wanted:
                    continue
                kpi = spec.kpis[code]
                found = sorted(by_kpi.get(code, []), key=lambda r: order[code].index(r.component))
                figures = [figure_of(r, spec, units) for r in found]
                kpis.append(KpiFigures(kpi, unit_text(kpi, units), figures))
            if kpis:
                outcomes.append(OutcomeFigures(outcome.code, outcome.name, kpis))
        if outcomes:
            tree.append(DimensionFigures(dimension.code, dimension.name, outcomes))
    return tree


def kind_label(kpi: KpiSpec) -> str:
    kind = KPI_KINDS.get(kpi.kind)
    return str(kind.label) if kind is not None else kpi.kind


def direction_label(kpi: KpiSpec) -> str:
    label = DIRECTION_LABELS.get(kpi.direction)
    return str(label) if label is not None else kpi.direction
