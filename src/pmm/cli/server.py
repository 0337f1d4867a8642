"""`pmm migrate` and `pmm serve`: the database tables, and the production server with its job worker.

Commands at the root of `pmm`, whose module loads no Django until a command runs (so `pmm --help`
is fast and works before the platform is configured); each command sets Django up first.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from pmm import serving
from pmm.cli.django_setup import setup
from pmm.cli.options import HostOption, PortOption

commands = typer.Typer()


@commands.command()
def migrate() -> None:
    """Create or update the database tables (run after installing or upgrading)."""
    setup()
    apply_migrations()


@commands.command()
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
    setup()
    serve_platform(host, port, workers, threads)


def apply_migrations(*, quiet: bool = False) -> None:
    """Apply the migrations; list each one unless `quiet` (then one line says how many)."""
    from django.core.management import call_command  # when the command runs: see the module's docstring
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


def url(host: str, port: int) -> str:
    """The address people open in a browser: http://host:port/ (an IPv6 host in brackets)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/"


def serve_platform(host: str, port: int, processes: int | None = None, threads: int | None = None) -> None:
    """Collect the static files, then run gunicorn and the job worker under one supervisor."""
    from django.conf import settings  # when the command runs: see the module's docstring
    from django.core.management import call_command

    typer.echo("Collecting static files…")
    call_command("collectstatic", interactive=False, verbosity=0)
    default = serving.default_sizing()
    sizing = serving.Sizing(processes or default.processes, threads or default.threads)
    typer.echo(
        f"Serving {url(host, port)} with gunicorn ({sizing.describe()}; {os.cpu_count()} CPUs) "
        "and one job worker, restarted if it stops; press Ctrl+C to stop."
    )
    sys.stdout.flush()
    code = serving.serve(host, port, sizing, json_logs=settings.PMM_LOG_FORMAT == "json")
    if code:
        raise typer.Exit(code)
