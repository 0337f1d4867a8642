"""The `pmm` command: run the server and operate the platform from a shell on the server.

Every command is a thin wrapper over a service (the rules live in the services), acts as the
system actor and prints what it did in plain language. A refused request prints `Error: …` and
each problem on its own line to stderr, and exits with code 1; a mistake in the command line
itself (unknown option, missing argument) exits with code 2.

Django is set up inside the commands that need it, so `pmm --help` stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from pmm.core.errors import ApplicationError

SETTINGS_MODULE = "pmm.config.settings"

app = typer.Typer(
    name="pmm",
    help="Operate the WCO Performance Measurement Mechanism platform: database, server, framework, "
    "members, accounts and API tokens, cycles, assessment workbooks and submissions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold passwords and tokens
)
framework_app = typer.Typer(
    help="Validate, load, export and activate or retire frameworks.", no_args_is_help=True
)
members_app = typer.Typer(help="Load the WCO members and their groups.", no_args_is_help=True)
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Issue and revoke API tokens.", no_args_is_help=True)
app.add_typer(framework_app, name="framework")
app.add_typer(members_app, name="members")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
cycle_app = typer.Typer(help="Open assessment cycles.", no_args_is_help=True)
workbook_app = typer.Typer(help="Export and import members' self-assessment workbooks.", no_args_is_help=True)
assessment_app = typer.Typer(help="Act on members' self-assessments.", no_args_is_help=True)
app.add_typer(cycle_app, name="cycle")
app.add_typer(workbook_app, name="workbook")
app.add_typer(assessment_app, name="assessment")
results_app = typer.Typer(help="Compute, publish and verify KPI results.", no_args_is_help=True)
app.add_typer(results_app, name="results")
review_app = typer.Typer(
    help="Peer reviews: request, decide, assign, queries, verdicts, sign-off.", no_args_is_help=True
)
app.add_typer(review_app, name="review")
reviewer_app = typer.Typer(help="The pool of peer reviewers.", no_args_is_help=True)
app.add_typer(reviewer_app, name="reviewer")
target_app = typer.Typer(help="Members' KPI targets: set, remove, list with progress.", no_args_is_help=True)
app.add_typer(target_app, name="target")
notifications_app = typer.Typer(help="In-app notifications and their e-mails.", no_args_is_help=True)
app.add_typer(notifications_app, name="notifications")

F = TypeVar("F", bound=Callable[..., Any])


# --------------------------------------------------------------------------------------------
# Plumbing


def _setup() -> None:
    """Set Django up (once); a configuration problem is reported like any other error."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.apps import apps

    if apps.ready:
        return
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        typer.echo(f"Error: the configuration is not valid: {error}", err=True)
        raise typer.Exit(1) from None


def _fail(error: ApplicationError | str) -> typer.Exit:
    """Print the error (its message, then each problem on its own line) to stderr; return the exit."""
    typer.echo(f"Error: {error}", err=True)
    return typer.Exit(1)


