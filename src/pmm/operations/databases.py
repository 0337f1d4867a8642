"""Copying the database out of the platform and back in, for SQLite and PostgreSQL.

SQLite is copied with its online backup API (`sqlite3.Connection.backup`): a consistent copy, safe
while the server runs. PostgreSQL is dumped with `pg_dump` in its custom format and loaded with
`pg_restore --no-owner`; both programs come with the PostgreSQL client tools and must be on PATH.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from pmm.core.errors import ApplicationError

DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Tables that `pmm migrate` fills by itself: rows there do not make a database "not empty".
FILLED_BY_MIGRATE = {"contenttypes.contenttype", "auth.permission"}
# What each PostgreSQL client program reads from the environment (no password on the command line).
PG_ENVIRONMENT = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
}


def database() -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


def database_vendor() -> str:
    """ "sqlite" or "postgresql"; any other database cannot be backed up by pmm."""
    vendor = database().vendor
    if vendor not in DATABASE_FILES:
        raise ApplicationError(f"Backups support SQLite and PostgreSQL databases, not {vendor}.")
    return vendor


def applied_migrations() -> list[str]:
    """The schema version: every migration applied to the database, as "app_label.name"."""
    applied = MigrationRecorder(database()).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def known_migrations() -> set[str]:
    """Every migration this version of the code has."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def migrate_to_this_version() -> list[str]:
    """Apply the migrations of this version of the code that the database lacks (after restoring an
    older backup); return their names."""
    executor = MigrationExecutor(database())
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        call_command("migrate", interactive=False, verbosity=0)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def tables_with_rows() -> list[str]:
    """The platform's tables that hold rows (read with plain SQL: no model, no scoping involved)."""
    connection = database()
    existing = set(connection.introspection.table_names())
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed
            and not model._meta.proxy
            and model._meta.label_lower not in FILLED_BY_MIGRATE
        }
        & existing
    )
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 - a model's table
            if cursor.fetchone() is not None:
                found.append(table)
    return found


def database_dump(target: Path) -> None:
    """Write a consistent copy of the configured database to the file `target`."""
    if database_vendor() == "sqlite":
        source = _sqlite_file()
        if not source.is_file():
            raise ApplicationError(f"The database file {source} does not exist: there is nothing to back up.")
        _sqlite_copy(source, target)
    else:
        _run(
            [_program("pg_dump"), "--format=custom", "--no-password", f"--file={target}"], with_database=True
        )


def database_load_check() -> None:
    """Refuse now, before a restore changes anything, if the database could not be loaded."""
    if database_vendor() == "postgresql":
        _program("pg_restore")


def database_load(source: Path) -> None:
    """Replace the configured (empty) database with the copy in `source`.

    The caller has checked that the database holds none of the platform's data. On PostgreSQL its
    empty tables (left by `pmm migrate`) are dropped first, then `pg_restore` loads the dump in one
    transaction: if it fails, the database is left empty.
    """
    connection = database()
    if database_vendor() == "sqlite":
        target = _sqlite_file()
        connection.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
        return
    pg_restore = _program("pg_restore")
    _drop_empty_tables()
    connection.close()
    name = str(connection.settings_dict["NAME"])
    argv = [pg_restore, "--no-owner", "--no-password", "--single-transaction", "--exit-on-error"]
    try:
        _run([*argv, f"--dbname={name}", str(source)], with_database=False)
    except ApplicationError as error:
        error.message += " Nothing was restored: the database is left empty, without tables."
        raise


def _sqlite_file() -> Path:
    name = str(database().settings_dict["NAME"])
    if SQLiteCreation.is_in_memory_db(name):
        raise ApplicationError("The database is in memory: there is no file to back up or restore.")
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database page by page with the backup API; the copy keeps no journal beside it."""
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as reader,
            closing(sqlite3.connect(target, timeout=30)) as writer,
        ):
            writer.execute("PRAGMA journal_mode=DELETE")  # a WAL destination could not take another page size
            reader.backup(writer)
            writer.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as error:
        raise ApplicationError(
            f"Copying the SQLite database {source} to {target} failed: {error}.", code="database_copy_failed"
        ) from None


def _drop_empty_tables() -> None:
    """Drop the platform's tables (checked empty by the caller) so that the dump can create them."""
    connection = database()
    known = set(connection.introspection.django_table_names(include_views=False)) | {"django_migrations"}
    present = sorted(known & set(connection.introspection.table_names()))
    if not present:
        return
    names = ", ".join(connection.ops.quote_name(t) for t in present)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {names} CASCADE")


def _program(name: str) -> str:
    """The full path of a PostgreSQL client program, or a clear error saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise ApplicationError(
            f"{name} was not found on PATH. Install the PostgreSQL client programs, of the server's "
            "major version or newer (on Debian or Ubuntu: apt install postgresql-client).",
            code="missing_program",
        )
    return found


def _run(argv: list[str], *, with_database: bool) -> None:
    """Run a PostgreSQL client program on the configured server (and database, `with_database`)."""
    environment = _pg_environment(with_database=with_database)
    result = subprocess.run(argv, env=environment, capture_output=True, text=True, check=False)  # noqa: S603 - no shell
    if result.returncode != 0:
        program = Path(argv[0]).name
        detail = result.stderr.strip()[-2000:] or f"exit code {result.returncode}"
        raise ApplicationError(f"{program} failed: {detail}", code="database_copy_failed")


def _pg_environment(*, with_database: bool) -> dict[str, str]:
    settings = database().settings_dict
    environment = dict(os.environ)
    for key, variable in PG_ENVIRONMENT.items():
        if settings.get(key):
            environment[variable] = str(settings[key])
    for option, variable in PG_OPTIONS.items():
        if settings.get("OPTIONS", {}).get(option):
            environment[variable] = str(settings["OPTIONS"][option])
    if with_database:
        environment["PGDATABASE"] = str(settings["NAME"])
    return environment
