"""What a request for a country report asks (`edition`, `publication`, `lang`), read the same way for
the pages, the API and the CLI: the language is checked first, so a wrong one builds nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pmm.cycles.selectors import cycle_get
from pmm.members.selectors import member_get
from pmm.reports.country import CountryReport, country_report
from pmm.reports.editions import default_edition
from pmm.reports.rendering import language_of


def asked_report(actor: Any, cycle_id: int, iso3: str, query: Mapping[str, Any]) -> tuple[CountryReport, str]:
    """The report and the language `query` asks for (each optional: the widest edition the actor may
    have, the latest publication, the active language)."""
    language = language_of(query.get("lang"))
    edition = query.get("edition") or default_edition(actor)
    cycle, member = cycle_get(cycle_id), member_get(iso3)
    report = country_report(actor, cycle, member, edition=edition, publication=query.get("publication"))
    return report, language
