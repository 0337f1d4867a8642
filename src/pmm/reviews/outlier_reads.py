"""Outlier flags of a reviewed self-assessment: the reads around the pure rule of `pmm.reviews.outliers`.

For one assessment and one reader (a peer reviewer assigned to it, the member's own people, the
Secretariat), each computed KPI component of the assessment's current results is compared with:

- the member's own values of the same KPI component in EARLIER cycles of the same framework (by
  framework code: KPI codes carry over between versions), one value per cycle, from the latest
  publication of that cycle, read through the reader's disclosure filter (`visible_filter`);
- the statistics of the groups the member belongs to (all members, its WCO region, income group,
  geographic groups and unions) that were RELEASED to the reader (`aggregates_for`), for the latest
  publication of the assessment's cycle, or, while that cycle has none, of the latest earlier cycle.
  Groups held back (too few members, values hidden from the reader, differencing) give no flag; other
  members' values are never read here, so a flag tells the reader nothing they may not see.

Yes/no KPIs are not flagged: quartiles of answers that are 0 or 1 say how common an answer is, not
that a value is unusual. Every function runs a fixed number of queries, whatever the number of KPIs,
cycles and publications.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from pmm.assessments.models import Assessment
from pmm.authz import can
from pmm.core.actors import is_system
from pmm.core.errors import NotFound
from pmm.core.translated import pick
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience
from pmm.framework.spec import FrameworkSpec, KpiSpec
from pmm.results.engine import COMPUTED
from pmm.results.formatting import number_text, value_text
from pmm.results.selectors import ResultFilters, current_results, may_read_current
from pmm.results.series import Key, PeerGroup, latest_publications, member_history, member_peer_groups
from pmm.reviews.outliers import Flag, explanation, flags_for, reference_explanation

NOT_FLAGGED_KINDS = frozenset({"yes_no"})  # KPI kinds (or units) never flagged

# The English templates of `pmm.reviews.outliers`, listed here so that they are extracted for
# translation (tests check the two lists agree).
TEMPLATES = [
    _(
        "Unusually high for this member: {value} is above {limit}, the upper limit drawn from its own "
        "values in {count} earlier cycles (median {median})."
    ),
    _(
        "Unusually low for this member: {value} is below {limit}, the lower limit drawn from its own "
        "values in {count} earlier cycles (median {median})."
    ),
    _(
        'Unusually high compared with the group "{group}": {value} is above {limit}, the upper limit '
        "drawn from the group's quartiles ({count} members, median {median})."
    ),
    _(
        'Unusually low compared with the group "{group}": {value} is below {limit}, the lower limit '
        "drawn from the group's quartiles ({count} members, median {median})."
    ),
    _("Reference: results of {years}."),
]


@dataclass(frozen=True)
class References:
    """Everything a value is compared with, as the reader may see it."""

    history: dict[Key, list[tuple[int, float]]]  # (reporting year, value), oldest first
    peers: dict[Key, list[PeerGroup]]  # released groups of the member, global first
    peer_year: int | None  # the reporting year of the publication the group statistics come from


def references_for(audience: Audience, assessment: Assessment) -> References:
    """The member's own history and its peer groups' released statistics, for one audience."""
    cycle = assessment.cycle
    publications = latest_publications(cycle)
    earlier = [p for p in publications if p.cycle_id != cycle.pk]
    same = [p for p in publications if p.cycle_id == cycle.pk]
    reference = same[0] if same else (earlier[-1] if earlier else None)
    return References(
        history=member_history(audience, assessment.member_id, earlier) if earlier else {},
        peers=member_peer_groups(audience, assessment.member_id, cycle, reference),
        peer_year=reference.cycle.reporting_year if reference is not None else None,
    )


def outlier_flags(actor: Any, assessment: Assessment) -> dict[Key, list[Flag]]:
    """The flags of each KPI component of the assessment's current results, for this reader.

    Only readers of the member's current results get an answer (others: NotFound, as for the
    assessment itself). Components without a flag are left out; the order is the framework's.
    """
    readable = is_system(actor) or (may_read_current(actor) and can(actor, "assessment.view", assessment))
    if not assessment.pk or not readable:
        raise NotFound("No such assessment.")
    cycle = assessment.cycle
    spec = cycle_spec(cycle)
    current = current_results(actor, cycle, ResultFilters(member=assessment.member.iso3))
    references = references_for(audience_of(actor), assessment)
    peer_years = () if references.peer_year is None else (references.peer_year,)
    answer: dict[Key, list[Flag]] = {}
    for row in current.rows:
        kpi = spec.kpis[row.kpi]
        if row.status != COMPUTED or row.value is None or NOT_FLAGGED_KINDS & {kpi.kind, kpi.unit}:
            continue
        key = (row.kpi, row.component)
        history = references.history.get(key, [])
        groups = references.peers.get(key, [])
        flags = flags_for(
            row.value,
            [value for _year, value in history],
            {g.code: g.stats for g in groups},
            labels={g.code: g.name for g in groups},
            history_years=[year for year, _value in history],
            peer_years=peer_years,
        )
        if flags:
            answer[key] = flags
    return answer


def flag_text(flag: Flag, kpi: KpiSpec, spec: FrameworkSpec, units: Mapping[str, Mapping[str, Any]]) -> str:
    """The flag in the reader's language: the value with its unit, the limit it crossed, the reference.

    `units`: `pmm.results.formatting.units_of(cycle.framework.document)`.
    """

    def number(value: Any) -> str:
        if kpi.kind == "ordinal" or kpi.unit == "scale_level":
            return number_text(float(value))  # a limit between two levels is not a level
        return value_text(float(value), kpi, spec, units)

    said = explanation(flag)
    params = {name: number(v) for name, v in said.numbers.items()}
    params["value"] = value_text(flag.value, kpi, spec, units)
    params |= {**said.texts, "group": pick(flag.group_label) or flag.group}
    text = gettext(said.message).format(**params)
    reference = reference_explanation(flag)
    if reference is not None:
        text += " " + gettext(reference.message).format(**reference.texts)
    return text
