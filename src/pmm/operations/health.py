"""Health checks for load balancers and process managers (docs/jobs.md).

- `/health/live`: the process answers; touches nothing else.
- `/health/ready`: the database answers, every migration is applied, a job worker's heartbeat is
  fresh, and the evidence files' disk has room. JSON {"status": "ok"|"fail", "checks": {name: {...}}},
  200 or 503. The answers name what failed, never a host, a user, a path or any member data.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pmm.jobs.leases import lease, newest_heartbeat

Check = Callable[[], tuple[bool, str]]
_migrated = False  # once all migrations are seen applied, this process does not look again


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False, "the database does not answer"
    return True, "answers"


def check_migrations() -> tuple[bool, str]:
    global _migrated
    if _migrated:
        return True, "all applied"
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False, "cannot read the applied migrations"
    if pending:
        return False, f"{len(pending)} not applied"
    _migrated = True
    return True, "all applied"


def check_worker() -> tuple[bool, str]:
    try:
        seen = newest_heartbeat()
    except DatabaseError:
        return False, "cannot read the workers' heartbeats"
    if seen is None:
        return False, "no job worker has reported"
    age = timezone.now() - seen
    if age > lease():
        return False, f"no job worker seen for {int(age.total_seconds())}s"
    return True, f"seen {int(age.total_seconds())}s ago"


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk() -> tuple[bool, str]:
    free_mb = shutil.disk_usage(_existing(Path(settings.PMM_EVIDENCE_DIR))).free // (1024 * 1024)
    minimum = settings.PMM_HEALTH_MIN_FREE_MB
    if free_mb < minimum:
        return False, f"{free_mb} MB free for evidence files, below {minimum} MB"
    return True, f"{free_mb} MB free for evidence files"


READY_CHECKS: dict[str, Check] = {
    "database": check_database,
    "migrations": check_migrations,
    "worker": check_worker,
    "disk": check_disk,
}


def run_checks(checks: dict[str, Check]) -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    database_down = False
    for name, check in checks.items():
        if database_down and name in ("migrations", "worker"):
            ok, detail = False, "the database does not answer"
        else:
            ok, detail = check()
        database_down = database_down or (name == "database" and not ok)
        results[name] = {"status": "ok" if ok else "fail", "detail": detail}
    return all(r["status"] == "ok" for r in results.values()), results


def _answer(ok: bool, checks: dict[str, Any]) -> JsonResponse:
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return _answer(True, {"process": {"status": "ok", "detail": "answers"}})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    return _answer(*run_checks(READY_CHECKS))
