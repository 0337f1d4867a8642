"""`pmm report country` and `pmm report global`: a member's country report and the global cycle report
as files (PDF; the global report's tables also as XLSX), over pmm.reports.

`register` adds the command to `pmm`; it is given the command's plumbing (Django set-up, the acting
user) so that this module does not import pmm.cli (which imports it). The `pmm` command reports the
errors of every command, this one included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

# The options both reports take.
CycleOption = Annotated[int, typer.Option("--cycle", help="The cycle (its id).", show_default=False)]
PublicationOption = Annotated[
    int | None, typer.Option(help="The publication's number (default: the latest).")
]
LanguageOption = Annotated[str, typer.Option(help="The report's language (en or fr).")]
AsUserOption = Annotated[
    str | None,
    typer.Option("--as", help="Build it as this user (their rights apply); default: the system."),
]


def register(
    app: typer.Typer,
    *,
    setup: Callable[[], None],
    actor: Callable[[str | None], Any],
) -> None:
    """Add `report country` and `report global` to the `pmm` command."""
    report_app = typer.Typer(
        help="Reports: a member's country report and the global cycle report.", no_args_is_help=True
    )
    app.add_typer(report_app, name="report")

    @report_app.command("country")
    def country(
        cycle: CycleOption,
        member: Annotated[str, typer.Option("--member", help="ISO3 code of the member.", show_default=False)],
        out: Annotated[Path, typer.Option("--out", help="The PDF file to write.", show_default=False)],
        edition: Annotated[
            str, typer.Option(help="public, wco or full (full: what the acting user may see).")
        ] = "full",
        publication: PublicationOption = None,
        lang: LanguageOption = "en",
        as_user: AsUserOption = None,
    ) -> None:
        """Write a member's country report for a publication of a cycle as a PDF file."""
        setup()
        from pmm.reports.asked import asked_report
        from pmm.reports.rendering import report_pdf

        query = {"edition": edition, "publication": publication, "lang": lang}
        report, language = asked_report(actor(as_user), cycle, member, query)
        pdf = report_pdf(report, language)
        out.write_bytes(pdf)
        typer.echo(
            f"Wrote {out} ({len(pdf):,} bytes): {report.member.iso3}, "
            f"publication {report.publication.number} of cycle {cycle}, "
            f"{report.edition} edition, {language}; "
            f"{report.shown} KPIs shown, {report.hidden} not shown."
        )

    @report_app.command("global")
    def global_report(
        cycle: CycleOption,
        out: Annotated[
            Path,
            typer.Option(
                "--out",
                help="The file to write: a PDF, or the tables when it ends in .xlsx.",
                show_default=False,
            ),
        ],
        edition: Annotated[
            str,
            typer.Option(help="public, wco or full (full: the Secretariat's, from every published value)."),
        ] = "full",
        publication: PublicationOption = None,
        lang: LanguageOption = "en",
        as_user: AsUserOption = None,
    ) -> None:
        """Write the global report of a publication of a cycle: a PDF, or its tables as an XLSX file."""
        setup()
        from pmm.reports.asked import asked_global_report
        from pmm.reports.global_rendering import global_report_pdf, global_report_xlsx

        query = {"edition": edition, "publication": publication, "lang": lang}
        report = asked_global_report(actor(as_user), cycle, query)
        content = global_report_xlsx(report) if out.suffix.lower() == ".xlsx" else global_report_pdf(report)
        out.write_bytes(content)
        typer.echo(
            f"Wrote {out} ({len(content):,} bytes): global report of publication "
            f"{report.publication.number} of cycle {cycle}, {report.edition} edition, {report.language}; "
            f"{sum(s.rows for s in report.sections):,} table rows."
        )
