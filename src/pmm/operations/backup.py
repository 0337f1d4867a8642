"""`backup_create` and `backup_restore`: the platform's database and evidence files, to a folder and back.

A backup folder holds the database (database.sqlite3 or database.pgdump), the evidence files under
evidence/ (as they are stored under PMM_EVIDENCE_DIR) and manifest.json (see pmm.operations.manifest).
The database is copied first, then the evidence files: every file the copied database refers to was
written before its row, so it is in the backup. The folder is written as FOLDER.partial and renamed
when complete, so a folder with that name is always a whole backup.

A restore checks everything before it changes anything: the manifest and every checksum, the
database vendor, the schema (no migration the code does not know), that the database holds none of
the platform's data, that no evidence file in place differs from the backup's. Then it copies the
evidence files, loads the database, applies the code's newer migrations if the backup is older, and
records the restore in the restored audit log.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings

from pmm.audit.services import audit_record
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.framework.models import Framework, FrameworkStatus
from pmm.operations.databases import (
    DATABASE_FILES,
    applied_migrations,
    database_dump,
    database_load,
    database_load_check,
    database_vendor,
    known_migrations,
    migrate_to_this_version,
    tables_with_rows,
)
from pmm.operations.manifest import (
    FORMAT,
    MANIFEST_NAME,
    FileEntry,
    FrameworkEntry,
    Manifest,
    file_entry,
    files_of,
    manifest_read,
    manifest_write,
)

EVIDENCE_FOLDER = "evidence"
PARTIAL_SUFFIX = ".partial"
UPLOAD_IN_PROGRESS_SUFFIX = ".part"  # pmm.evidence writes an upload under this name, then renames it


@dataclass(frozen=True)
class BackupDone:
    folder: Path
    manifest: Manifest

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self.manifest.files)

    @property
    def evidence_count(self) -> int:
        return len(_evidence_entries(self.manifest))


@dataclass(frozen=True)
class RestoreDone:
    manifest: Manifest
    evidence_copied: int
    migrations_applied: list[str]


def platform_version() -> str:
    try:
        return version("pmm")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def evidence_root() -> Path:
    return Path(settings.PMM_EVIDENCE_DIR)


# --------------------------------------------------------------------------------------------
# Backup


def backup_create(*, actor: Any, out: Path) -> BackupDone:
    """Write a backup of the database and the evidence files into the new folder `out`."""
    out = out.expanduser().absolute()
    partial = out.with_name(out.name + PARTIAL_SUFFIX)
    _refuse_existing(out, partial)
    vendor = database_vendor()
    try:
        partial.mkdir(parents=True, mode=0o700)
    except OSError as error:
        raise ApplicationError(
            f"Cannot create {partial}: {error.strerror or error}.", code="cannot_write"
        ) from None
    try:
        migrations = applied_migrations()
        frameworks = _active_frameworks()
        database_dump(partial / DATABASE_FILES[vendor])
        (partial / DATABASE_FILES[vendor]).chmod(0o600)
        _copy_evidence(evidence_root(), partial / EVIDENCE_FOLDER)
        manifest = Manifest(
            format=FORMAT,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            platform_version=platform_version(),
            database_vendor=vendor,
            database_file=DATABASE_FILES[vendor],
            migrations=migrations,
            frameworks=frameworks,
            files=[file_entry(partial, path) for path in files_of(partial)],
        )
        manifest_write(partial, manifest)
        (partial / MANIFEST_NAME).chmod(0o600)
        partial.replace(out)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise ApplicationError(
            f"Cannot write the backup to {out}: {error.strerror or error}.", code="cannot_write"
        ) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    done = BackupDone(out, manifest)
    audit_record(
        actor=actor,
        verb="backup.created",
        target_label=str(out),
        after={
            "folder": str(out),
            "created_at": manifest.created_at,
            "database_vendor": vendor,
            "files": len(manifest.files),
            "evidence_files": done.evidence_count,
            "bytes": done.size,
        },
    )
    return done


def _refuse_existing(out: Path, partial: Path) -> None:
    if out.resolve().is_relative_to(evidence_root().resolve()):
        raise ApplicationError(
            f"{out} is inside the evidence folder (PMM_EVIDENCE_DIR): write the backup somewhere else.",
            code="invalid",
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ApplicationError(
            f"{out} already exists and is not an empty folder: choose a new folder for the backup.",
            code="exists",
        )
    if partial.exists():
        raise ApplicationError(
            f"{partial} exists: another backup to {out} is running, or one was interrupted. "
            "Remove that folder if no backup is running, then try again.",
            code="exists",
        )


def _active_frameworks() -> list[FrameworkEntry]:
    active = Framework.objects.filter(status=FrameworkStatus.ACTIVE).order_by("code", "version")
    return [FrameworkEntry(code=code, version=v) for code, v in active.values_list("code", "version")]


def _copy_evidence(source: Path, target: Path) -> None:
    """Copy every stored evidence file (not uploads still being written), keeping the folder layout."""
    target.mkdir(mode=0o700)
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.name.endswith(UPLOAD_IN_PROGRESS_SUFFIX):
            continue
        copy = target / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copyfile(path, copy)
        copy.chmod(0o600)


# --------------------------------------------------------------------------------------------
# Restore


def backup_restore(*, actor: Any, source: Path) -> RestoreDone:
    """Restore the backup in the folder `source` into the configured, empty, database."""
    source = source.expanduser().absolute()
    manifest = manifest_read(source)
    _refuse_other_vendor(manifest)
    _refuse_unknown_migrations(manifest)
    evidence = _evidence_to_copy(source, manifest)
    _refuse_data_in_place()
    database_load_check()
    for entry, target in evidence:
        _copy_into_place(source / entry.path, target)
    database_load(source / manifest.database_file)
    migrated = migrate_to_this_version()
    audit_record(
        actor=actor,
        verb="backup.restored",
        target_label=str(source),
        after={
            "folder": str(source),
            "created_at": manifest.created_at,
            "platform_version": manifest.platform_version,
            "database_vendor": manifest.database_vendor,
            "evidence_files": len(_evidence_entries(manifest)),
            "migrations_applied": migrated,
        },
    )
    return RestoreDone(manifest, len(evidence), migrated)


def _refuse_other_vendor(manifest: Manifest) -> None:
    vendor = database_vendor()
    if manifest.database_vendor != vendor:
        raise ApplicationError(
            f"The backup is of a {manifest.database_vendor} database; the platform is configured for "
            f"{vendor} (PMM_DATABASE_URL). Restore it into a {manifest.database_vendor} database.",
            code="mismatch",
            problems=[
                FieldProblem("database_vendor", f"backup {manifest.database_vendor}, configured {vendor}")
            ],
        )
    if manifest.database_file != DATABASE_FILES[vendor]:
        raise ApplicationError(
            f"The backup's database file should be {DATABASE_FILES[vendor]}, not {manifest.database_file}.",
            code="invalid_backup",
        )


def _refuse_unknown_migrations(manifest: Manifest) -> None:
    """Refuse a backup made by a newer version of pmm: its database has migrations the code lacks."""
    known = known_migrations()
    unknown = [name for name in manifest.migrations if name not in known]
    if unknown:
        raise ApplicationError(
            f"The backup was made by a newer version of pmm ({manifest.platform_version}; this is "
            f"{platform_version()}): its database has migrations this code does not know. "
            "Install that version (or a newer one) to restore it.",
            code="mismatch",
            problems=[FieldProblem(name, "unknown migration") for name in unknown],
        )


def _refuse_data_in_place() -> None:
    tables = tables_with_rows()
    if tables:
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        raise ApplicationError(
            "The configured database is not empty: a restore goes only into an empty database, and "
            f"nothing was changed. Tables with rows: {shown}. Create a new database (or point "
            "PMM_DATABASE_URL at a new SQLite file) and restore into it.",
            code="not_empty",
        )


def _evidence_entries(manifest: Manifest) -> list[FileEntry]:
    return [e for e in manifest.files if e.path.startswith(EVIDENCE_FOLDER + "/")]


def _evidence_to_copy(source: Path, manifest: Manifest) -> list[tuple[FileEntry, Path]]:
    """The evidence files to put in place; refused if a file already there differs from the backup's."""
    root = evidence_root()
    wanted, conflicts = [], []
    for entry in _evidence_entries(manifest):
        target = root / entry.path.removeprefix(EVIDENCE_FOLDER + "/")
        if not target.exists():
            wanted.append((entry, target))
        elif not target.is_file() or file_entry(root, target).sha256 != entry.sha256:
            conflicts.append(FieldProblem(str(target), "exists and differs from the backup's file"))
    if conflicts:
        raise ApplicationError(
            f"Evidence files in {root} (PMM_EVIDENCE_DIR) differ from the backup's: nothing was changed. "
            "Restore into an empty evidence folder.",
            code="not_empty",
            problems=conflicts,
        )
    return wanted


def _copy_into_place(source: Path, target: Path) -> None:
    """Copy one evidence file to its place (under a temporary name, then renamed), readable by pmm only."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = target.with_name(target.name + UPLOAD_IN_PROGRESS_SUFFIX)
    shutil.copyfile(source, partial)
    partial.chmod(0o600)
    partial.replace(target)
