"""Validation messages in the reader's language. The templates are the English ones of
`validation.py`, listed here so that they are extracted for translation."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy, pgettext
from django.utils.translation import gettext_noop as _

from pmm.assessments.spec import ElementSpec, FrameworkSpec
from pmm.assessments.validation import Issue
from pmm.core.translated import pick

TEMPLATES = [
    _("unknown data element {element}"),
    _("“{element}” is computed, not reported"),
    _("“{element}” is not collected for {period}"),
    _("the state must be reported or not_available"),
    _("say why “{element}” is not available for {period}"),
    _("“{element}” ({period}) must be at most {max} characters"),
    _("“{element}” ({period}) must be yes or no"),
    _("“{element}” ({period}) must be one of: {options}"),
    _("“{element}” ({period}) must be a number"),
    _("“{element}” ({period}) must be a whole number"),
    _("“{element}” ({period}) must be between -{limit} and {limit}"),
    _("“{element}” ({period}) cannot be stored exactly: give at most {digits} significant digits"),
    _("“{element}” ({period}) must be between {min} and {max}, not {value}"),
    _("“{element}” ({period}) must be at least {min}, not {value}"),
    _("“{element}” ({period}) must be at most {max}, not {value}"),
    _("“{element}” changed from {before} in year T-1 to {now} in year T{change_text}; explain the change"),
    _("“{element}” ({period}) is missing: report it or say why it is not available"),
]
YEARS = {"T": gettext_lazy("year T"), "T-1": gettext_lazy("year T-1")}


def year_text(period: str) -> str:
    """A period in words, in the active language: "T" -> "year T" ("année T")."""
    return str(YEARS[period]) if period in YEARS else period


def element_text(spec: FrameworkSpec, code: str, period: str | None = None) -> str:
    """A data element as people read it, in the active language: its label, with its year when given
    ("“Total declarations” (year T)"); its code only when the framework does not know it."""
    return named_element(spec.elements.get(code), code, period)


def named_element(element: ElementSpec | None, code: str, period: str | None = None) -> str:
    """`element_text` for an element already found (None: unknown, named by `code`)."""
    return element_named(pick(element.name) if element is not None else code, period)


def element_named(name: str, period: str | None = None) -> str:
    """A data element's name as people read it, with its year when given."""
    if not period:
        return pgettext("a data element", "“{element}”").format(element=name)
    return pgettext("a data element and its year", "“{element}” ({period})").format(
        element=name, period=year_text(period)
    )


def issue_text(issue: Issue) -> str:
    """The issue's message in the active language."""
    if issue.kind == "rule":
        return pick(issue.params.get("translations")) or issue.text()
    return gettext(issue.message).format(**issue.shown_params(pick, year_text))
