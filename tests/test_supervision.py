"""The job worker under supervision (docs/jobs.md): real `pmm serve` and `pmm worker` processes on a
database of their own (a SQLite file in tmp_path, or a PostgreSQL database cloned from a migrated
template when PMM_DATABASE_URL points at PostgreSQL), and the lease rules in-process.

The waits are bounded and generous (a loaded 2-core machine starts Django slowly); nothing is timed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from pmm import serving
from pmm.audit.models import AuditEvent
from pmm.jobs import leases
from pmm.jobs.models import WorkerHeartbeat

TESTS = Path(__file__).resolve().parent
_URL = os.environ.get("PMM_DATABASE_URL", "")
POSTGRES_URL = _URL if _URL.startswith(("postgres://", "postgresql://")) else ""
WAIT = 180.0  # seconds: an upper bound for a process to start and do its work, never reached when all is well

T = TypeVar("T")


def wait_for(condition: Callable[[], T], what: str, timeout: float = WAIT) -> T:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g}s waiting for {what}")
        time.sleep(0.1)
    return value


# --- databases of their own for the processes ------------------------------------------------------


def _admin_url() -> str:
    parts = urlsplit(POSTGRES_URL)
    return urlunsplit(parts._replace(path="/postgres"))


def _postgres_url(name: str) -> str:
    return urlunsplit(urlsplit(POSTGRES_URL)._replace(path=f"/{name}"))


def _postgres(sql: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def process_env(var_dir: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="pmm.config.settings",
        PMM_DEBUG="true",
        PMM_VAR_DIR=str(var_dir),
        PMM_DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join(p for p in (str(TESTS), env.get("PYTHONPATH", "")) if p),
        PMM_JOB_HEARTBEAT_SECONDS="0.5",
        PMM_JOB_LEASE_SECONDS="3",
        PMM_LOG_FORMAT="text",
        PMM_LOG_LEVEL="INFO",
        PMM_WARM_STATISTICS="false",
    )
    return env


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database, made once, that each test copies."""
    folder = tmp_path_factory.mktemp("template")
    if POSTGRES_URL:
        name = f"pmm_supervision_{os.getpid()}"
        _postgres(f"DROP DATABASE IF EXISTS {name}")
        _postgres(f"CREATE DATABASE {name}")
        url = _postgres_url(name)
    else:
        url = f"sqlite:///{folder / 'pmm.sqlite3'}"
    subprocess.run(
        [sys.executable, "-m", "pmm.cli", "migrate"],
        env=process_env(folder, url),
        check=True,
        capture_output=True,
        timeout=900,
    )
    yield url
    if POSTGRES_URL:
        _postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Databases:
    """Copies of the template, removed at the end."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.made: list[str] = []

    def url_for(self, folder: Path) -> str:
        """The URL a copy will have (it need not exist yet: the database may be "down")."""
        if POSTGRES_URL:
            name = f"pmm_sup_{uuid.uuid4().hex[:12]}"
            self.made.append(name)
            return _postgres_url(name)
        return f"sqlite:///{folder / 'pmm.sqlite3'}"

    def create(self, url: str) -> None:
        if POSTGRES_URL:
            template = urlsplit(self.template).path.lstrip("/")
            _postgres(f"CREATE DATABASE {urlsplit(url).path.lstrip('/')} TEMPLATE {template}")
            return
        target = Path(urlsplit(url).path)
        staging = target.parent.with_name(target.parent.name + "-staging")
        staging.mkdir()
        shutil.copyfile(urlsplit(self.template).path, staging / target.name)
        staging.rename(target.parent)  # the folder appears with the whole file in it at once

    def drop_all(self) -> None:
        for name in self.made:
            _postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def databases(template_url: str) -> Iterator[Databases]:
    made = Databases(template_url)
    yield made
    made.drop_all()


# --- processes ------------------------------------------------------------------------------------------


class Process:
    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
                argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=log.parent
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_line(self, pattern: str, count: int = 1) -> list[re.Match[str]]:
        def found() -> list[re.Match[str]]:
            matches = list(re.finditer(pattern, self.output()))
            assert self.popen.poll() is None or len(matches) >= count, self.output()
            return matches if len(matches) >= count else []

        return wait_for(found, f"{pattern!r} in {self.log.name}")

    def children(self) -> list[int]:
        match = re.search(r"web server pid (\d+), job worker pid (\d+)", self.output())
        restarted = [int(pid) for pid in re.findall(r"job worker restarted \(pid (\d+)", self.output())]
        return [int(match[1]), int(match[2]), *restarted] if match else restarted


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, dead but not yet reaped by its new parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return not stat.parent.parent.exists()  # no /proc: trust kill(0)


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Every process a test starts; whatever is still running at the end is stopped."""
    started: list[Process] = []
    yield started
    for process in started:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGTERM)
            try:
                process.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.popen.kill()
        for pid in process.children():
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(processes: list[Process], env: dict[str, str], folder: Path) -> Process:
    port = str(free_port())
    argv = [sys.executable, "-m", "pmm.cli", "serve", "--port", port, "--workers", "1", "--threads", "2"]
    process = Process(argv, env, folder / "serve.log")
    processes.append(process)
    return process


