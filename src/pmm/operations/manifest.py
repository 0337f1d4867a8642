"""The manifest of a backup (manifest.json): what the backup holds, and the checksum of every file.

A restore reads nothing from a backup before its manifest and every file in it have been checked:
each file listed is there with its size and SHA-256, and nothing else is there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from pmm.core.errors import ApplicationError, FieldProblem

FORMAT = "pmm-backup/1"
MANIFEST_NAME = "manifest.json"
CHUNK = 1024 * 1024


class FileEntry(BaseModel):
    """One file of the backup, by its path relative to the backup folder (with "/" separators)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    path: str
    size: int
    sha256: str

    @field_validator("path")
    @classmethod
    def _inside_the_backup(cls, path: str) -> str:
        """A path that stays inside the backup folder: a forged manifest cannot write elsewhere."""
        parts = PurePosixPath(path).parts
        if not parts or path.startswith("/") or "\\" in path or any(p in ("..", ".", "") for p in parts):
            raise ValueError("must be a relative path inside the backup folder")
        return path


class FrameworkEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    version: str


class Manifest(BaseModel):
    """What `pmm backup` wrote: the facts a restore checks, and the list of files."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: str
    created_at: str
    platform_version: str
    database_vendor: str
    database_file: str
    migrations: list[str]  # "app_label.migration_name", the database's schema version
    frameworks: list[FrameworkEntry]  # the active framework versions
    files: list[FileEntry]

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"is {value!r}; this version of pmm reads {FORMAT!r}")
        return value


def file_entry(folder: Path, path: Path) -> FileEntry:
    """The size and SHA-256 of one file of the backup folder."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            digest.update(chunk)
    return FileEntry(path=path.relative_to(folder).as_posix(), size=size, sha256=digest.hexdigest())


def files_of(folder: Path) -> list[Path]:
    """Every file under `folder` except the manifest, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p != folder / MANIFEST_NAME)


def manifest_write(folder: Path, manifest: Manifest) -> None:
    (folder / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")


def manifest_read(folder: Path) -> Manifest:
    """The backup's manifest, checked against the files: refused, naming the file, if anything differs."""
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise ApplicationError(f"{folder} is not a folder.", code="not_found")
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise ApplicationError(
            f"{folder} is not a backup: it has no {MANIFEST_NAME}.", code="invalid_backup"
        ) from None
    except ValidationError as error:
        problems = [
            FieldProblem(".".join(str(p) for p in e["loc"]) or MANIFEST_NAME, e["msg"])
            for e in error.errors()
        ]
        raise ApplicationError(
            f"The backup's {MANIFEST_NAME} is damaged or not valid.", code="invalid_backup", problems=problems
        ) from None
    _check_files(folder, manifest)
    return manifest


def _check_files(folder: Path, manifest: Manifest) -> None:
    problems = []
    listed = {entry.path for entry in manifest.files}
    for entry in manifest.files:
        path = folder / entry.path
        if not path.is_file():
            problems.append(FieldProblem(entry.path, "is missing"))
            continue
        found = file_entry(folder, path)
        if found.size != entry.size:
            problems.append(
                FieldProblem(entry.path, f"has {found.size} bytes; the manifest says {entry.size}")
            )
        elif found.sha256 != entry.sha256:
            problems.append(FieldProblem(entry.path, "its checksum (SHA-256) differs from the manifest's"))
    for path in files_of(folder):
        name = path.relative_to(folder).as_posix()
        if name not in listed:
            problems.append(FieldProblem(name, "is not in the manifest"))
    if manifest.database_file not in listed:
        problems.append(FieldProblem(manifest.database_file, "the database file is not in the manifest"))
    if problems:
        raise ApplicationError(
            "The backup is damaged: nothing was restored.", code="invalid_backup", problems=problems
        )
