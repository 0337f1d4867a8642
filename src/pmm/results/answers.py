"""Statistics of yes/no and ordinal KPIs: how many members gave each answer, and their shares.

A median or a quartile of yes/no answers or of levels on a scale means little ("Level 1.75", "No
(middle half No to No)"); what a reader wants is the share of members per answer. The answers are
counted only where a group's statistics are released (`pmm.results.group_stats` attaches them to the
released `GroupStats`, from the same contributors), so they follow the release rules of
docs/disclosure.md unchanged: counts per answer, like the count, mean and quartiles, are symmetric in
the group's values (swapping two members' values changes none of them), so the audit that released the
group covers them; for a yes/no KPI they are the count and the mean again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from pmm.framework import formula as fx
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.results.aggregates import GroupStats, group_statistics
from pmm.results.formatting import number_text, value_text

YES_NO = "yes_no"
ORDINAL = "ordinal"
ANSWER_KINDS = frozenset({YES_NO, ORDINAL})


@dataclass(frozen=True)
class AnswerStats(GroupStats):
    """Released statistics of a yes/no or ordinal KPI, with how many contributors gave each answer:
    (answer, members), answers in increasing order."""

    answers: tuple[tuple[float, int], ...] = ()


def answers_kpi(kpi: KpiSpec) -> bool:
    """Are the KPI's values answers (yes/no, a level on a scale) rather than measures?"""
    return kpi.kind in ANSWER_KINDS


def with_answers(stats: GroupStats, values: Iterable[float]) -> AnswerStats:
    """`stats` with how many of `values` (the values of the group's contributors) gave each answer."""
    counts = Counter(float(v) for v in values)
    if sum(counts.values()) != stats.count:
        raise ValueError("the answers must be those of the group's contributors")
    return AnswerStats(
        stats.count, stats.mean, stats.median, stats.q1, stats.q3, tuple(sorted(counts.items()))
    )


def statistics_of(values: Sequence[float], kpi: KpiSpec) -> GroupStats:
    """The statistics of some values of a KPI, with the counts per answer for a yes/no or ordinal KPI."""
    stats = group_statistics(values)
    return with_answers(stats, values) if answers_kpi(kpi) else stats


def scale(kpi: KpiSpec, spec: FrameworkSpec) -> tuple[float, ...]:
    """Every answer the KPI knows, in the order a reader reads them: yes then no; the levels of an
    ordinal KPI's choice element from the highest down (empty when its formula is not one element)."""
    if kpi.kind == YES_NO:
        return (1.0, 0.0)
    expr = kpi.formulas.get("value")
    element = spec.elements.get(expr.element) if isinstance(expr, fx.Ref) else None
    if element is None:
        return ()
    return tuple(sorted({float(score) for score in element.options.values()}, reverse=True))


@dataclass(frozen=True)
class Share:
    value: float  # the answer
    label: str  # the answer in words ("Yes", "Level 2: fully aligned")
    members: int
    percent: float  # of the group's contributors, 0 to 100

    @property
    def percent_text(self) -> str:
        return _("%(number)s%%") % {"number": number_text(self.percent, 0)}


def shares(
    stats: AnswerStats, kpi: KpiSpec, spec: FrameworkSpec, units: Mapping[str, Mapping[str, Any]]
) -> list[Share]:
    """The share of the group's contributors per answer: every answer the KPI knows (none given: 0),
    then any other answer found, in the reader's order."""
    counts = dict(stats.answers)
    known = scale(kpi, spec)
    order = list(known) + sorted((v for v in counts if v not in known), reverse=True)
    total = stats.count or 1
    return [
        Share(v, value_text(v, kpi, spec, units), counts.get(v, 0), 100 * counts.get(v, 0) / total)
        for v in order
    ]


def shares_text(shares_found: Iterable[Share]) -> str:
    """One line for a table cell: "Yes 60% (3) · No 40% (2)"."""
    return " · ".join(
        _("%(answer)s %(percent)s (%(members)s)")
        % {"answer": s.label, "percent": s.percent_text, "members": s.members}
        for s in shares_found
    )


def answers_text(
    stats: Any, kpi: KpiSpec, spec: FrameworkSpec, units: Mapping[str, Mapping[str, Any]]
) -> str:
    """The members per answer in one line when `stats` are a yes/no or ordinal KPI's released
    statistics with their answers ("Yes 60% (3) · No 40% (2)"); "" for any other statistics."""
    if not isinstance(stats, AnswerStats) or not answers_kpi(kpi):
        return ""
    return shares_text(shares(stats, kpi, spec, units))


def share_rows(
    points: Iterable[tuple[str, Any]],
    kpi: KpiSpec,
    spec: FrameworkSpec,
    units: Mapping[str, Mapping[str, Any]],
    *,
    withheld: Callable[[Any], str] | None = None,
    given_only: bool = False,
) -> tuple[list[dict[str, Any]], list[str]]:
    """A shares chart's rows, one per group and answer ({group, answer, members, percent}), for
    (group name, statistics) points in order, and the answers in reading order. Statistics without
    answers give no row, or, with `withheld` (which says why from them), one row saying why. With
    `given_only`, an answer nobody gave has no row."""
    rows: list[dict[str, Any]] = []
    answers: list[str] = []
    for group, stats in points:
        if not isinstance(stats, AnswerStats):
            if withheld is not None:
                why = withheld(stats)
                rows.append({"group": group, "answer": "", "members": None, "percent": None, "withheld": why})
            continue
        for s in shares(stats, kpi, spec, units):
            if given_only and not s.members:
                continue
            answers += [s.label] if s.label not in answers else []
            row = {"group": group, "answer": s.label, "members": s.members, "percent": round(s.percent, 2)}
            rows.append(row | ({"withheld": ""} if withheld is not None else {}))
    return rows, answers
