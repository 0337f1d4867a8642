"""The global cycle report: one publication of a cycle, all members, as one edition's audience may see it.

Every figure comes from the reads the platform's pages use for that audience, never from more:

- participation: `pmm.results.participation` (counts of members, which are public);
- coverage: the publication's rows the audience may see (`published_results_for`, `visible_to`);
- group statistics: `aggregates_for`, which releases only what the rules of docs/disclosure.md allow
  the audience (k members at least, no differencing, earlier releases counted);
- WCO instruments and SDG targets: the analytics views made for the audience (`instruments_for`,
  `sdg_view_for`), which judge members from the values the audience may see only;
- the previous cycle: the statistics of all members released to the audience in the latest
  publication of the latest earlier cycle of the same framework (`latest_publications`).

The report is built in its language (numbers, names and words), so it is the same object for the
print page, the PDF and the workbook annex. Its `fingerprint` names everything it shows: a PDF or a
workbook cached under it is exactly the one that would be made again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from pmm.analytics.selectors.instruments import instruments_for
from pmm.analytics.selectors.sdg import sdg_view_for
from pmm.core.errors import FieldProblem, NotFound
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_spec
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import Audience
from pmm.framework.spec import FrameworkSpec
from pmm.members.models import Group
from pmm.reports.editions import global_edition_audience
from pmm.reports.global_figures import comparison_section, coverage_section, participation_section
from pmm.reports.global_mappings import instruments_sections, sdg_sections
from pmm.reports.global_statistics import detail_section, everyone_section, medians_sections
from pmm.reports.tables import Section
from pmm.results.aggregates import GroupStats, Result
from pmm.results.formatting import number_text, units_of
from pmm.results.group_stats import GLOBAL, PREDEFINED_KINDS, GroupAggregate, aggregates_for
from pmm.results.models import Publication
from pmm.results.participation import cycle_participation
from pmm.results.selectors import publication_get, published_results_for
from pmm.results.series import latest_publications

# Change when what a report holds changes in a way its sections do not show (the template's prose).
_FORM = 1


@dataclass(frozen=True)
class GlobalReport:
    cycle: Cycle
    publication: Publication
    previous: Publication | None  # the latest publication of the previous cycle of the framework
    edition: str
    audience: Audience  # whom the edition is built for
    language: str
    spec: FrameworkSpec
    min_members: int  # k of the release rules
    glance: list[tuple[str, str]]  # the key figures of the cover
    sections: list[Section]

    @property
    def fingerprint(self) -> str:
        """A digest of everything the report shows (and of whom it is for)."""
        publication = self.publication
        content = [
            _FORM, publication.pk, publication.number, publication.published_at.isoformat(),
            publication.inputs_fingerprint, publication.computation_version, self.edition,
            self.audience.key, self.language, self.min_members, str(self.cycle), self.spec.fingerprint,
            None if self.previous is None else (self.previous.pk, self.previous.number),
            self.glance,
            [
                (s.key, s.title, s.intro, s.columns, s.wide, s.annex_only,
                 [(p.caption, p.note, [[(c.text, c.value, c.header) for c in row] for row in p.rows])
                  for p in s.parts])
                for s in self.sections
            ],
        ]  # fmt: skip
        return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()


def previous_publication(cycle: Cycle) -> Publication | None:
    """The latest publication of the latest earlier cycle of the cycle's framework, if any."""
    earlier = [p for p in latest_publications(cycle) if p.cycle_id != cycle.pk]
    return earlier[-1] if earlier else None


def chosen_publication(cycle: Cycle, number: int | str | None) -> Publication:
    """The publication asked for (the latest by default); NotFound naming the field when there is none."""
    try:
        publication = publication_get(cycle, number)
    except NotFound as error:
        error.problems = [FieldProblem("publication", "no publication of this number in this cycle")]
        raise
    if publication is None:
        nothing = NotFound("Nothing of this cycle is published yet.")
        nothing.problems = [FieldProblem("cycle", "nothing of this cycle is published yet")]
        raise nothing
    return publication


