"""`pmm backup` and `pmm restore`: thin commands over pmm.operations.backup.

`register` adds them to the `pmm` command; it is given the command's plumbing (Django setup, the
system actor) so that this module does not import pmm.cli (which imports it). The `pmm` command
reports the errors of every command, these two included.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer


def _size(size: int) -> str:
    """A size in bytes for people: "812 bytes", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    amount = float(size)
    for unit in ("KB", "MB", "GB"):
        amount /= 1024
        if amount < 1024 or unit == "GB":
            break
    return f"{amount:.1f} {unit}"


def register(
    app: typer.Typer,
    *,
    setup: Callable[[], None],
    system: Callable[[], Any],
) -> None:
    """Add `backup` and `restore` to the `pmm` command."""

    @app.command("backup")
    def backup(
        out: Annotated[
            Path,
            typer.Option(
                "--out", file_okay=False, help="The new folder to write the backup to.", show_default=False
            ),
        ],
    ) -> None:
        """Back up the database and the evidence files into a new folder, with a manifest of checksums.

        Safe while the server runs. The folder must not exist yet, or be empty.
        """
        setup()
        from pmm.operations.backup import backup_create

        done = backup_create(actor=system(), out=out)
        manifest = done.manifest
        typer.echo(
            f"Backed up the {manifest.database_vendor} database ({len(manifest.migrations)} migrations "
            f"applied) and {done.evidence_count} evidence file{'s' if done.evidence_count != 1 else ''} "
            f"to {done.folder} ({_size(done.size)} in all, with their checksums in manifest.json)."
        )

    @app.command("restore")
    def restore(
        folder: Annotated[
            Path,
            typer.Argument(
                exists=True,
                file_okay=False,
                metavar="DIR",
                help="A folder written by `pmm backup`.",
                show_default=False,
            ),
        ],
        into_empty_only: Annotated[
            bool,
            typer.Option(
                "--into-empty-only",
                help="Restore only into a database without the platform's data (the default and only way).",
            ),
        ] = True,
    ) -> None:
        """Restore a backup into the configured, empty, database and put its evidence files in place.

        Every checksum is checked first; nothing changes if the backup is damaged, of another database
        vendor or of a newer version of pmm, or if the database already holds data.

        Stop the server and the worker first.
        """
        setup()
        from pmm.operations.backup import backup_restore

        done = backup_restore(actor=system(), source=folder)
        manifest = done.manifest
        typer.echo(
            f"Restored the backup of {manifest.created_at} (pmm {manifest.platform_version}, "
            f"{manifest.database_vendor}) and {done.evidence_copied} evidence "
            f"file{'s' if done.evidence_copied != 1 else ''}."
        )
        if done.migrations_applied:
            typer.echo(f"Applied {len(done.migrations_applied)} newer migrations of this version of pmm.")