def _reports_errors(command: F) -> F:
    """Turn an ApplicationError raised by a service into `Error: …` on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from django.db import DatabaseError

        from pmm.core.errors import ApplicationError
        from pmm.core.text import first_bad_character, text_problem

        for name, value in kwargs.items():  # text arguments keep the character rule (pmm.core.text)
            if isinstance(value, str) and first_bad_character(value) is not None:
                _setup()  # the message is translated
                raise _fail(f"{name.replace('_', '-')} {text_problem(value)}.")
        try:
            return command(*args, **kwargs)
        except ApplicationError as error:
            raise _fail(error) from None
        except DatabaseError as error:
            raise _fail(
                f"the database refused the request ({error}). Is it reachable and up to date (pmm migrate)?"
            ) from None

    return wrapper  # type: ignore[return-value]


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(f"{path} is not a UTF-8 text file.") from None
    except OSError as error:
        raise _fail(f"cannot read {path}: {error.strerror or error}.") from None


def _system() -> Any:
    from pmm.core.actors import SYSTEM

    return SYSTEM


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _migrate(*, quiet: bool = False) -> None:
    """Apply the migrations; list each one unless `quiet` (then one line says how many)."""
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    database = connection.settings_dict["NAME"]
    if not plan:
        typer.echo(f"The database ({connection.vendor}: {database}) is up to date; no migrations to apply.")
        return
    for migration, backwards in [] if quiet else plan:
        typer.echo(f"{'unapplied' if backwards else 'applied'} {migration.app_label}.{migration.name}")
    typer.echo(
        f"The database ({connection.vendor}: {database}) is up to date; "
        f"{len(plan)} migration{'s' if len(plan) != 1 else ''} applied."
    )


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def _serve(host: str, port: int, processes: int | None = None, threads: int | None = None) -> None:
    """Collect the static files, then run gunicorn and the job worker under one supervisor."""
    from django.conf import settings
    from django.core.management import call_command

    from pmm import serving

    typer.echo("Collecting static files…")
    call_command("collectstatic", interactive=False, verbosity=0)
    default = serving.default_sizing()
    sizing = serving.Sizing(processes or default.processes, threads or default.threads)
    typer.echo(
        f"Serving {_url(host, port)} with gunicorn ({sizing.describe()}; {os.cpu_count()} CPUs) "
        "and one job worker, restarted if it stops; press Ctrl+C to stop."
    )
    sys.stdout.flush()
    code = serving.serve(host, port, sizing, json_logs=settings.PMM_LOG_FORMAT == "json")
    if code:
        raise typer.Exit(code)


HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[
    int, typer.Option(envvar="PORT", min=1, max=65535, help="Port to listen on (default: $PORT, else 8000).")
]


# --------------------------------------------------------------------------------------------
# Database and server


@app.command()
@_reports_errors
def migrate() -> None:
    """Create or update the database tables (run after installing or upgrading)."""
    _setup()
    _migrate()


@app.command()
@_reports_errors
def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="PMM_WEB_WORKERS",
            help="gunicorn worker processes (default: one per CPU, at least 2; $PMM_WEB_WORKERS).",
            show_default=False,
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="PMM_WEB_THREADS",
            help="Threads in each gunicorn worker process (default: 4; $PMM_WEB_THREADS).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the platform with gunicorn (a production server) and the job worker, after collecting the
    static files. The worker is restarted if it stops; Ctrl+C or SIGTERM stops both (docs/jobs.md)."""
    _setup()
    _serve(host, port, workers, threads)


@app.command()
@_reports_errors
def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Set up the demo but do not start the server.")
    ] = False,
) -> None:
    """Set up a demo: the database, the PMM framework, the members and one account per role; then serve.

    Safe to run again: what already exists is left as it is.
    """
    _demo_environment(host, port)
    _setup()
    from pmm.demo import DEMO_ACCOUNTS, DEMO_FIRST_STEPS, DEMO_PASSWORD, demo_keys, demo_setup

    _migrate(quiet=True)
    for line in demo_setup():
        typer.echo(line)
    typer.echo(f"\nThe demo is at {_url(host, port)}")
    typer.echo("\nDemo accounts (all with the same password):")
    _table(
        ("Username", "Password", "Role", "Member", "Who"),
        [(a.username, DEMO_PASSWORD, a.role, a.member or "-", a.description) for a in DEMO_ACCOUNTS],
    )
    keys = demo_keys()
    if keys:
        typer.echo(
            f"\nTwo-factor sign-in ({', '.join(k.username for k in keys)}): after the password, type the "
            "code that `pmm demo-code <username>` prints (demo only), or add the key to an authenticator app:"
        )
        _table(("Username", "Authenticator key"), [(k.username, k.key) for k in keys])
    typer.echo("\nWhat to try first:")
    for step in DEMO_FIRST_STEPS:
        typer.echo(f"  - {step}")
    if not no_serve:
        typer.echo("")
        _serve(host, port)


@app.command("demo-code")
@_reports_errors
def demo_code(username: Annotated[str, typer.Argument(help="A demo account, e.g. admin.")]) -> None:
    """Print the current two-factor sign-in code of a demo account (only for a demo set up by `pmm demo`)."""
    if not _deployed():  # a deployment's own settings stay: there, PMM_DEMO is off and codes are refused
        _demo_environment()
    _setup()
    from pmm.demo import demo_code as code_of

    typer.echo(code_of(username))


def _deployed() -> bool:
    """Whether this machine's environment configures a deployment: production requires PMM_SECRET_KEY,
    which the demo never sets (it keeps its key in PMM_VAR_DIR)."""
    return bool(os.environ.get("PMM_SECRET_KEY"))


