"""What a request for a report asks (`edition`, `publication`, `lang`), read the same way for the pages,
the API and the CLI: the language and the edition are checked first, so a wrong one builds nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation

from pmm.core.errors import FieldProblem, NotFound
from pmm.cycles.models import Cycle
from pmm.cycles.selectors import cycle_get
from pmm.members.selectors import member_get
from pmm.reports.country import CountryReport, country_report
from pmm.reports.editions import default_edition, global_default_edition, global_edition_audience
from pmm.reports.global_report import GlobalReport, global_report
from pmm.reports.rendering import language_of


def asked_report(actor: Any, cycle_id: int, iso3: str, query: Mapping[str, Any]) -> tuple[CountryReport, str]:
    """The report and the language `query` asks for (each optional: the widest edition the actor may
    have, the latest publication, the active language). The report is built in its language: its
    figures are written as that language writes numbers and units."""
    language = language_of(query.get("lang"))
    edition = query.get("edition") or default_edition(actor)
    cycle, member = cycle_get(cycle_id), member_get(iso3)
    with translation.override(language):
        report = country_report(actor, cycle, member, edition=edition, publication=query.get("publication"))
    return report, language


def _cycle(cycle_id: int) -> Cycle:
    try:
        return cycle_get(cycle_id)
    except NotFound as error:
        error.problems = [FieldProblem("cycle", "no cycle of this id")]
        raise


def asked_global_report(actor: Any, cycle_id: int, query: Mapping[str, Any]) -> GlobalReport:
    """The global report `query` asks for (each optional: the widest edition the actor may have, the
    latest publication, the active language). Checked in this order, each failure naming its field:
    the language, the edition (known, then allowed), the cycle, the publication."""
    language = language_of(query.get("lang"))
    edition = query.get("edition") or global_default_edition(actor)
    global_edition_audience(actor, edition)
    cycle = _cycle(cycle_id)
    return global_report(
        actor, cycle, edition=edition, language=language, publication=query.get("publication")
    )
