"""Health endpoints (/health/live, /health/ready), request ids and JSON log lines (docs/jobs.md)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from pmm.core.logs import JsonFormatter, RequestIdFilter, current_request_id, logging_config
from pmm.jobs.models import WorkerHeartbeat
from pmm.operations import health


def _beat(ago: timedelta) -> None:
    seen = timezone.now() - ago
    WorkerHeartbeat.objects.create(worker_id="w", hostname="h", pid=1, started_at=seen, seen_at=seen)


def _ready(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/health/ready")
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, response.json()


def test_live_answers_without_touching_the_database(client: Client) -> None:
    """No django_db mark: any database access here would raise."""
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": {"status": "ok", "detail": "answers"}}}


@pytest.mark.django_db
def test_ready_is_ok_when_every_check_passes(client: Client, settings: Any) -> None:
    settings.PMM_JOB_LEASE_SECONDS = 30
    settings.PMM_HEALTH_MIN_FREE_MB = 1
    _beat(ago=timedelta(seconds=2))
    status, body = _ready(client)
    assert status == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "worker", "disk"}
    assert all(check["status"] == "ok" for check in body["checks"].values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("heartbeat", "detail"),
    [(None, "no job worker has reported"), (timedelta(seconds=31), "no job worker seen for 3")],
)
def test_ready_fails_without_a_fresh_worker_heartbeat(
    client: Client, settings: Any, heartbeat: timedelta | None, detail: str
) -> None:
    settings.PMM_JOB_LEASE_SECONDS = 30
    settings.PMM_HEALTH_MIN_FREE_MB = 1
    if heartbeat is not None:
        _beat(ago=heartbeat)
    status, body = _ready(client)
    assert status == 503
    assert body["status"] == "fail"
    assert body["checks"]["worker"]["status"] == "fail"
    assert body["checks"]["worker"]["detail"].startswith(detail)
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_ready_fails_when_the_evidence_disk_is_nearly_full(client: Client, settings: Any, tmp_path) -> None:
    settings.PMM_EVIDENCE_DIR = tmp_path / "not" / "made" / "yet"  # the nearest existing folder counts
    settings.PMM_HEALTH_MIN_FREE_MB = 10**12
    _beat(ago=timedelta(0))
    status, body = _ready(client)
    assert status == 503
    assert body["checks"]["disk"]["status"] == "fail"
    assert str(tmp_path) not in json.dumps(body)  # no paths


@pytest.mark.django_db
def test_ready_fails_while_migrations_are_pending(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PMM_HEALTH_MIN_FREE_MB = 1
    _beat(ago=timedelta(0))
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("migration", False)] * 2
    )
    status, body = _ready(client)
    assert status == 503
    assert body["checks"]["migrations"] == {"status": "fail", "detail": "2 not applied"}


@pytest.mark.django_db
def test_ready_fails_when_the_database_does_not_answer(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PMM_HEALTH_MIN_FREE_MB = 1

    def broken_cursor(*args: object) -> None:
        raise OperationalError(f"could not connect to {settings.DATABASES['default']['NAME']} as secret")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    monkeypatch.setattr(health, "_migrated", False)
    status, body = _ready(client)
    assert status == 503
    checks = body["checks"]
    assert [checks[name]["status"] for name in ("database", "migrations", "worker")] == ["fail"] * 3
    text = json.dumps(body)
    assert "secret" not in text and str(settings.DATABASES["default"]["NAME"]) not in text


def test_health_is_not_redirected_to_https(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/health/live").status_code == 200
    assert Client().get("/accounts/login/").status_code == 301  # everything else still is


# --- request ids and JSON logs -------------------------------------------------------------------------


def test_a_sane_request_id_is_kept_and_returned(client: Client) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "lb-2f1c9a77-aa01"})
    assert response["X-Request-ID"] == "lb-2f1c9a77-aa01"


@pytest.mark.parametrize("given", ["", "short", "a" * 200, "abc def ghij", 'x"}\n{"level": "ERROR"'])
def test_a_missing_or_odd_request_id_is_replaced(client: Client, given: str) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": given} if given else {})
    made = response["X-Request-ID"]
    assert made != given and len(made) == 32 and made.isalnum()
    assert client.get("/health/live")["X-Request-ID"] != made  # a new one each time


def test_log_lines_of_a_request_carry_its_id(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def live(request: Any) -> Any:
        seen.append(current_request_id.get())
        return original(request)

    original = health.live
    monkeypatch.setattr(health, "check_disk", lambda: (True, ""))
    from pmm.config import urls

    pattern = next(p for p in urls.urlpatterns if getattr(p, "name", "") == "health-live")
    monkeypatch.setattr(pattern, "callback", live)
    response = client.get("/health/live", headers={"X-Request-ID": "req-12345678"})
    assert response.status_code == 200
    assert seen == ["req-12345678"]
    assert current_request_id.get() == "-"  # reset after the request


def _record(message: str, **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("pmm.test", logging.ERROR, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    return record


def test_json_lines_have_time_level_logger_message_and_request_id() -> None:
    token = current_request_id.set("req-abcdefgh")
    try:
        record = _record('a "quoted"\nmessage')
        RequestIdFilter().filter(record)
    finally:
        current_request_id.reset(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "pmm.test"
    assert entry["message"] == 'a "quoted"\nmessage'
    assert entry["request_id"] == "req-abcdefgh"
    assert entry["time"].endswith("+00:00")


def test_gunicorn_access_lines_take_the_request_id_of_the_response() -> None:
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s", None, None)
    record.args = {"r": "GET / HTTP/1.1", "{x-request-id}o": "req-from-response"}
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "req-from-response"


def test_the_logging_setting_follows_the_format() -> None:
    assert logging_config(json_lines=True, level="INFO")["formatters"]["default"] == {"()": JsonFormatter}
    text = logging_config(json_lines=False, level="INFO")["formatters"]["default"]["format"]
    assert "%(request_id)s" in text


def test_djangos_line_about_a_failed_request_carries_its_id(client: Client) -> None:
    """Django logs "Not Found: …" after the middleware has returned: the id must still be there."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/health/nothing-here", headers={"X-Request-ID": "req-87654321"})
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert [(r.getMessage(), r.request_id) for r in records] == [  # type: ignore[attr-defined]
        ("Not Found: /health/nothing-here", "req-87654321")
    ]
    assert current_request_id.get() == "-"  # forgotten once the response is sent


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"PMM_DEBUG": "false"}, "json"), ({"PMM_DEBUG": "true"}, "text"), ({"PMM_LOG_FORMAT": "JSON"}, "json")],
)
def test_logs_are_json_in_production_or_when_asked(tmp_path, env: dict[str, str], expected: str) -> None:
    from test_settings import run_settings

    result = run_settings(
        "settings.PMM_LOG_FORMAT", PMM_SECRET_KEY="k" * 50, PMM_VAR_DIR=str(tmp_path), **env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_an_unknown_log_format_is_refused(tmp_path) -> None:
    from test_settings import run_settings

    result = run_settings("1", PMM_DEBUG="true", PMM_VAR_DIR=str(tmp_path), PMM_LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "PMM_LOG_FORMAT must be one of json, text" in result.stderr