def _demo_environment(host: str = "127.0.0.1", port: int = 8000) -> None:
    """The demo runs in production mode (real error pages) with the demo's allowances (PMM_DEMO: a key
    generated into PMM_VAR_DIR, plain HTTP, text logs), passed on to the server processes. Settings are
    read once: when Django is set up already (in tests) they are left as they are."""
    from django.apps import apps

    if apps.ready:
        return
    os.environ["PMM_DEMO"] = "true"
    os.environ.setdefault("PMM_BASE_URL", _url(host, port).rstrip("/"))


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, tuple("-" * w for w in widths), *rows]:
        typer.echo(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


# --------------------------------------------------------------------------------------------
# Framework

ExistingFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, metavar="FILE", show_default=False)
]
ReasonOption = Annotated[str, typer.Option(help="Why; recorded in the audit log.")]


class StatusAction(StrEnum):
    activate = "activate"
    retire = "retire"


@framework_app.command("validate")
@_reports_errors
def framework_validate(file: ExistingFile) -> None:
    """Check a framework file and list every problem with its place in the file. Changes nothing."""
    from pmm.framework.loader import framework_parse

    checked = framework_parse(_read_text(file))
    dimensions = checked.document["dimensions"]
    outcomes = sum(len(d["outcomes"]) for d in dimensions)
    kpis = sum(1 for _ in checked.kpis())
    typer.echo(
        f"{file} is valid: {checked.code} {checked.version}, {len(dimensions)} dimensions, "
        f"{outcomes} outcomes, {kpis} KPIs, {len(checked.document['data_elements'])} data elements; "
        f"fingerprint {checked.fingerprint[:12]}"
    )


@framework_app.command("load")
@_reports_errors
def framework_load(file: ExistingFile, reason: ReasonOption = "") -> None:
    """Check a framework file and load it. Loading the same file again changes nothing."""
    _setup()
    from pmm.framework.services import framework_load as load

    result = load(actor=_system(), text=_read_text(file), reason=reason)
    typer.echo(result.summary())


@framework_app.command("export")
@_reports_errors
def framework_export(
    code: Annotated[str, typer.Argument(help="Framework code, e.g. pmm-v1.")],
    version: Annotated[str | None, typer.Option(help="Version to export (default: the active one).")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write to this file instead of the screen."),
    ] = None,
) -> None:
    """Write a loaded framework back as a framework file (it validates and loads as the same content)."""
    _setup()
    from pmm.framework.loader import document_to_yaml
    from pmm.framework.selectors import framework_get

    framework = framework_get(code, version)
    text = document_to_yaml(framework.document)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise _fail(f"cannot write {output}: {error.strerror or error}.") from None
    typer.echo(f"Wrote {framework.code} {framework.version} ({framework.status}) to {output}.")


@framework_app.command("status")
@_reports_errors
def framework_status(
    code: Annotated[str, typer.Argument(help="Framework code, e.g. pmm-v1.")],
    version: Annotated[str, typer.Argument(help="Framework version.")],
    action: Annotated[StatusAction, typer.Argument(help="activate or retire.")],
    reason: ReasonOption = "",
) -> None:
    """Activate or retire a framework version (activating one retires the code's other active version)."""
    _setup()
    from pmm.framework.selectors import framework_get
    from pmm.framework.services import framework_change_status

    framework = framework_get(code, version)
    framework = framework_change_status(
        actor=_system(), framework=framework, action=action.value, reason=reason
    )
    typer.echo(f"{framework.code} {framework.version} is now {framework.status}.")


# --------------------------------------------------------------------------------------------
# Members