def helper(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "supervision_jobs", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def env(tmp_path: Path, databases: Databases) -> dict[str, str]:
    url = databases.url_for(tmp_path / "db")
    (tmp_path / "db").mkdir()
    if not POSTGRES_URL:
        (tmp_path / "db").rmdir()  # create() makes it, with the copy inside
    databases.create(url)
    return process_env(tmp_path, url)


# --- the tests with real processes ---------------------------------------------------------------------


def test_a_worker_killed_during_a_job_is_restarted_and_the_job_completes(
    tmp_path: Path, env: dict[str, str], processes: list[Process]
) -> None:
    server = serve(processes, env, tmp_path)
    server.wait_for_line(r"job worker pid \d+")
    folder = tmp_path / "job"
    folder.mkdir()
    job_id = helper(env, "enqueue", str(folder))

    first_attempt = wait_for(lambda: (folder / "attempt-1").exists(), "the job's first attempt")
    assert first_attempt
    worker_pid = int((folder / "attempt-1").read_text())
    assert worker_pid == server.children()[1]  # the job runs in the supervised worker
    os.kill(worker_pid, signal.SIGKILL)

    server.wait_for_line(r"the job worker \(pid \d+\) killed by SIGKILL; restarting it in \d+s")
    server.wait_for_line(r"the job worker restarted \(pid \d+, restart 1\)")
    wait_for(lambda: (folder / "done").exists(), "the job to complete after the restart")
    assert helper(env, "state", job_id) == "SUCCESSFUL 2"  # two attempts: the killed one and the good one
    assert "re-queued: the worker running it stopped (attempt 1 of 3)" in server.output()


def test_sigterm_stops_both_children_and_each_serve_has_its_own_control_socket(
    tmp_path: Path, env: dict[str, str], processes: list[Process]
) -> None:
    servers = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        servers.append(serve(processes, env, tmp_path / name))
    sockets = []
    for server in servers:
        server.wait_for_line(r"job worker pid \d+")
        sockets.append(Path(server.wait_for_line(r"Control socket listening at (\S+)")[0][1]))
    assert sockets[0] != sockets[1]
    assert all(path.exists() for path in sockets)

    for server in servers:
        children = server.children()
        assert all(alive(pid) for pid in children)
        server.popen.send_signal(signal.SIGTERM)
        assert server.popen.wait(timeout=WAIT) == 0, server.output()
        assert not [pid for pid in children if alive(pid)], server.output()
    assert not any(path.parent.exists() for path in sockets)  # each instance's runtime folder is removed


def test_a_worker_started_while_the_database_is_down_waits_then_works(
    tmp_path: Path, databases: Databases, processes: list[Process]
) -> None:
    url = databases.url_for(tmp_path / "later")  # not there yet
    env = process_env(tmp_path, url)
    worker = Process([sys.executable, "-m", "pmm.cli", "worker"], env, tmp_path / "worker.log")
    processes.append(worker)
    worker.wait_for_line(r"waiting for the database: .+ \(try \d+; next in [\d.]+s\)", count=2)
    assert worker.popen.poll() is None

    databases.create(url)
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "attempt-1").write_text("0")  # this job's next attempt finishes at once
    helper(env, "enqueue", str(folder))
    wait_for(lambda: (folder / "done").exists(), "the job to run once the database is there")
    assert "Traceback" not in worker.output()
    worker.popen.send_signal(signal.SIGTERM)
    assert worker.popen.wait(timeout=WAIT) == 0, worker.output()


