"""The `pmm` command: run the server and operate the platform from a shell on the server.

Every command is a thin wrapper over a service (the rules live in the services), acts as the
system actor and prints what it did in plain language. A refused request prints `Error: …` and
each problem on its own line to stderr, and exits with code 1 (pmm.cli.errors, applied here once to
every command); a mistake in the command line itself (unknown option, missing argument) exits with
code 2.

This root lists the commands in the order `pmm --help` shows them and imports nothing that needs
Django, so `pmm --help` is fast and answers before the platform is configured:

- the commands at the root (migrate, serve, demo, demo-code, worker, backup, restore) set Django up
  when they run (pmm.cli.django_setup); those of another app (backup and restore, of
  pmm.operations) are declared here with their help and imported when used (pmm.cli.domain_groups);
- each group of a domain is declared here with its help; its module is imported when the group is
  first used, right after the set-up (pmm.cli.domain_groups), and imports the models and services
  its commands call at its top (the reports' too: `pmm report`).
"""

from __future__ import annotations

import os

import typer

from pmm.cli import demo, server, worker
from pmm.cli.django_setup import SETTINGS_MODULE
from pmm.cli.domain_groups import add_domain_command, domain_group
from pmm.cli.errors import report_errors_of

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
    ("report", "Reports: a member's country report and the global cycle report.", "reports:report_app"),
)

# The commands of the root that another app declares: their name, their help (as `pmm --help` shows
# it: the first line of the command's own), and the Typer that holds them, imported when one is used.
APP_COMMANDS = (
    (
        "backup",
        "Back up the database and the evidence files into a new folder, with a manifest of checksums.",
        "operations:operations_app",
    ),
    (
        "restore",
        "Restore a backup into the configured, empty, database and put its evidence files in place.",
        "operations:operations_app",
    ),
)


def _add_commands(root: typer.Typer) -> None:
    """Add every command to `root` in the order `pmm --help` lists them; then report their errors."""
    root.add_typer(server.commands)  # migrate, serve
    root.add_typer(demo.commands)  # demo, demo-code
    root.add_typer(worker.commands)  # worker
    app_commands = typer.Typer()
    for name, help_text, commands in APP_COMMANDS:
        add_domain_command(app_commands, name, help_text, f"{__name__}.{commands}")
    root.add_typer(app_commands)  # backup, restore
    for name, help_text, commands in DOMAIN_GROUPS:
        group = domain_group(f"{__name__}.{commands}")
        root.add_typer(typer.Typer(), name=name, help=help_text, no_args_is_help=True, cls=group)
    report_errors_of(root)


_add_commands(app)


def main() -> None:
    """Entry point of the `pmm` console script."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    app(prog_name="pmm")
