"""`pmm worker`: run the background jobs from the database queue (docs/jobs.md).

A command at the root of `pmm`, whose module loads no Django until the command runs (so `pmm --help`
is fast and works before the platform is configured); the command sets Django up first. Its errors
are left as they are: a worker that crashes logs its traceback, and its supervisor (`pmm serve`, or
systemd) restarts it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from pmm.cli.django_setup import setup
from pmm.cli.errors import leaves_errors_alone

commands = typer.Typer()


@commands.command()
@leaves_errors_alone
def worker(
    batch: Annotated[bool, typer.Option("--batch", help="Run the queued jobs, then stop.")] = False,
) -> None:
    """Run background jobs (results, group statistics, daily review reminders) from the database queue.

    It waits for the database if it is not reachable yet, keeps a heartbeat, and puts back in the
    queue the jobs of workers that stopped while running them (docs/jobs.md)."""
    setup()
    from pmm.jobs.worker import run_worker  # after the set-up: the worker's module imports models

    run_worker(batch=batch)
