"""The project's Django forms: the character rule on every submitted text, and a service's
ApplicationError shown on a form.

Every form class of the project derives from `CheckedForm` (or mixes `TextRuleMixin` into a Django form it
extends, like the sign-in form): a submitted text holding a character refused by `pmm.core.text` (a
NUL, a C0 control character, a lone surrogate, U+FFFE/U+FFFF) gets an error next to its field, and
the page shows again with what the user typed, like any other validation error. Such a text never
reaches the field's own cleaning, `clean_<field>()` or `clean()`, so nothing reads or writes the
database with it (PostgreSQL cannot store a NUL). tests/test_form_hygiene.py checks that no form
class of the project forgets the mixin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from pmm.core.errors import ApplicationError, NotFound, PermissionDenied
from pmm.core.text import text_problem

__all__ = [
    "CheckedForm",
    "TextRuleMixin",
    "form_add_problems",
    "form_takes_problems",
    "submitted_text_problem",
]


def submitted_text_problem(value: Any) -> str | None:
    """The error to show for a submitted value (a text, or a list of texts for a multiple choice)
    holding a refused character, or None. Files and other values are not texts: None."""
    texts = [value] if isinstance(value, str) else value if isinstance(value, list | tuple) else []
    for text in texts:
        if isinstance(text, str) and (problem := text_problem(text)) is not None:
            return gettext("This text %(problem)s.") % {"problem": problem}
    return None


class TextRuleMixin:
    """Refuse, field by field, submitted texts with a character the platform refuses. Mix it in
    before the Django form class: `class LoginForm(TextRuleMixin, AuthenticationForm)`."""

    def _clean_fields(self) -> None:
        """Django's own loop (django.forms.BaseForm._clean_fields), except that a field whose
        submitted text breaks the rule gets that error and is not cleaned any further."""
        form: Any = self
        for name, bound in form._bound_items():
            field = bound.field
            problem = None if field.disabled else submitted_text_problem(bound.data)
            if problem is not None:
                form.add_error(name, problem)
                continue
            try:
                form.cleaned_data[name] = field._clean_bound_field(bound)
                if hasattr(form, f"clean_{name}"):
                    form.cleaned_data[name] = getattr(form, f"clean_{name}")()
            except ValidationError as error:
                form.add_error(name, error)


class CheckedForm(TextRuleMixin, forms.Form):
    """The base of the project's forms: a Django form that keeps the character rule."""


def form_add_problems(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's ApplicationError on a Django form: each problem on its field where there is one."""
    if not error.problems:
        form.add_error(None, error.message)
        return
    for problem in error.problems:
        field = problem.field.split(".")[0].split("[")[0]
        if field in form.fields:
            form.add_error(field, problem.message)
        else:
            form.add_error(None, str(problem))


def form_takes_problems(
    form: forms.Form, error: ApplicationError, shown_at: Mapping[str, str] | None = None
) -> bool:
    """Put a service's problems next to the form's fields (`form_add_problems`); `shown_at` names the
    field that shows a problem of another (a value the page chooses with it). False when the error
    names no field (the caller then shows its message). A refusal of access is no problem of the form:
    it goes on to the 403 and 404 pages."""
    if isinstance(error, (NotFound, PermissionDenied)):
        raise error
    if not error.problems:
        return False
    moved = shown_at or {}
    problems = [replace(p, field=moved[p.field]) if p.field in moved else p for p in error.problems]
    form_add_problems(form, ApplicationError(error.message, error.code, problems))
    return True
