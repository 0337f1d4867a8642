"""Show a service's ApplicationError on a Django form: each problem on its field where there is one."""

from __future__ import annotations

from django import forms

from pmm.core.errors import ApplicationError


def form_add_problems(form: forms.Form, error: ApplicationError) -> None:
    if not error.problems:
        form.add_error(None, error.message)
        return
    for problem in error.problems:
        field = problem.field.split(".")[0].split("[")[0]
        if field in form.fields:
            form.add_error(field, problem.message)
        else:
            form.add_error(None, str(problem))
