"""`pmm backup` and `pmm restore` (pmm.operations): a backup restored into a new, empty database
serves the same data, and a restore that could lose or mix data is refused before it changes anything.

The backups are made in-process from the test database; the full restore runs `pmm` in subprocesses
on a scratch database (a SQLite file in tmp_path, or a new PostgreSQL database when the suite runs on
PostgreSQL), with its own evidence folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from typer.testing import CliRunner

from pmm.accounts.services import token_create
from pmm.assessments.selectors import assessment_access
from pmm.audit.models import AuditEvent
from pmm.cli import app
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError
from pmm.evidence.services import Target, evidence_upload
from pmm.operations import databases
from pmm.operations.manifest import FORMAT, MANIFEST_NAME, file_entry

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Run in the restored platform: download a file through the API, list the newest audit events.
DOWNLOAD_SCRIPT = """
import hashlib, json, sys
import django
django.setup()
from django.test import Client
from pmm.audit.models import AuditEvent
answer = Client().get(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]})
body = b"".join(answer.streaming_content) if answer.status_code == 200 else answer.content
verbs = list(AuditEvent.objects.unrestricted().values_list("verb", flat=True)[:2])
print(json.dumps({"status": answer.status_code, "sha256": hashlib.sha256(body).hexdigest(), "verbs": verbs}))
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def evidence_dir(settings, tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    settings.PMM_EVIDENCE_DIR = folder
    return folder


def upload_evidence(cycle, iso3: str = "FRA"):
    """One evidence file on a member's (started) self-assessment."""
    return evidence_upload(
        actor=SYSTEM,
        assessment=assessment_access(SYSTEM, cycle, iso3),
        target=Target(kpi="D1.O1.K1"),
        uploaded_file=SimpleUploadedFile("customs-report.pdf", PDF),
    )


@pytest.fixture
def backup(runner, open_cycle, evidence_dir, tmp_path) -> Path:
    """A backup of the test database (framework, members) and one evidence file."""
    upload_evidence(open_cycle)
    folder = tmp_path / "backup"
    made = runner.invoke(app, ["backup", "--out", str(folder)])
    assert made.exit_code == 0, made.output
    return folder


def restore(runner, folder: Path):
    return runner.invoke(app, ["restore", str(folder)])


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))


def active_version(code: str) -> str:
    from pmm.framework.models import Framework

    return Framework.objects.get(code=code, status="active").version


