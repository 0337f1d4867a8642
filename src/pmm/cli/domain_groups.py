"""The groups of commands of one domain (`pmm framework`, `pmm members` …), loaded when first used.

The root of `pmm` declares each group: its name and its help, which `pmm --help` lists without
loading anything. The group's commands are in a module of pmm.cli that imports models and services
at its top; it is imported when the group is used (its help, or one of its commands), right after
Django's set-up, and its commands get the error reporting of every command.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup

from pmm.cli.django_setup import setup
from pmm.cli.errors import report_errors_of


class DomainGroup(TyperGroup):
    """A group whose commands are the Typer at `source` ("module:attribute"), imported on first use."""

    source: ClassVar[str] = ""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        """Load the commands before the group parses its arguments (and prints its help, if asked)."""
        self._load()
        return super().make_context(info_name, args, parent, **extra)

    def _load(self) -> None:
        if self.commands:
            return
        setup()
        module_name, _, attribute = self.source.partition(":")
        commands: typer.Typer = getattr(importlib.import_module(module_name), attribute)
        report_errors_of(commands)
        self.commands.update(typer.main.get_group(commands).commands)


def domain_group(source: str) -> type[DomainGroup]:
    """The group class for the commands of the Typer at `source`, e.g. "pmm.cli.framework:framework_app"."""

    class Group(DomainGroup):
        pass

    Group.source = source
    return Group
