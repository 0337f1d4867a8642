"""The arguments and options several `pmm` commands share (plain Typer declarations, no Django)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ExistingFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, metavar="FILE", show_default=False)
]
ReasonOption = Annotated[str, typer.Option(help="Why; recorded in the audit log.")]
DateOption = typer.Option(formats=["%Y-%m-%d"], help="A date: YYYY-MM-DD.", show_default=False)
CycleOption = Annotated[int, typer.Option("--cycle", help="The cycle's number (its id).", show_default=False)]
MemberOption = Annotated[str, typer.Option("--member", help="ISO3 code of the member.", show_default=False)]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this user (their rights apply); default: the system actor."),
]
HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[
    int, typer.Option(envvar="PORT", min=1, max=65535, help="Port to listen on (default: $PORT, else 8000).")
]
