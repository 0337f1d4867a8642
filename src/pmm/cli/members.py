"""`pmm members load`: the WCO members and their groups, from a CSV file.

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from django.conf import settings

from pmm.cli.files import read_text
from pmm.core.actors import SYSTEM
from pmm.members.services import members_load

members_app = typer.Typer()


@members_app.command("load")
def members_load_cmd(
    file: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            metavar="[FILE]",
            help="Members CSV (default: the file shipped with pmm).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Create or update the members and their predefined groups from a CSV file. Safe to run again."""
    path = file if file is not None else Path(settings.PMM_DEFAULT_MEMBERS_FILE)
    report = members_load(text=read_text(path), actor=SYSTEM)
    typer.echo(report.summary())
