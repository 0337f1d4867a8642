"""`pmm target set|remove|list`: members' KPI targets and the progress toward them (docs/targets.md).

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pmm.cli.acting import actor
from pmm.cli.options import AsOption, CycleOption, MemberOption, ReasonOption
from pmm.cycles.selectors import cycle_get
from pmm.targets.selectors import target_get, target_progress, targets_member
from pmm.targets.services import target_remove, target_set

target_app = typer.Typer()


@target_app.command("set")
def target_set_cmd(
    cycle: CycleOption,
    member: MemberOption,
    kpi: Annotated[str, typer.Option(help="The KPI's code, e.g. D1.O1.K1.", show_default=False)],
    year: Annotated[int, typer.Option(help="The reporting year the target is for.", show_default=False)],
    value: Annotated[float, typer.Option(help="The target value, in the KPI's unit.", show_default=False)],
    component: Annotated[str, typer.Option(help="The KPI's component, for KPIs with several.")] = "value",
    note: Annotated[str, typer.Option(help="A note on the target.")] = "",
    as_user: AsOption = None,
) -> None:
    """Set (create or change) a member's target for a KPI in a coming year."""
    acting = actor(as_user)
    saved = target_set(
        actor=acting,
        member=targets_member(acting, member),
        cycle=cycle_get(cycle),
        kpi=kpi,
        component=component,
        year=year,
        value=value,
        note=note,
    )
    part = "" if saved.component == "value" else f" ({saved.component})"
    typer.echo(f"Target of {member.upper()} for {saved.kpi}{part} in {saved.year}: {saved.value:g}.")


@target_app.command("remove")
def target_remove_cmd(
    cycle: CycleOption,
    member: MemberOption,
    kpi: Annotated[str, typer.Option(help="The KPI's code.", show_default=False)],
    year: Annotated[int, typer.Option(help="The year of the target.", show_default=False)],
    component: Annotated[str, typer.Option(help="The KPI's component, for KPIs with several.")] = "value",
    reason: ReasonOption = "",
    as_user: AsOption = None,
) -> None:
    """Remove a member's target (the audit log keeps it)."""
    acting = actor(as_user)
    owner = targets_member(acting, member)
    target = target_get(acting, owner, cycle_get(cycle).framework.code, kpi, component, year)
    target_remove(actor=acting, target=target, reason=reason)
    part = "" if component == "value" else f" ({component})"
    typer.echo(f"Target of {member.upper()} for {kpi}{part} in {year} removed.")


@target_app.command("list")
def target_list_cmd(cycle: CycleOption, member: MemberOption, as_user: AsOption = None) -> None:
    """List a member's targets with the progress toward each (baseline and latest values as of the cycle)."""
    acting = actor(as_user)
    rows = target_progress(acting, targets_member(acting, member), cycle_get(cycle))
    if not rows:
        typer.echo(f"{member.upper()} has no target for this cycle's framework.")
    for row in rows:
        t = row.target
        typer.echo(
            f"{t.kpi}\t{t.component}\t{t.year}\t{t.value:g}\t{row.status}\t"
            f"baseline {_point(row.baseline)}\tlatest {_point(row.latest)}"
        )


def _point(point: tuple[int, float] | None) -> str:
    """A value and its year, "12.5 (2023)", or "-" when there is none."""
    return "-" if point is None else f"{point[1]:g} ({point[0]})"
