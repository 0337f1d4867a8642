"""`pmm cycle open`: an assessment cycle for a reporting year on an active framework version.

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from django.utils.translation import gettext as _

from pmm.cli.options import DateOption
from pmm.core.actors import SYSTEM
from pmm.cycles.services import cycle_create

cycle_app = typer.Typer()


@cycle_app.command("open")
def cycle_open(
    framework: Annotated[str, typer.Option(help="Framework code, e.g. pmm-v1.", show_default=False)],
    year: Annotated[int, typer.Option(help="Reporting year T (T-1 follows).", show_default=False)],
    opens: Annotated[datetime, DateOption],
    closes: Annotated[datetime, DateOption],
    framework_version: Annotated[
        str | None, typer.Option(help="An active version of the framework (default: the active one).")
    ] = None,
) -> None:
    """Open an assessment cycle for a reporting year on an active framework version."""
    cycle = cycle_create(
        actor=SYSTEM,
        framework_code=framework,
        reporting_year=year,
        opens_on=opens.date(),
        closes_on=closes.date(),
        framework_version=framework_version,
    )
    typer.echo(
        _(
            "Created cycle %(id)s: %(framework)s %(version)s, reporting year %(t)s (T-1 = %(t1)s), "
            "from %(opens)s to %(closes)s; it is %(status)s."
        )
        % {
            "id": cycle.pk,
            "framework": cycle.framework.code,
            "version": cycle.framework.version,
            "t": cycle.reporting_year,
            "t1": cycle.reporting_year - 1,
            "opens": cycle.opens_on,
            "closes": cycle.closes_on,
            "status": cycle.get_status_display().lower(),
        }
    )
