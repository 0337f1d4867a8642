"""The public KPI page's chart, from the rows the page read for the public (withheld results are
absent from them): one bar per member for a measure, the members' shares per answer for a yes/no or
ordinal KPI. Its table and downloads show the same rows (docs/charts.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from pmm.charts import Chart, specs
from pmm.core.translated import pick
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.results.aggregates import group_statistics
from pmm.results.answers import answers_kpi, share_rows, with_answers
from pmm.results.engine import COMPUTED
from pmm.results.formatting import axis_unit

CHART_ID = "public-values"


def public_values_chart(
    rows: Iterable[Any],
    *,
    kpi: KpiSpec,
    spec: FrameworkSpec,
    units: Mapping[str, Mapping[str, Any]],
    filename: str,
) -> Chart | None:
    """The chart of the KPI's public values (its main component), or None when no member made one."""
    component = next(iter(kpi.formulas), "value")
    found = [
        (pick(row.member_name), float(row.value))
        for row in rows
        if row.component == component and row.status == COMPUTED and row.value is not None
    ]
    if not found:
        return None
    name = pick(kpi.name)
    if answers_kpi(kpi):
        return _answers_chart(found, kpi=kpi, spec=spec, units=units, name=name, filename=filename)
    unit = axis_unit(kpi, units)
    best_first = kpi.direction != "lower_is_better"
    found.sort(key=lambda item: (-item[1] if best_first else item[1], item[0]))
    member, value = _("Member"), _("Value")
    data = [{"member": who, "value": number} for who, number in found]
    description = _("%(kpi)s: the value of each member that made it public, %(order)s.") % {
        "kpi": name,
        "order": _("highest first") if best_first else _("lowest first"),
    }
    return Chart(
        id=CHART_ID,
        title=_("%(kpi)s: the public values") % {"kpi": name},
        description=description,
        spec=specs.member_values(
            data, value_label=value, member_label=member, unit=unit, description=description
        ),
        columns=[("member", member), ("value", specs.with_unit(value, unit))],
        rows=data,
        filename=filename,
    )


def _answers_chart(
    found: list[tuple[str, float]],
    *,
    kpi: KpiSpec,
    spec: FrameworkSpec,
    units: Mapping[str, Mapping[str, Any]],
    name: str,
    filename: str,
) -> Chart:
    group, share = _("Members with a public value"), _("Share of the members (%)")
    values = [value for _who, value in found]
    stats = with_answers(group_statistics(values), values)
    data, answers = share_rows([(group, stats)], kpi, spec, units, given_only=True)
    description = _("%(kpi)s: the share of the members per answer, among those who made it public.") % {
        "kpi": name
    }
    return Chart(
        id=CHART_ID,
        title=_("%(kpi)s: the public answers") % {"kpi": name},
        description=description,
        spec=specs.answer_shares(
            data,
            answers=answers,
            group_label=_("Group"),
            share_label=share,
            description=description,
        ),
        columns=[("answer", _("Answer")), ("members", _("Members")), ("percent", share)],
        rows=data,
        filename=filename,
    )
