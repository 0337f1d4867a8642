"""`pmm backup` and `pmm restore`: the commands pmm.operations.cli declares, given the command's
plumbing (Django's set-up, the system actor). Imported when one of them is used
(pmm.cli.domain_groups), so `pmm --help` loads nothing of pmm.operations.
"""

from __future__ import annotations

import typer

from pmm.cli.django_setup import setup
from pmm.core.actors import SYSTEM, SystemActor
from pmm.operations.cli import register


def _system() -> SystemActor:
    """The system actor, who backs up and restores (the operator with shell access)."""
    return SYSTEM


operations_app = typer.Typer()
register(operations_app, setup=setup, system=_system)
