"""The groups of commands of one domain (`pmm framework`, `pmm members` …, `pmm report`) and the
commands of the root that live in another app (`pmm backup`, `pmm restore`), loaded when first used.

The root of `pmm` declares each group and each such command: its name and its help, which `pmm --help`
lists without loading anything. A group's commands are in a module of pmm.cli that imports models and
services at its top; it is imported when the group is used (its help, or one of its commands), right
after Django's set-up. A command of the root is in a module of pmm.cli too, imported when the command
is used (the command sets Django up itself when it runs). Either way the commands loaded get the
error reporting of every command.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

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
        self.commands.update(_commands_at(self.source).commands)


def domain_group(source: str) -> type[DomainGroup]:
    """The group class for the commands of the Typer at `source`, e.g. "pmm.cli.framework:framework_app"."""

    class Group(DomainGroup):
        pass

    Group.source = source
    return Group


class DomainCommand(TyperCommand):
    """A command of the root that stands for the command `name` of the Typer at `source`
    ("module:attribute"), imported when it is used: that command parses the arguments (and prints its
    help, if asked) and runs."""

    source: ClassVar[str] = ""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        """The context of the command it stands for, which Click then invokes."""
        loaded = _commands_at(self.source).commands[self.name or ""]
        return loaded.make_context(info_name, args, parent, **extra)


def _commands_at(source: str) -> TyperGroup:
    """The commands of the Typer at `source` ("module:attribute"), with the error reporting applied."""
    module_name, _, attribute = source.partition(":")
    commands: typer.Typer = getattr(importlib.import_module(module_name), attribute)
    report_errors_of(commands)
    return typer.main.get_group(commands)


def add_domain_command(root: typer.Typer, name: str, help_text: str, source: str) -> None:
    """Add to `root` the command `name` of the Typer at `source` (e.g. "pmm.cli.operations:operations_app"),
    listed with `help_text` and imported when it is used."""

    class Command(DomainCommand):
        pass

    Command.source = source
    root.command(name, help=help_text, cls=Command)(_replaced_when_used)


def _replaced_when_used() -> None:
    """The callback Typer asks of every command. A DomainCommand never calls it: the command it stands
    for parses the arguments and runs instead (DomainCommand.make_context)."""
