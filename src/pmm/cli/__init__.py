"""The `pmm` command: run the server and operate the platform from a shell on the server.

Every command is a thin wrapper over a service (the rules live in the services), acts as the
system actor and prints what it did in plain language. A refused request prints `Error: …` and
each problem on its own line to stderr, and exits with code 1 (pmm.cli.errors, applied here once to
every command); a mistake in the command line itself (unknown option, missing argument) exits with
code 2.

This root lists the commands in the order `pmm --help` shows them and imports nothing that needs
Django, so `pmm --help` is fast and answers before the platform is configured:

- the commands at the root (migrate, serve, demo, demo-code, worker, backup, restore) set Django up
  when they run (pmm.cli.django_setup);
- each group of a domain is declared here with its help; its module is imported when the group is
  first used, right after the set-up (pmm.cli.domain_groups), and imports the models and services
  its commands call at its top.
"""

from __future__ import annotations

import os

import typer

from pmm.cli import demo, server, worker
from pmm.cli.django_setup import SETTINGS_MODULE, setup
from pmm.cli.domain_groups import domain_group
from pmm.cli.errors import report_errors_of
from pmm.core.actors import SYSTEM, SystemActor
from pmm.operations.cli import register as register_operations
from pmm.reports.cli import register as register_reports

app = typer.Typer(
    name="pmm",
    help="Operate the WCO Performance Measurement Mechanism platform: database, server, framework, "
    "members, accounts and API tokens, cycles, assessment workbooks and submissions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold passwords and tokens
)

# The groups of the domains: their name, their help, and the Typer that holds their commands
# ("module:attribute" in pmm.cli), imported when the group is used.
DOMAIN_GROUPS = (
    ("framework", "Validate, load, export and activate or retire frameworks.", "framework:framework_app"),
    ("members", "Load the WCO members and their groups.", "members:members_app"),
    ("user", "Manage user accounts.", "accounts:user_app"),
    ("token", "Issue and revoke API tokens.", "accounts:token_app"),
    ("cycle", "Open assessment cycles.", "cycles:cycle_app"),
    ("workbook", "Export and import members' self-assessment workbooks.", "assessments:workbook_app"),
    ("assessment", "Act on members' self-assessments.", "assessments:assessment_app"),
    ("results", "Compute, publish and verify KPI results.", "results:results_app"),
    ("review", "Peer reviews: request, decide, assign, queries, verdicts, sign-off.", "reviews:review_app"),
    ("reviewer", "The pool of peer reviewers.", "reviews:reviewer_app"),
    ("target", "Members' KPI targets: set, remove, list with progress.", "targets:target_app"),
    ("notifications", "In-app notifications and their e-mails.", "notifications:notifications_app"),
)


def _add_commands(root: typer.Typer) -> None:
    """Add every command to `root` in the order `pmm --help` lists them; then report their errors."""
    root.add_typer(server.commands)  # migrate, serve
    root.add_typer(demo.commands)  # demo, demo-code
    root.add_typer(worker.commands)  # worker
    operations = typer.Typer()
    register_operations(operations, setup=setup, system=_system)
    root.add_typer(operations)  # backup, restore
    for name, help_text, commands in DOMAIN_GROUPS:
        group = domain_group(f"{__name__}.{commands}")
        root.add_typer(typer.Typer(), name=name, help=help_text, no_args_is_help=True, cls=group)
    register_reports(root, setup=setup, actor=_acting_user)  # report
    report_errors_of(root)


def _system() -> SystemActor:
    """The system actor, for `pmm backup` and `pmm restore`."""
    return SYSTEM


def _acting_user(username: str | None) -> object:
    """The user named by `--as`, else the system actor, for `pmm report`."""
    from pmm.cli.acting import actor  # on use: it reads the accounts, which only load after the set-up

    return actor(username)


_add_commands(app)


def main() -> None:
    """Entry point of the `pmm` console script."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    app(prog_name="pmm")
