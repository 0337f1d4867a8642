"""The reporting periods as people read them: a cycle asks for the reporting year T and, where a KPI
measures change, the year before (T-1). Used wherever a data element is named with its year (the
messages of assessments, the pages of reviews and results, the audit log)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext

YEARS = {"T": gettext_lazy("year T"), "T-1": gettext_lazy("year T-1")}


def year_text(period: str) -> str:
    """A period in words, in the active language: "T" -> "year T" ("année T")."""
    return str(YEARS[period]) if period in YEARS else period


def element_named(name: str, period: str | None = None) -> str:
    """A data element's name as people read it, with its year when given."""
    if not period:
        return pgettext("a data element", "“{element}”").format(element=name)
    return pgettext("a data element and its year", "“{element}” ({period})").format(
        element=name, period=year_text(period)
    )
