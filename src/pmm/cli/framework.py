"""`pmm framework`: validate, load, export and activate or retire frameworks (docs/framework-format.md).

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pmm.cli.errors import fail
from pmm.cli.files import read_text
from pmm.cli.options import ExistingFile, ReasonOption
from pmm.core.actors import SYSTEM
from pmm.framework.loader import document_to_yaml, framework_parse
from pmm.framework.selectors import framework_get
from pmm.framework.services import framework_change_status, framework_load

framework_app = typer.Typer()


class StatusAction(StrEnum):
    activate = "activate"
    retire = "retire"


@framework_app.command("validate")
def framework_validate(file: ExistingFile) -> None:
    """Check a framework file and list every problem with its place in the file. Changes nothing."""
    checked = framework_parse(read_text(file))
    dimensions = checked.document["dimensions"]
    outcomes = sum(len(d["outcomes"]) for d in dimensions)
    kpis = sum(1 for _ in checked.kpis())
    typer.echo(
        f"{file} is valid: {checked.code} {checked.version}, {len(dimensions)} dimensions, "
        f"{outcomes} outcomes, {kpis} KPIs, {len(checked.document['data_elements'])} data elements; "
        f"fingerprint {checked.fingerprint[:12]}"
    )


@framework_app.command("load")
def framework_load_cmd(file: ExistingFile, reason: ReasonOption = "") -> None:
    """Check a framework file and load it. Loading the same file again changes nothing."""
    result = framework_load(actor=SYSTEM, text=read_text(file), reason=reason)
    typer.echo(result.summary())


@framework_app.command("export")
def framework_export(
    code: Annotated[str, typer.Argument(help="Framework code, e.g. pmm-v1.")],
    version: Annotated[str | None, typer.Option(help="Version to export (default: the active one).")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write to this file instead of the screen."),
    ] = None,
) -> None:
    """Write a loaded framework back as a framework file (it validates and loads as the same content)."""
    framework = framework_get(code, version)
    text = document_to_yaml(framework.document)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise fail(f"cannot write {output}: {error.strerror or error}.") from None
    typer.echo(f"Wrote {framework.code} {framework.version} ({framework.status}) to {output}.")


@framework_app.command("status")
def framework_status(
    code: Annotated[str, typer.Argument(help="Framework code, e.g. pmm-v1.")],
    version: Annotated[str, typer.Argument(help="Framework version.")],
    action: Annotated[StatusAction, typer.Argument(help="activate or retire.")],
    reason: ReasonOption = "",
) -> None:
    """Activate or retire a framework version (activating one retires the code's other active version)."""
    framework = framework_get(code, version)
    framework = framework_change_status(actor=SYSTEM, framework=framework, action=action.value, reason=reason)
    typer.echo(f"{framework.code} {framework.version} is now {framework.status}.")
