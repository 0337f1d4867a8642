"""How the `pmm` command reports a refused request: `Error: …` and each problem on its own line to
stderr, and exit code 1 (a mistake in the command line itself exits with code 2, from Click).

`reports_errors` is the one wrapper; `report_errors_of` applies it once to every command of a Typer
and of its groups. The root applies it to the commands it holds (pmm.cli) and to each group of a
domain when it is loaded (pmm.cli.domain_groups), so a command just raises ApplicationError.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from pmm.cli.django_setup import setup
from pmm.core.errors import ApplicationError

F = TypeVar("F", bound=Callable[..., Any])

_WRAPPED = "_pmm_reports_errors"
_LEFT_ALONE = "_pmm_leaves_errors_alone"


def fail(error: ApplicationError | str) -> typer.Exit:
    """Print the error (its message, then each problem on its own line) to stderr; return the exit."""
    typer.echo(f"Error: {error}", err=True)
    return typer.Exit(1)


def reports_errors(command: F) -> F:
    """Turn an ApplicationError raised by a service into `Error: …` on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # Imported here, when a command runs: the root of `pmm` loads no Django (pmm.cli.django_setup).
        from django.db import DatabaseError

        from pmm.core.text import first_bad_character, text_problem

        for name, value in kwargs.items():  # text arguments keep the character rule (pmm.core.text)
            if isinstance(value, str) and first_bad_character(value) is not None:
                setup()  # the message is translated
                raise fail(f"{name.replace('_', '-')} {text_problem(value)}.")
        try:
            return command(*args, **kwargs)
        except ApplicationError as error:
            raise fail(error) from None
        except DatabaseError as error:
            raise fail(
                f"the database refused the request ({error}). Is it reachable and up to date (pmm migrate)?"
            ) from None

    setattr(wrapper, _WRAPPED, True)
    return wrapper  # type: ignore[return-value]


def leaves_errors_alone(command: F) -> F:
    """Mark a command whose errors are not turned into `Error: …` (the job worker: a crash keeps its
    traceback for the log of the supervisor that restarts it)."""
    setattr(command, _LEFT_ALONE, True)
    return command


def report_errors_of(commands: typer.Typer) -> None:
    """Wrap every command of `commands`, and of its groups, in `reports_errors` (once)."""
    for info in commands.registered_commands:
        callback = info.callback
        if callback is not None and not _wrapped_or_left_alone(callback):
            info.callback = reports_errors(callback)
    for group in commands.registered_groups:
        if group.typer_instance is not None:
            report_errors_of(group.typer_instance)


def _wrapped_or_left_alone(command: Callable[..., Any]) -> bool:
    return bool(getattr(command, _WRAPPED, False) or getattr(command, _LEFT_ALONE, False))