def rewrite_manifest(folder: Path, **changes) -> None:
    (folder / MANIFEST_NAME).write_text(json.dumps({**manifest_of(folder), **changes}), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The backup


def test_the_backup_holds_the_database_the_evidence_and_a_manifest_of_checksums(backup, evidence_dir):
    manifest = manifest_of(backup)
    assert manifest["format"] == FORMAT
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["platform_version"] and manifest["created_at"]
    assert "results.0001_initial" in manifest["migrations"] and "auth.0001_initial" in manifest["migrations"]
    assert {"code": "pmm-v1", "version": active_version("pmm-v1")} in manifest["frameworks"]
    paths = [entry["path"] for entry in manifest["files"]]
    stored = [p.relative_to(evidence_dir).as_posix() for p in evidence_dir.rglob("*") if p.is_file()]
    assert sorted(paths) == sorted([manifest["database_file"], *(f"evidence/{name}" for name in stored)])
    for entry in manifest["files"]:
        found = file_entry(backup, backup / entry["path"])
        assert (found.size, found.sha256) == (entry["size"], entry["sha256"])
    evidence = next(e for e in manifest["files"] if e["path"].startswith("evidence/"))
    assert evidence["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (backup / MANIFEST_NAME).stat().st_mode & 0o077 == 0  # readable by the operator only
    assert not backup.with_name("backup.partial").exists()
    event = AuditEvent.objects.unrestricted().get(verb="backup.created")
    assert event.actor_label == "system" and event.after["folder"] == str(backup)


def test_the_backup_refuses_a_folder_that_is_not_empty(runner, tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "something").write_text("x")
    refused = runner.invoke(app, ["backup", "--out", str(folder)])
    assert refused.exit_code == 1 and "already exists and is not an empty folder" in refused.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no taken.partial left behind
    assert not AuditEvent.objects.unrestricted().filter(verb="backup.created").exists()


def test_the_backup_stays_out_of_the_evidence_folder(runner, evidence_dir):
    refused = runner.invoke(app, ["backup", "--out", str(evidence_dir / "backup")])
    assert refused.exit_code == 1 and "inside the evidence folder" in refused.output
    assert not evidence_dir.exists()


def test_the_commands_are_listed(runner):
    listed = runner.invoke(app, ["--help"])
    assert "backup" in listed.output and "restore" in listed.output


def test_a_failed_backup_leaves_no_folder(runner, tmp_path, monkeypatch):
    def broken_dump(target: Path) -> None:
        raise ApplicationError("pg_dump failed: the server went away")

    monkeypatch.setattr("pmm.operations.backup.database_dump", broken_dump)
    refused = runner.invoke(app, ["backup", "--out", str(tmp_path / "b")])
    assert refused.exit_code == 1 and "the server went away" in refused.output
    assert list(tmp_path.iterdir()) == []


def test_a_missing_postgresql_client_is_named_with_its_package(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ApplicationError) as refused:
        databases._program("pg_dump")
    assert "pg_dump was not found on PATH" in str(refused.value) and "postgresql-client" in str(refused.value)


# --------------------------------------------------------------------------------------------
# What a restore refuses (before changing anything)


@pytest.mark.parametrize("damage", ["evidence", "database", "extra file", "missing file"])
def test_a_damaged_backup_is_refused_naming_the_file(runner, backup, damage, settings, tmp_path):
    manifest = manifest_of(backup)
    evidence = next(e["path"] for e in manifest["files"] if e["path"].startswith("evidence/"))
    if damage in ("evidence", "database"):
        named = evidence if damage == "evidence" else manifest["database_file"]
        data = bytearray((backup / named).read_bytes())
        data[len(data) // 2] ^= 0x01  # one bit of one byte
        (backup / named).write_bytes(bytes(data))
    elif damage == "extra file":
        named = "evidence/zz/unexpected"
        (backup / named).parent.mkdir()
        (backup / named).write_bytes(b"x")
    else:
        named = evidence
        (backup / named).unlink()
    settings.PMM_EVIDENCE_DIR = tmp_path / "restored-evidence"
    refused = restore(runner, backup)
    assert refused.exit_code == 1
    assert "The backup is damaged" in refused.output and named in refused.output
    assert not (tmp_path / "restored-evidence").exists()


def test_a_forged_manifest_cannot_reach_outside_the_backup(runner, backup):
    manifest = manifest_of(backup)
    manifest["files"][0]["path"] = "../outside"
    rewrite_manifest(backup, files=manifest["files"])
    refused = restore(runner, backup)
    assert refused.exit_code == 1 and "manifest.json is damaged or not valid" in refused.output
    assert "relative path inside the backup folder" in refused.output


def test_a_database_that_holds_data_is_refused(runner, backup, settings, tmp_path):
    """The test database holds the framework and the members: nothing is restored into it."""
    settings.PMM_EVIDENCE_DIR = tmp_path / "restored-evidence"
    refused = restore(runner, backup)
    assert refused.exit_code == 1
    assert "The configured database is not empty" in refused.output and "Tables with rows" in refused.output
    assert not (tmp_path / "restored-evidence").exists()
    assert not AuditEvent.objects.unrestricted().filter(verb="backup.restored").exists()


def test_a_backup_of_another_database_vendor_is_refused(runner, backup):
    other = "sqlite" if ON_POSTGRESQL else "postgresql"
    rewrite_manifest(backup, database_vendor=other)
    refused = restore(runner, backup)
    assert refused.exit_code == 1
    assert f"The backup is of a {other} database" in refused.output
    assert f"configured for {connection.vendor}" in refused.output


def test_a_backup_from_a_newer_version_of_pmm_is_refused(runner, backup):
    manifest = manifest_of(backup)
    rewrite_manifest(backup, migrations=[*manifest["migrations"], "results.9999_from_the_future"])
    refused = restore(runner, backup)
    assert refused.exit_code == 1 and "newer version of pmm" in refused.output
    assert "results.9999_from_the_future: unknown migration" in refused.output


def test_an_evidence_file_in_place_that_differs_is_refused(runner, backup, settings, tmp_path):
    manifest = manifest_of(backup)
    evidence = next(e["path"] for e in manifest["files"] if e["path"].startswith("evidence/"))
    in_place = tmp_path / "restored-evidence" / evidence.removeprefix("evidence/")
    in_place.parent.mkdir(parents=True)
    in_place.write_bytes(b"another file under the same name")
    settings.PMM_EVIDENCE_DIR = tmp_path / "restored-evidence"
    refused = restore(runner, backup)
    assert refused.exit_code == 1 and "differ from the backup's" in refused.output
    assert str(in_place) in refused.output
    assert in_place.read_bytes() == b"another file under the same name"


# --------------------------------------------------------------------------------------------
# Backup, then restore into a new database: the same results, the same files


@pytest.fixture
def scratch_database(tmp_path):
    """The PMM_DATABASE_URL of a new, empty database, dropped afterwards on PostgreSQL."""
    if not ON_POSTGRESQL:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    config = settings.DATABASES["default"]
    name = f"pmm_restore_test_{secrets.token_hex(4)}"
    server = {
        "host": config["HOST"] or None,
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    yield f"postgres://{user}@{config['HOST'] or 'localhost'}:{config['PORT'] or 5432}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_pmm(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`pmm ARGS` in a new process on the restored platform."""
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "pmm.cli", *args], env=environment, capture_output=True, text=True, check=False
    )


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_reproduces_the_results_and_serves_the_same_file(
    runner, reference_data, open_cycle, make_user, evidence_dir, scratch_database, tmp_path
):
    from conftest import submit_generated
    from pmm.results.services import publication_create

    submit_generated(open_cycle, "KEN")  # its results are computed when it is submitted
    publication_create(actor=make_user("secretariat_admin"), cycle=open_cycle)
    evidence = upload_evidence(open_cycle, "FRA")
    _token, secret = token_create(actor=SYSTEM, user=make_user("ncp", "FRA"), name="after the restore")
    folder = tmp_path / "backup"
    made = runner.invoke(app, ["backup", "--out", str(folder)])
    assert made.exit_code == 0, made.output

    restored = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmm.config.test_settings",
        "PMM_DATABASE_URL": scratch_database,
        "PMM_EVIDENCE_DIR": str(tmp_path / "restored-evidence"),
        "PMM_VAR_DIR": str(tmp_path / "var"),
        "PMM_ALLOWED_HOSTS": "testserver",
    }
    migrated = run_pmm(restored, "migrate")  # a new installation: its tables are there, and empty
    assert migrated.returncode == 0, migrated.stderr
    done = run_pmm(restored, "restore", str(folder))
    assert done.returncode == 0, done.stderr
    assert "Restored the backup" in done.stdout and "1 evidence file" in done.stdout
    again = run_pmm(restored, "restore", str(folder))
    assert again.returncode == 1 and "The configured database is not empty" in again.stderr

    verified = run_pmm(restored, "results", "verify", "--cycle", str(open_cycle.pk))
    assert verified.returncode == 0, verified.stderr + verified.stdout
    assert "reproduced exactly" in verified.stdout

    url = reverse(
        "api:evidence_download", kwargs={"cycle": open_cycle.pk, "iso3": "FRA", "evidence_id": evidence.pk}
    )
    downloaded = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", DOWNLOAD_SCRIPT, url, secret],
        env=restored,
        capture_output=True,
        text=True,
        check=False,
    )
    assert downloaded.returncode == 0, downloaded.stderr
    answer = json.loads(downloaded.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["sha256"] == evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert answer["verbs"][0] == "backup.restored"  # written after the restore, into the restored log
