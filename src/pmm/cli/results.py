"""`pmm results recompute|publish|verify`: a cycle's KPI results and their publications.

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pmm.cli.acting import actor
from pmm.cli.options import AsOption, CycleOption
from pmm.core.errors import ApplicationError
from pmm.cycles.selectors import cycle_get
from pmm.results.selectors import publication_get, publication_reproduce
from pmm.results.services import publication_create, results_recompute_cycle

results_app = typer.Typer()


@results_app.command("recompute")
def results_recompute(cycle: CycleOption) -> None:
    """Recompute now the current results of every submitted assessment of a cycle."""
    count = results_recompute_cycle(cycle_get(cycle))
    typer.echo(f"Recomputed the results of {count} submitted assessments of cycle {cycle}.")


@results_app.command("publish")
def results_publish(
    cycle: CycleOption,
    note: Annotated[str, typer.Option(help="A note for readers, e.g. what a correction changes.")] = "",
    as_user: AsOption = None,
) -> None:
    """Publish a cycle's current results as a new, frozen snapshot."""
    publication = publication_create(actor=actor(as_user), cycle=cycle_get(cycle), note=note)
    typer.echo(
        f"Published {publication.cycle}: publication {publication.number}, "
        f"{publication.member_count} members, {len(publication.change_log)} changes since the previous one."
    )


@results_app.command("verify")
def results_verify(
    cycle: CycleOption,
    publication: Annotated[
        int | None, typer.Option(help="The publication's number (default: the latest).")
    ] = None,
) -> None:
    """Recompute a publication from its recorded inputs and check every figure is identical."""
    chosen = publication_get(cycle_get(cycle), publication)
    if chosen is None:
        raise ApplicationError(f"Nothing has been published in cycle {cycle} yet.", code="not_found")
    differences = publication_reproduce(chosen)
    for d in differences:
        typer.echo(f"{d.member} {d.kpi} {d.component}: published {d.published}, recomputed {d.reproduced}")
    if differences:
        raise ApplicationError(f"{len(differences)} published figures could not be reproduced.")
    count = chosen.results.unrestricted().count()
    typer.echo(f"Publication {chosen.number} of cycle {cycle}: all {count} figures reproduced exactly.")