@members_app.command("load")
@_reports_errors
def members_load(
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
    _setup()
    from django.conf import settings

    from pmm.members.services import members_load as load

    path = file if file is not None else Path(settings.PMM_DEFAULT_MEMBERS_FILE)
    report = load(text=_read_text(path), actor=_system())
    typer.echo(report.summary())


# --------------------------------------------------------------------------------------------
# Users and tokens


def _read_password() -> str:
    """The first line of stdin when it is not a terminal; otherwise ask twice without echoing."""
    if not _stdin_is_tty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password"))


@user_app.command("create")
@_reports_errors
def user_create(
    username: Annotated[str, typer.Option(help="Sign-in name.", show_default=False)],
    email: Annotated[str, typer.Option(help="E-mail address.", show_default=False)],
    role: Annotated[
        str,
        typer.Option(
            help="secretariat_admin, secretariat_analyst, ncp, contributor, peer_reviewer or basic.",
            show_default=False,
        ),
    ],
    member: Annotated[
        str | None,
        typer.Option(
            help="ISO3 code of the member administration the role is for (ncp and contributor need one)."
        ),
    ] = None,
    first_name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
) -> None:
    """Create an account with one role.

    The password is read from the first line of standard input when it is piped in
    (e.g. `printf '%s\\n' "$PASSWORD" | pmm user create …`); otherwise it is asked for twice.
    """
    _setup()
    from pmm.accounts.services import RoleSpec
    from pmm.accounts.services import user_create as create

    member_iso3 = member.strip().upper() if member and member.strip() else None
    password = _read_password()
    user = create(
        actor=_system(),
        username=username,
        email=email,
        password=password,
        roles=[RoleSpec(role, member_iso3)],
        first_name=first_name,
        last_name=last_name,
        reason="created with the pmm command",
    )
    typer.echo(f"Created user {user.username} ({role}{', ' + member_iso3 if member_iso3 else ''})")


@token_app.command("create")
@_reports_errors
def token_create(
    username: Annotated[str, typer.Option(help="The user the token acts as.", show_default=False)],
    name: Annotated[str, typer.Option(help="A name to recognise the token by.")] = "cli",
) -> None:
    """Issue an API token for a user. The token is printed once, alone on the last line."""
    _setup()
    from pmm.accounts.selectors import user_get
    from pmm.accounts.services import token_create as create

    user = user_get(username)
    token, secret = create(actor=_system(), user=user, name=name)
    typer.echo(
        f"Created API token {token.pk} '{token.name}' for {user.username}. "
        "It is shown only this once and cannot be recovered; store it now:"
    )
    typer.echo(secret)


@token_app.command("revoke")
@_reports_errors
def token_revoke(
    token_id: Annotated[
        int, typer.Argument(metavar="TOKEN_ID", help="The token's number.", show_default=False)
    ],
    reason: ReasonOption = "",
) -> None:
    """Revoke an API token: it stops working at once. Revoking it again changes nothing."""
    _setup()
    from pmm.accounts.services import token_revoke as revoke

    token = revoke(actor=_system(), token_id=token_id, reason=reason)
    typer.echo(f"Token {token.pk} '{token.name}' of {token.user.username} is revoked.")


# --------------------------------------------------------------------------------------------
# Cycles, workbooks and submissions

DateOption = typer.Option(formats=["%Y-%m-%d"], help="A date: YYYY-MM-DD.", show_default=False)
CycleOption = Annotated[int, typer.Option("--cycle", help="The cycle's number (its id).", show_default=False)]
MemberOption = Annotated[str, typer.Option("--member", help="ISO3 code of the member.", show_default=False)]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this user (their rights apply); default: the system actor."),
]


def _actor(username: str | None) -> Any:
    if username is None:
        return _system()
    from pmm.accounts.selectors import user_get

    return user_get(username)


def _assessment(actor: Any, cycle_id: int, iso3: str) -> Any:
    from pmm.assessments.selectors import assessment_access
    from pmm.cycles.selectors import cycle_get
    from pmm.members.selectors import member_get

    cycle = cycle_get(cycle_id)
    member_get(iso3)  # a clear error for an unknown code
    return assessment_access(actor, cycle, iso3)