def _glance(
    publication: Publication,
    invited: int,
    spec: FrameworkSpec,
    everyone: dict[tuple[str, str], Result],
    sections: list[Section],
    previous: Publication | None,
) -> list[tuple[str, str]]:
    """The key figures of the cover, each a label and its value in words."""
    figures = sum(len(k.formulas) for k in spec.kpis.values())
    released = sum(1 for result in everyone.values() if isinstance(result, GroupStats))
    share = number_text(100 * publication.member_count / invited, 0) if invited else "0"
    found = [
        (
            _("Members in the publication"),
            _("%(published)s of %(invited)s members invited (%(share)s%%)")
            % {"published": publication.member_count, "invited": invited, "share": share},
        ),
        (_("KPIs"), _("%(kpis)s KPIs, %(figures)s figures") % {"kpis": len(spec.kpis), "figures": figures}),
        (
            _("Statistics of all members released to this edition"),
            _("%(released)s of %(figures)s figures") % {"released": released, "figures": figures},
        ),
    ]
    applied = next((s for s in sections if s.key == "instruments"), None)
    if applied is not None:
        found.append((_("WCO instruments whose application a KPI tells"), str(applied.rows)))
    if previous is not None:
        found.append(
            (
                _("Previous cycle"),
                _("%(cycle)s: publication %(number)s, %(members)s members")
                % {"cycle": previous.cycle, "number": previous.number, "members": previous.member_count},
            )
        )
    return found


def _statistics(
    audience: Audience, reader: Audience | None, cycle: Cycle, publication: Publication, group: str = ""
) -> list[GroupAggregate]:
    """The group statistics of the report (not the peer-reviewed ones): released to the edition's
    audience, and to the reader's too when it is another (`aggregates_for`)."""
    found = aggregates_for(audience, cycle, publication, group=group, reader=reader)
    return [a for a in found if not a.reviewed_only]


def global_report_for(
    audience: Audience,
    edition: str,
    cycle: Cycle,
    publication: Publication,
    language: str,
    reader: Audience | None = None,
) -> GlobalReport:
    """The global report of `publication`, built in `language` from what `audience` may see (for a
    `reader` of another audience, with only the group statistics released to both)."""
    with translation.override(language):
        spec = cycle_spec(cycle)
        units = units_of(cycle.framework.document)
        groups = list(Group.objects.filter(kind__in=PREDEFINED_KINDS))
        counted = cycle_participation(cycle, publication, PREDEFINED_KINDS)
        rows = published_results_for(audience, cycle, publication).rows
        aggregates = _statistics(audience, reader, cycle, publication)
        everyone = {(a.kpi, a.component): a.result for a in aggregates if a.group == GLOBAL}
        sections = [
            participation_section(counted, groups),
            coverage_section(spec, rows, aggregates, publication.member_count),
            everyone_section(spec, units, everyone),
            *medians_sections(spec, units, aggregates, groups),
        ]
        previous = previous_publication(cycle)
        if previous is not None:
            before = {
                (a.kpi, a.component): a.result
                for a in _statistics(audience, reader, previous.cycle, previous, group=GLOBAL)
            }
            years = (previous.cycle.reporting_year, cycle.reporting_year)
            sections.append(comparison_section(spec, units, years, everyone, before))
        sections += instruments_sections(instruments_for(audience, cycle, publication), units)
        sections += sdg_sections(sdg_view_for(audience, cycle, publication, reader=reader), units)
        sections.append(detail_section(spec, units, aggregates))
        glance = _glance(publication, counted.total.invited, spec, everyone, sections, previous)
    return GlobalReport(
        cycle=cycle,
        publication=publication,
        previous=previous,
        edition=edition,
        audience=audience,
        language=language,
        spec=spec,
        min_members=settings.PMM_AGGREGATE_MIN_MEMBERS,
        glance=glance,
        sections=sections,
    )


def global_report(
    actor: Any, cycle: Cycle, *, edition: str, language: str, publication: int | str | None = None
) -> GlobalReport:
    """The global report of a publication of `cycle` (default: the latest), in the edition asked (one
    the actor may have: PermissionDenied otherwise, before anything is read)."""
    audience = global_edition_audience(actor, edition)
    chosen = chosen_publication(cycle, publication)
    return global_report_for(audience, edition, cycle, chosen, language, reader=audience_of(actor))
