"""The settings module reads the environment; run it in a subprocess with a controlled environment."""

from __future__ import annotations

import os
import subprocess
import sys

SNIPPET = "import django; from django.conf import settings; django.setup(); print({probe})"


def run_settings(probe: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PMM_")}
    clean.update(DJANGO_SETTINGS_MODULE="pmm.config.settings", **env)
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", SNIPPET.format(probe=probe)],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_mode_requires_a_secret_key(tmp_path):
    result = run_settings("settings.SECRET_KEY", PMM_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "PMM_SECRET_KEY is required" in result.stderr


def test_development_mode_generates_and_keeps_a_key(tmp_path):
    first = run_settings("settings.SECRET_KEY", PMM_DEBUG="true", PMM_VAR_DIR=str(tmp_path))
    second = run_settings("settings.SECRET_KEY", PMM_DEBUG="1", PMM_VAR_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout and len(first.stdout.strip()) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_wal_mode(tmp_path):
    probe = (
        "settings.DATABASES['default']['ENGINE'], "
        "__import__('django.db').db.connection.cursor().execute('PRAGMA journal_mode').fetchone()[0]"
    )
    result = run_settings(probe, PMM_DEBUG="true", PMM_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout and "wal" in result.stdout
    assert (tmp_path / "pmm.sqlite3").exists()


def test_database_url_selects_postgresql(tmp_path):
    probe = "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['NAME']"
    result = run_settings(probe, PMM_SECRET_KEY="k", PMM_DATABASE_URL="postgres://u@db.example:5432/pmm")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "pmm"]


def test_allowed_hosts_and_bad_booleans(tmp_path):
    hosts = run_settings(
        "settings.ALLOWED_HOSTS", PMM_SECRET_KEY="k", PMM_ALLOWED_HOSTS="pmm.example.org, b.org"
    )
    assert "['pmm.example.org', 'b.org']" in hosts.stdout
    bad = run_settings("settings.DEBUG", PMM_SECRET_KEY="k", PMM_DEBUG="maybe")
    assert bad.returncode != 0 and "PMM_DEBUG must be true or false" in bad.stderr