@cycle_app.command("open")
@_reports_errors
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
    _setup()
    from django.utils.translation import gettext as _

    from pmm.cycles.services import cycle_create

    cycle = cycle_create(
        actor=_system(),
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


@workbook_app.command("export")
@_reports_errors
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
    _setup()
    from django.conf import settings
    from django.utils.translation import gettext as _

    from pmm.assessments.workbook import workbook_export as export

    languages = [code for code, _name in settings.LANGUAGES]
    if lang not in languages:
        raise _fail(_("--lang must be one of: %(codes)s.") % {"codes": ", ".join(languages)})
    assessment = _assessment(_system(), cycle, member)
    data = export(assessment, lang, _system())
    try:
        output.write_bytes(data)
    except OSError as error:
        raise _fail(
            _("cannot write %(file)s: %(error)s.") % {"file": output, "error": error.strerror}
        ) from None
    typer.echo(
        _("Wrote the workbook of %(member)s for cycle %(cycle)s (version %(version)s, %(lang)s) to %(file)s.")
        % {
            "member": assessment.member.iso3,
            "cycle": cycle,
            "version": assessment.version,
            "lang": lang,
            "file": output,
        }
    )


@workbook_app.command("import")
@_reports_errors
def workbook_import(
    file: ExistingFile,
    cycle: CycleOption,
    member: MemberOption,
    as_user: AsOption = None,
) -> None:
    """Import a filled-in workbook: all or nothing; every problem is listed by sheet and cell."""
    _setup()
    from django.conf import settings
    from django.utils.translation import gettext as _
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from pmm.assessments.workbook import workbook_import as import_

    actor = _actor(as_user)
    assessment = _assessment(actor, cycle, member)
    try:
        with file.open("rb") as stream:
            data = stream.read(settings.PMM_WORKBOOK_MAX_BYTES + 1)  # enough to tell it is too large
    except OSError as error:
        raise _fail(_("cannot read %(file)s: %(error)s.") % {"file": file, "error": error.strerror}) from None
    console = Console(stderr=True)  # the bar goes to a terminal's stderr only; stdout keeps the report
    columns = (TextColumn("{task.description:<28}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(_("Importing"), total=None)

        def step(done: int, total: int, label: str) -> None:
            progress.update(task, completed=done, total=total, description=label)

        report = import_(actor=actor, assessment=assessment, data=data, filename=file.name, progress=step)
    typer.echo(report.summary())
    for changed in [*report.values, *report.kpis, *report.explanations]:
        typer.echo(f"  {changed.cell}: {changed.subject}")


@assessment_app.command("submit")
@_reports_errors
def assessment_submit(cycle: CycleOption, member: MemberOption, as_user: AsOption = None) -> None:
    """Submit a member's self-assessment (refused while errors or unexplained warnings remain)."""
    _setup()
    from django.utils.translation import gettext as _

    from pmm.assessments.services import assessment_submit as submit

    actor = _actor(as_user)
    saved = submit(actor=actor, assessment=_assessment(actor, cycle, member), path="cli")
    typer.echo(
        _("Submitted the self-assessment of %(member)s in cycle %(cycle)s (version %(version)s).")
        % {"member": saved.member.iso3, "cycle": cycle, "version": saved.version}
    )


@app.command()
def worker(
    batch: Annotated[bool, typer.Option("--batch", help="Run the queued jobs, then stop.")] = False,
) -> None:
    """Run background jobs (results, group statistics, daily review reminders) from the database queue.

    It waits for the database if it is not reachable yet, keeps a heartbeat, and puts back in the
    queue the jobs of workers that stopped while running them (docs/jobs.md)."""
    _setup()
    from pmm.jobs.worker import run_worker

    run_worker(batch=batch)


@results_app.command("recompute")
@_reports_errors
def results_recompute(cycle: CycleOption) -> None:
    """Recompute now the current results of every submitted assessment of a cycle."""
    _setup()
    from pmm.cycles.selectors import cycle_get
    from pmm.results.services import results_recompute_cycle

    count = results_recompute_cycle(cycle_get(cycle))
    typer.echo(f"Recomputed the results of {count} submitted assessments of cycle {cycle}.")


@results_app.command("publish")
@_reports_errors
def results_publish(
    cycle: CycleOption,
    note: Annotated[str, typer.Option(help="A note for readers, e.g. what a correction changes.")] = "",
    as_user: AsOption = None,
) -> None:
    """Publish a cycle's current results as a new, frozen snapshot."""
    _setup()
    from pmm.cycles.selectors import cycle_get
    from pmm.results.services import publication_create

    publication = publication_create(actor=_actor(as_user), cycle=cycle_get(cycle), note=note)
    typer.echo(
        f"Published {publication.cycle}: publication {publication.number}, "
        f"{publication.member_count} members, {len(publication.change_log)} changes since the previous one."
    )


@results_app.command("verify")
@_reports_errors
def results_verify(
    cycle: CycleOption,
    publication: Annotated[
        int | None, typer.Option(help="The publication's number (default: the latest).")
    ] = None,
) -> None:
    """Recompute a publication from its recorded inputs and check every figure is identical."""
    _setup()
    from pmm.core.errors import ApplicationError
    from pmm.cycles.selectors import cycle_get
    from pmm.results.selectors import publication_get, publication_reproduce

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


def _review_of(actor: Any, cycle: int, member: str) -> Any:
    from pmm.core.errors import NotFound
    from pmm.reviews.selectors import review_current

    review = review_current(actor, _assessment(actor, cycle, member))
    if review is None:
        raise NotFound(f"No peer review of {member.upper()} in cycle {cycle}.")
    return review


@review_app.command("request")
@_reports_errors
def review_request_cmd(
    cycle: CycleOption,
    member: MemberOption,
    note: Annotated[str, typer.Option(help="What the member wants from the review.")] = "",
    as_user: AsOption = None,
) -> None:
    """Request a peer review of a submitted self-assessment."""
    _setup()
    from pmm.reviews.services import review_request

    actor = _actor(as_user)
    review = review_request(actor=actor, assessment=_assessment(actor, cycle, member), note=note)
    typer.echo(f"Peer review of {member.upper()} in cycle {cycle} requested (review {review.pk}).")


@review_app.command("move")
@_reports_errors
def review_move_cmd(
    cycle: CycleOption,
    member: MemberOption,
    action: Annotated[
        str, typer.Option(help="accept, decline, start, send_round, hand_back, sign_off or withdraw.")
    ],
    reason: Annotated[str, typer.Option(help="Why (required to decline or withdraw).")] = "",
    due_date: Annotated[
        str | None, typer.Option("--due-date", help="For send_round: YYYY-MM-DD, when answers are due.")
    ] = None,
    as_user: AsOption = None,
) -> None:
    """Move a peer review through its workflow."""
    _setup()
    from pmm.reviews.services import review_move

    actor = _actor(as_user)
    review = review_move(
        actor=actor,
        review=_review_of(actor, cycle, member),
        action=action,
        reason=reason,
        due_date=_date_option("--due-date", due_date),
    )
    typer.echo(f"Peer review of {member.upper()} in cycle {cycle}: {review.status}.")


def _date_option(name: str, text: str | None) -> Any:
    from datetime import date

    from pmm.core.errors import ApplicationError, FieldProblem

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(
            f"{name} {text!r} is not a date.", problems=[FieldProblem(name, "use YYYY-MM-DD")]
        ) from None


class QueryAction(StrEnum):
    raise_ = "raise"
    answer = "answer"
    correct = "correct"
    close = "close"
    reopen = "reopen"


@review_app.command("query")
@_reports_errors
def review_query_cmd(
    action: Annotated[QueryAction, typer.Argument(help="raise, answer, correct, close or reopen.")],
    cycle: CycleOption,
    member: MemberOption,
    number: Annotated[int | None, typer.Option(help="The query's number (all but raise).")] = None,
    text: Annotated[str, typer.Option(help="The question, answer or note.")] = "",
    kpi: Annotated[str, typer.Option(help="raise: the KPI the query is about.")] = "",
    element: Annotated[str, typer.Option(help="raise, correct: the data element.")] = "",
    period: Annotated[str, typer.Option(help="raise, correct: T or T-1.")] = "",
    value: Annotated[str | None, typer.Option(help="correct: the corrected value.")] = None,
    as_user: AsOption = None,
) -> None:
    """Work on a review's queries: reviewers raise, close, reopen; the member answers or corrects."""
    _setup()
    from pmm.assessments.services.common import ValueInput
    from pmm.core.errors import ApplicationError, FieldProblem
    from pmm.reviews import services
    from pmm.reviews.selectors import review_query_get

    actor = _actor(as_user)
    review = _review_of(actor, cycle, member)
    if action == QueryAction.raise_:
        query = services.query_raise(
            actor=actor, review=review, text=text, kpi=kpi, element=element, period=period
        )
        typer.echo(f"Query {query.number} raised on {query.subject}.")
        return
    if number is None:
        raise ApplicationError("Say which query.", problems=[FieldProblem("--number", "is required")])
    query = review_query_get(actor, review, number)
    if action == QueryAction.answer:
        services.query_answer(actor=actor, query=query, text=text)
    elif action == QueryAction.correct:
        if value is None or not element or not period:
            raise ApplicationError(
                "Give the element, the year and the corrected value.",
                problems=[FieldProblem("--element --period --value", "are required")],
            )
        services.query_correct(
            actor=actor, query=query, items=[ValueInput(element, period, value)], text=text, path="cli"
        )
    elif action == QueryAction.close:
        services.query_close(actor=actor, query=query, text=text)
    else:
        services.query_reopen(actor=actor, query=query, text=text)
    query.refresh_from_db()
    typer.echo(f"Query {query.number} on {query.subject}: {query.status}.")


@review_app.command("queries")
@_reports_errors
def review_queries_cmd(cycle: CycleOption, member: MemberOption, as_user: AsOption = None) -> None:
    """List a review's queries, with their status and round."""
    _setup()
    from pmm.reviews.selectors import review_queries

    actor = _actor(as_user)
    for thread in review_queries(actor, _review_of(actor, cycle, member)):
        query = thread.query
        round_ = f"round {query.round.number}, due {query.round.due_date}" if query.round else "not sent"
        typer.echo(f"{query.number}\t{query.subject}\t{query.status}\t{round_}\t{thread.messages[0].text}")


@review_app.command("verdict")
@_reports_errors
def review_verdict_cmd(
    cycle: CycleOption,
    member: MemberOption,
    kpi: Annotated[str, typer.Option(help="The KPI's code.")],
    verdict: Annotated[str, typer.Option(help="confirmed, adjusted or not_validated.")],
    reason: Annotated[str, typer.Option(help="Why (required for not_validated).")] = "",
    as_user: AsOption = None,
) -> None:
    """Give the reviewers' verdict on one KPI."""
    _setup()
    from pmm.reviews.services import verdict_set

    actor = _actor(as_user)
    saved = verdict_set(
        actor=actor, review=_review_of(actor, cycle, member), kpi=kpi, verdict=verdict, reason=reason
    )
    typer.echo(f"{saved.kpi}: {saved.verdict}.")


@review_app.command("certificate")
@_reports_errors
def review_certificate_cmd(cycle: CycleOption, member: MemberOption, as_user: AsOption = None) -> None:
    """Show the review certificate and each of its criteria."""
    _setup()
    from pmm.reviews.selectors import review_certificate

    actor = _actor(as_user)
    certificate = review_certificate(_review_of(actor, cycle, member))
    typer.echo(f"Certificate: {certificate.level}")
    for criterion in certificate.criteria:
        mark = "met" if criterion.met else "NOT met"
        typer.echo(f"  {criterion.code}: {criterion.count} of {criterion.total} ({mark})")


@review_app.command("matrix")
@_reports_errors
def review_matrix_cmd(
    cycle: CycleOption,
    member: MemberOption,
    out: Annotated[
        Path, typer.Option("--out", dir_okay=False, help="The .xlsx file to write.", show_default=False)
    ],
    as_user: AsOption = None,
) -> None:
    """Write the comment-response matrix of a peer review (.xlsx): every query, its thread and outcome."""
    _setup()
    from pmm.reviews.matrix import matrix_xlsx, review_matrix

    actor = _actor(as_user)
    matrix = review_matrix(actor, _review_of(actor, cycle, member))
    try:
        out.write_bytes(matrix_xlsx(matrix))
    except OSError as error:
        raise _fail(f"cannot write {out}: {error.strerror or error}.") from None
    typer.echo(
        f"Wrote the comment-response matrix of {member.upper()} in cycle {cycle} "
        f"({len(matrix.rows)} queries) to {out}."
    )


@review_app.command("remind")
@_reports_errors
def review_remind_cmd() -> None:
    """Send the reminders of due dates that are near or missed (each once); run it daily."""
    _setup()
    from pmm.reviews.notices import due_reminders

    typer.echo(f"Reminders sent for {due_reminders()} round(s).")


@review_app.command("assign")
@_reports_errors
def review_assign_cmd(
    cycle: CycleOption,
    member: MemberOption,
    reviewer: Annotated[str, typer.Option(help="The reviewer's username.")],
    lead: Annotated[bool, typer.Option("--lead", help="As the lead reviewer.")] = False,
    accept_warnings: Annotated[
        bool, typer.Option("--accept-warnings", help="Assign despite warnings (same union, many reviews).")
    ] = False,
) -> None:
    """Assign a peer reviewer to a review (conflicts are refused)."""
    _setup()
    from pmm.accounts.selectors import user_get
    from pmm.reviews.services import review_assign

    actor = _system()
    assignment = review_assign(
        actor=actor,
        review=_review_of(actor, cycle, member),
        reviewer=user_get(reviewer),
        lead=lead,
        accept_warnings=accept_warnings,
    )
    for warning in assignment.warnings:
        typer.echo(f"Warning accepted: {warning}")
    typer.echo(f"{reviewer} assigned{' as lead' if lead else ''} to the review of {member.upper()}.")


@reviewer_app.command("set")
@_reports_errors
def reviewer_set(
    username: Annotated[str, typer.Argument(help="The peer reviewer's username.")],
    accreditation: Annotated[str | None, typer.Option(help="candidate, accredited or suspended.")] = None,
    languages: Annotated[str | None, typer.Option(help="Comma-separated, e.g. en,fr.")] = None,
    expertise: Annotated[str | None, typer.Option(help="Dimension codes, e.g. D1,D3.")] = None,
    reason: Annotated[str, typer.Option(help="Why.")] = "",
) -> None:
    """Put a peer reviewer in the pool, or change their accreditation, languages or expertise."""
    _setup()
    from pmm.accounts.selectors import user_get
    from pmm.reviews.services import reviewer_save

    profile = reviewer_save(
        actor=_system(),
        user=user_get(username),
        accreditation=accreditation,
        languages=languages.split(",") if languages is not None else None,
        expertise=expertise.split(",") if expertise is not None else None,
        reason=reason,
    )
    typer.echo(
        f"{username}: {profile.accreditation}; languages {', '.join(profile.languages) or '-'}; "
        f"expertise {', '.join(profile.expertise) or '-'}."
    )


@notifications_app.command("test-email")
@_reports_errors
def notifications_test_email(
    address: Annotated[str, typer.Argument(help="The address to send the test e-mail to.")],
) -> None:
    """Send a test e-mail with the platform's mail settings (PMM_EMAIL_*), to check them."""
    _setup()
    from django.conf import settings

    from pmm.notifications.services import send_test_email

    send_test_email(to=address)
    typer.echo(
        f"Test e-mail sent to {address} from {settings.DEFAULT_FROM_EMAIL} ({settings.EMAIL_BACKEND})."
    )


@target_app.command("set")
@_reports_errors
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
    _setup()
    from pmm.cycles.selectors import cycle_get
    from pmm.targets.selectors import targets_member
    from pmm.targets.services import target_set

    actor = _actor(as_user)
    saved = target_set(
        actor=actor,
        member=targets_member(actor, member),
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
@_reports_errors
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
    _setup()
    from pmm.cycles.selectors import cycle_get
    from pmm.targets.selectors import target_get, targets_member
    from pmm.targets.services import target_remove

    actor = _actor(as_user)
    owner = targets_member(actor, member)
    target = target_get(actor, owner, cycle_get(cycle).framework.code, kpi, component, year)
    target_remove(actor=actor, target=target, reason=reason)
    part = "" if component == "value" else f" ({component})"
    typer.echo(f"Target of {member.upper()} for {kpi}{part} in {year} removed.")


@target_app.command("list")
@_reports_errors
def target_list_cmd(cycle: CycleOption, member: MemberOption, as_user: AsOption = None) -> None:
    """List a member's targets with the progress toward each (baseline and latest values as of the cycle)."""
    _setup()
    from pmm.cycles.selectors import cycle_get
    from pmm.targets.selectors import target_progress, targets_member

    actor = _actor(as_user)
    rows = target_progress(actor, targets_member(actor, member), cycle_get(cycle))
    if not rows:
        typer.echo(f"{member.upper()} has no target for this cycle's framework.")

    def point(p: tuple[int, float] | None) -> str:
        return "-" if p is None else f"{p[1]:g} ({p[0]})"

    for row in rows:
        t = row.target
        typer.echo(
            f"{t.kpi}\t{t.component}\t{t.year}\t{t.value:g}\t{row.status}\t"
            f"baseline {point(row.baseline)}\tlatest {point(row.latest)}"
        )


# --------------------------------------------------------------------------------------------

from pmm.operations.cli import register as register_operations  # noqa: E402 - needs the plumbing above
from pmm.reports.cli import register as register_reports  # noqa: E402 - needs the plumbing above

register_operations(app, reports_errors=_reports_errors, setup=_setup, system=_system)
register_reports(app, reports_errors=_reports_errors, setup=_setup, actor=_actor)


def main() -> None:
    """Entry point of the `pmm` console script."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    app(prog_name="pmm")


if __name__ == "__main__":
    main()
