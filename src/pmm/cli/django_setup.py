"""Django's set-up for the `pmm` command, done once, before a command's domain module is imported.

The root of the command imports no Django at all, so `pmm --help` answers at once, even before the
platform is configured, and `pmm demo` sets the demo's environment before the settings are read.
The groups of commands set Django up when they are used (pmm.cli.domain_groups); the commands at
the root call `setup()` themselves.
"""

from __future__ import annotations

import os

import typer

SETTINGS_MODULE = "pmm.config.settings"


def setup() -> None:
    """Set Django up (once); a configuration problem is reported like any other error."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    # Imported here, when a command runs: `pmm --help` loads no Django.
    import django
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    if apps.ready:
        return
    try:
        django.setup()
    except ImproperlyConfigured as error:
        typer.echo(f"Error: the configuration is not valid: {error}", err=True)
        raise typer.Exit(1) from None
