"""Validation messages in the reader's language. The templates are the English ones of
`validation.py`, listed here so that they are extracted for translation."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from pmm.assessments.validation import Issue
from pmm.core.periods import year_text
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


def issue_text(issue: Issue) -> str:
    """The issue's message in the active language."""
    if issue.kind == "rule":
        return pick(issue.params.get("translations")) or issue.text()
    return gettext(issue.message).format(**issue.shown_params(pick, year_text))