# --- the lease rules, in-process ----------------------------------------------------------------------


def _running_job(worker_id: str, started: timedelta) -> DBTaskResult:
    return DBTaskResult.objects.create(
        task_path="pmm.results.tasks.recompute_assessment_results",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started,
        worker_ids=[worker_id],
    )


def _beat(worker_id: str, ago: timedelta) -> None:
    seen = timezone.now() - ago
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"hostname": "h", "pid": 1, "started_at": seen, "seen_at": seen}
    )


@pytest.mark.django_db
def test_a_vanished_workers_job_is_requeued_then_failed_after_three_attempts(settings: Any) -> None:
    settings.PMM_JOB_LEASE_SECONDS = 30
    settings.PMM_JOB_MAX_ATTEMPTS = 3
    job = _running_job("w1", started=timedelta(minutes=5))
    _beat("w1", ago=timedelta(seconds=5))
    assert leases.reclaim_vanished_jobs() == []  # its worker is alive: the job is left alone

    _beat("w1", ago=timedelta(seconds=31))
    [requeued] = leases.reclaim_vanished_jobs()
    job.refresh_from_db()
    assert (job.status, requeued.attempts, requeued.failed) == (TaskResultStatus.READY, 1, False)

    job.claim("w2")
    _beat("w2", ago=timedelta(seconds=0))
    assert leases.reclaim_vanished_jobs() == []
    assert len(leases.reclaim_vanished_jobs(now=timezone.now() + timedelta(seconds=40))) == 1
    job.refresh_from_db()
    assert job.status == TaskResultStatus.READY

    job.claim("w3")  # a worker that died before its first heartbeat: judged by the job's start
    assert leases.reclaim_vanished_jobs() == []
    [failed] = leases.reclaim_vanished_jobs(now=timezone.now() + timedelta(seconds=40))
    job.refresh_from_db()
    assert failed.failed and job.status == TaskResultStatus.FAILED
    assert job.traceback == "the worker running it stopped (attempt 3 of 3)"
    assert job.finished_at is not None
    verbs = list(
        AuditEvent.objects.unrestricted()
        .filter(target_id=str(job.pk))
        .order_by("pk")
        .values_list("verb", "reason")
    )
    assert verbs == [
        ("job.requeued", "the worker running it stopped (attempt 1 of 3)"),
        ("job.requeued", "the worker running it stopped (attempt 2 of 3)"),
        ("job.failed", "the worker running it stopped (attempt 3 of 3)"),
    ]


@pytest.mark.django_db
def test_a_job_changed_meanwhile_is_not_reclaimed(settings: Any) -> None:
    settings.PMM_JOB_LEASE_SECONDS = 30
    job = _running_job("gone", started=timedelta(minutes=5))
    stale = DBTaskResult.objects.get(pk=job.pk)
    job.claim("another")  # a new attempt started between the read and the update
    assert leases._reclaim(stale, timezone.now(), 3) is None
    job.refresh_from_db()
    assert job.status == TaskResultStatus.RUNNING


# --- the pieces of the supervisor -----------------------------------------------------------------------


def test_restart_delays_double_up_to_the_cap() -> None:
    from pmm.jobs.worker import backoff_delays

    delays = backoff_delays(first=0.5, cap=4)
    assert [next(delays) for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]


def test_default_sizing_follows_the_cpus() -> None:
    assert serving.default_sizing(1) == serving.Sizing(2, 4)
    assert serving.default_sizing(8) == serving.Sizing(8, 4)


def test_gunicorn_runs_threads_and_its_own_control_socket(tmp_path: Path) -> None:
    argv = serving.gunicorn_argv("[::1]:9123", serving.Sizing(3, 5), tmp_path / "ctl", json_logs=False)
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "pmm.config.wsgi:application"]
    options = dict(zip(argv[4::2], argv[5::2], strict=False))
    assert options["--bind"] == "[::1]:9123"
    assert (options["--worker-class"], options["--workers"], options["--threads"]) == ("gthread", "3", "5")
    assert options["--control-socket"] == str(tmp_path / "ctl")
    assert "--no-control-socket" in serving.gunicorn_argv("h:1", serving.Sizing(1, 1), None, json_logs=False)
    assert "python:pmm.core.gunicorn_logging" in serving.gunicorn_argv(
        "h:1", serving.Sizing(1, 1), None, json_logs=True
    )


