"""`pmm report country` and `pmm report global`: the commands pmm.reports.cli declares, given the
command's plumbing (Django's set-up, the acting user). Loaded after Django's set-up when `pmm report`
is used (pmm.cli.domain_groups), so `pmm --help` loads nothing of pmm.reports.
"""

from __future__ import annotations

import typer

from pmm.cli.acting import actor
from pmm.cli.django_setup import setup
from pmm.reports.cli import register

_root = typer.Typer()
register(_root, setup=setup, actor=actor)  # adds the group `report` to `_root`
report_app: typer.Typer = next(
    group.typer_instance
    for group in _root.registered_groups
    if group.name == "report" and group.typer_instance is not None
)
