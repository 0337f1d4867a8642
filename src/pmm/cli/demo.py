"""`pmm demo` and `pmm demo-code`: a demo of the platform on this machine (docs in README.md).

Commands at the root of `pmm`, whose module loads no Django until a command runs (so `pmm --help`
is fast). The demo runs with its own allowances (PMM_DEMO), which the settings read once: each
command sets that environment first, then Django up, then imports pmm.demo.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from pmm.cli.django_setup import setup
from pmm.cli.options import HostOption, PortOption
from pmm.cli.server import apply_migrations, serve_platform, url

commands = typer.Typer()


@commands.command()
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
    demo_environment(host, port)
    setup()
    # After the set-up, which must see the demo's environment: pmm.demo reads the settings and models.
    from pmm.demo import DEMO_ACCOUNTS, DEMO_FIRST_STEPS, DEMO_PASSWORD, demo_keys, demo_setup

    apply_migrations(quiet=True)
    for line in demo_setup():
        typer.echo(line)
    typer.echo(f"\nThe demo is at {url(host, port)}")
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
        serve_platform(host, port)


@commands.command("demo-code")
def demo_code(username: Annotated[str, typer.Argument(help="A demo account, e.g. admin.")]) -> None:
    """Print the current two-factor sign-in code of a demo account (only for a demo set up by `pmm demo`)."""
    if not _deployed():  # a deployment's own settings stay: there, PMM_DEMO is off and codes are refused
        demo_environment()
    setup()
    from pmm.demo import demo_code as code_of  # after the set-up, as in `demo`

    typer.echo(code_of(username))


def demo_environment(host: str = "127.0.0.1", port: int = 8000) -> None:
    """The demo runs in production mode (real error pages) with the demo's allowances (PMM_DEMO: a key
    generated into PMM_VAR_DIR, plain HTTP, text logs), passed on to the server processes. Settings are
    read once: when Django is set up already (in tests) they are left as they are."""
    from django.apps import apps  # when the command runs: see the module's docstring

    if apps.ready:
        return
    os.environ["PMM_DEMO"] = "true"
    os.environ.setdefault("PMM_BASE_URL", url(host, port).rstrip("/"))


def _deployed() -> bool:
    """Whether this machine's environment configures a deployment: production requires PMM_SECRET_KEY,
    which the demo never sets (it keeps its key in PMM_VAR_DIR)."""
    return bool(os.environ.get("PMM_SECRET_KEY"))


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, tuple("-" * w for w in widths), *rows]:
        typer.echo(
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
