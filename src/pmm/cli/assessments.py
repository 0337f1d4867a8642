"""`pmm workbook export|import` and `pmm assessment submit`: members' self-assessments from a shell.

Loaded after Django's set-up (pmm.cli.domain_groups), so it imports models and services at its top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from django.conf import settings
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from pmm.assessments.services import assessment_submit as submit
from pmm.assessments.workbook import workbook_export as export
from pmm.assessments.workbook import workbook_import as import_
from pmm.cli.acting import actor, assessment
from pmm.cli.errors import fail
from pmm.cli.options import AsOption, CycleOption, ExistingFile, MemberOption
from pmm.core.actors import SYSTEM

workbook_app = typer.Typer()
assessment_app = typer.Typer()


@workbook_app.command("export")
def workbook_export(
    cycle: CycleOption,
    member: MemberOption,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", dir_okay=False, help="The .xlsx file to write.", show_default=False),
    ],
    lang: Annotated[str, typer.Option(help="Language of the workbook: en or fr.")] = "en",
) -> None:
    """Write a member's workbook (.xlsx) with its current values, to fill in with Excel or LibreOffice."""
    languages = [code for code, _name in settings.LANGUAGES]
    if lang not in languages:
        raise fail(_("--lang must be one of: %(codes)s.") % {"codes": ", ".join(languages)})
    exported = assessment(SYSTEM, cycle, member)
    data = export(exported, lang, SYSTEM)
    try:
        output.write_bytes(data)
    except OSError as error:
        raise fail(
            _("cannot write %(file)s: %(error)s.") % {"file": output, "error": error.strerror}
        ) from None
    typer.echo(
        _("Wrote the workbook of %(member)s for cycle %(cycle)s (version %(version)s, %(lang)s) to %(file)s.")
        % {
            "member": exported.member.iso3,
            "cycle": cycle,
            "version": exported.version,
            "lang": lang,
            "file": output,
        }
    )


@workbook_app.command("import")
def workbook_import(
    file: ExistingFile,
    cycle: CycleOption,
    member: MemberOption,
    as_user: AsOption = None,
) -> None:
    """Import a filled-in workbook: all or nothing; every problem is listed by sheet and cell."""
    acting = actor(as_user)
    imported = assessment(acting, cycle, member)
    try:
        with file.open("rb") as stream:
            data = stream.read(settings.PMM_WORKBOOK_MAX_BYTES + 1)  # enough to tell it is too large
    except OSError as error:
        raise fail(_("cannot read %(file)s: %(error)s.") % {"file": file, "error": error.strerror}) from None
    console = Console(stderr=True)  # the bar goes to a terminal's stderr only; stdout keeps the report
    columns = (TextColumn("{task.description:<28}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(_("Importing"), total=None)

        def step(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        report = import_(actor=acting, assessment=imported, data=data, filename=file.name, progress=step)
    typer.echo(report.summary())
    for changed in [*report.values, *report.kpis, *report.explanations]:
        typer.echo(f"  {changed.cell}: {changed.subject}")


VersionOption = Annotated[
    int | None,
    typer.Option(
        "--version",
        help="The version you checked (the assessment page, the API or the exported workbook show it): "
        "if the assessment has changed since, nothing is submitted. Default: as it is now.",
        show_default=False,
    ),
]


@assessment_app.command("submit")
def assessment_submit(
    cycle: CycleOption, member: MemberOption, as_user: AsOption = None, version: VersionOption = None
) -> None:
    """Submit a member's self-assessment (refused while errors or unexplained warnings remain)."""
    acting = actor(as_user)
    saved = submit(actor=acting, assessment=assessment(acting, cycle, member), path="cli", version=version)
    typer.echo(
        _("Submitted the self-assessment of %(member)s in cycle %(cycle)s (version %(version)s).")
        % {"member": saved.member.iso3, "cycle": cycle, "version": saved.version}
    )