def test_a_worker_that_dies_at_once_is_restarted_with_growing_delays(tmp_path: Path) -> None:
    """The supervisor's loop with stand-in children: a web server that runs until stopped, a worker
    that exits at once. The web server is then stopped from outside; the supervisor stops too."""
    web = [sys.executable, "-c", "import time; time.sleep(600)"]
    worker = [sys.executable, "-c", "raise SystemExit(3)"]
    supervisor = serving.Supervisor(web, worker, grace=5, first_delay=0.05, max_delay=0.2)
    records: list[str] = []

    class Collect(__import__("logging").Handler):
        def emit(self, record: Any) -> None:
            records.append(record.getMessage())
            if len([r for r in records if "restarted" in r]) == 4:
                supervisor.stopping = True

    handler = Collect()
    serving.logger.addHandler(handler)
    try:
        assert supervisor.run() == 0
    finally:
        serving.logger.removeHandler(handler)
    deaths = [r for r in records if "exited with code 3" in r]
    assert [d.rsplit(" ", 1)[1] for d in deaths[:4]] == ["0.05s", "0.1s", "0.2s", "0.2s"]
    assert supervisor.restarts == 4


def test_when_the_web_server_dies_the_supervisor_stops_the_worker_and_exits(tmp_path: Path) -> None:
    marker = tmp_path / "worker-stopped"
    web = [sys.executable, "-c", "import time; time.sleep(1); raise SystemExit(5)"]
    worker = [
        sys.executable,
        "-c",
        "import pathlib, signal, sys, time\n"
        f"signal.signal(signal.SIGTERM, lambda *a: (pathlib.Path({str(marker)!r}).touch(), sys.exit(0)))\n"
        "time.sleep(600)",
    ]
    assert serving.Supervisor(web, worker, grace=30).run() == 5
    assert marker.exists()  # the worker was asked to stop with SIGTERM (and did)


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period() -> None:
    stubborn = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print(1, flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline()  # its handler is in place
    serving.stop_all([stubborn], grace=0.5)
    assert stubborn.returncode == -signal.SIGKILL


@pytest.mark.django_db
def test_the_secretariat_sees_failed_jobs_with_their_reason_in_the_api(
    settings: Any, api_client: Any, make_user: Any, bearer: Any
) -> None:
    settings.PMM_JOB_LEASE_SECONDS = 30
    job = _running_job("gone", started=timedelta(minutes=5))
    job.worker_ids = ["a", "b", "gone"]
    job.save(update_fields=["worker_ids"])
    leases.reclaim_vanished_jobs()
    _running_job("alive", started=timedelta(minutes=5))  # not failed: not listed

    response = api_client.get("/api/v1/jobs/failed", headers=bearer(make_user("secretariat_analyst")))
    assert response.status_code == 200, response.content
    [shown] = response.json()
    assert shown["id"] == str(job.pk)
    assert (shown["task"], shown["attempts"]) == ("recompute_assessment_results", 3)
    assert shown["reason"] == "the worker running it stopped (attempt 3 of 3)"

    refused = api_client.get("/api/v1/jobs/failed", headers=bearer(make_user("ncp", "KEN")))
    assert refused.status_code == 403
    assert set(refused.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux's parent-death signal")
def test_children_do_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    sleeper = "import os, time; open(os.environ['PIDS'], 'a').write(f'{os.getpid()}\\n'); time.sleep(600)"
    program = (
        "import sys\n"
        "from pmm.serving import Supervisor\n"
        f"sleep = [sys.executable, '-c', {sleeper!r}]\n"
        "Supervisor(sleep, sleep).run()\n"
    )
    supervisor = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", program], env={**os.environ, "PIDS": str(pids)}
    )
    children: list[int] = []
    try:
        children = wait_for(
            lambda: pids.exists() and len(ids := pids.read_text().split()) == 2 and [int(i) for i in ids],
            "both children to start",
        )
        supervisor.kill()
        supervisor.wait()
        wait_for(lambda: not any(alive(pid) for pid in children), "the children to stop", timeout=30)
    finally:
        supervisor.kill()
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
