"""The error summary at the top of the assessment page: one link to each problem of a refused
workbook upload, so that a keyboard or screen-reader user lands on them at once (pmm.js focuses it)."""

from __future__ import annotations

from typing import Any


def error_summary(workbook_form: Any, workbook_problems: list[str]) -> list[dict[str, str]]:
    """The problems to list, each with its text and the `#anchor` it links to."""
    found = []
    if workbook_form is not None and workbook_form.is_bound:
        for name, errors in workbook_form.errors.items():
            href = f"#{workbook_form[name].auto_id}" if name in workbook_form.fields else "#workbook"
            found.extend({"text": str(error), "href": href} for error in errors)
    found.extend(
        {"text": problem, "href": f"#workbook-problem-{n}"} for n, problem in enumerate(workbook_problems, 1)
    )
    return found
