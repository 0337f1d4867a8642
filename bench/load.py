"""Deadline-day load test: `pmm serve` on a loopback port, driven by locust (bench/load/locustfile.py).

Run with `PMM_DEBUG=true .venv/bin/python bench/load.py [--users 50,200] [--duration 60]` (or through
`bench/run.py`). It uses a fresh SQLite database in a temporary folder (or PMM_DATABASE_URL), asserts
nothing about time, and prints, for each number of simulated users, the requests per second, p50,
p95, p99 and errors per endpoint and overall, with `GET /api/v1/me` (the trivial endpoint) as the
reference under the same load.

The data: PMM v.1 and the 187 members; last year's cycle (2023) with every member's complete
assessment submitted, computed and published, its group statistics warmed (as the worker does after a
publication); this year's cycle (2024), closing today, with every member's assessment in progress
(complete demo values, not submitted). The users: one NCP per member (an API token and a signed-in
session) and a Secretariat analyst (with two-factor set up). What they do is in the locustfile.

The server is `pmm serve` with its defaults (pass more options with `--serve-arg`), in production mode
(PMM_DEBUG off, no HTTPS), and its worker; locust runs as a separate process on the same cores.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

from common import record_figure, reference_cycle, submitted_assessments  # sets up Django, first
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from pmm.accounts.services import RoleSpec, token_create, user_create
from pmm.assessments.models import Assessment, AssessmentStatus
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.cycles.services import cycle_create
from pmm.demo import _member_infos
from pmm.demo_data import complete_plan
from pmm.results.services import publication_create, results_recompute_cycle
from pmm.results.tasks import warm_group_statistics

BENCH_DIR = Path(__file__).resolve().parent
LOCUSTFILE = BENCH_DIR / "load" / "locustfile.py"
EDITED_VALUES = 6  # values an NCP changes in one save (deadline day: a few corrections at a time)
REFERENCE = "GET /api/v1/me"


def prepare(var_dir: Path) -> dict[str, Any]:
    """The database of deadline day, and what the simulated users need (written for the locustfile)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # nobody signs in
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    started = time.perf_counter()
    reference_cycle(2024)  # migrated, framework and members loaded; its cycle is replaced below
    from pmm.cycles.models import Cycle

    Cycle.objects.filter(reporting_year=2024).delete()
    today = timezone.localdate()
    infos = _member_infos()

    previous = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2023,
        opens_on=today - timedelta(days=400),
        closes_on=today - timedelta(days=300),
    )
    spec = cycle_spec(previous)
    submitted_assessments(previous, {i.iso3: complete_plan(spec, i, seed=2023, year=2023) for i in infos})
    results_recompute_cycle(previous)
    settings.PMM_WARM_STATISTICS = False  # warmed here, at once, rather than by the server's worker
    publication = publication_create(actor=SYSTEM, cycle=previous, note="load test")
    warm_group_statistics.call(publication.pk)

    current = cycle_create(
        actor=SYSTEM,
        framework_code="pmm-v1",
        reporting_year=2024,
        opens_on=today - timedelta(days=60),
        closes_on=today,
    )
    spec = cycle_spec(current)
    plans = {i.iso3: complete_plan(spec, i, seed=2024, year=2024) for i in infos}
    submitted_assessments(current, plans)
    Assessment.objects.filter(cycle=current).update(status=AssessmentStatus.IN_PROGRESS, submitted_at=None)
    editable = {
        code
        for code, e in spec.elements.items()
        if e.value_type in {"count", "amount"} and e.maximum is None and e.derived is None
    }

    ncps = []
    for info in infos:
        user = user_create(
            actor=SYSTEM,
            username=f"load-ncp-{info.iso3.lower()}",
            email=f"ncp-{info.iso3.lower()}@load.invalid",
            password="load-password-1234",
            roles=[RoleSpec("ncp", info.iso3)],
        )
        values = [
            {"element": code, "period": period, "value": entry.value}
            for (code, period), entry in sorted(plans[info.iso3].entries.items())
            if code in editable and entry.state == "reported" and isinstance(entry.value, int | float)
        ][:EDITED_VALUES]
        ncps.append({"iso3": info.iso3, **_credentials(user), "values": values})

    from django_otp.plugins.otp_totp.models import TOTPDevice

    analyst = user_create(
        actor=SYSTEM,
        username="load-analyst",
        email="analyst@load.invalid",
        password="load-password-1234",
        roles=[RoleSpec("secretariat_analyst", None)],
    )
    TOTPDevice.objects.create(
        user=analyst, name="load", key="3132333435363738393031323334353637383930", confirmed=True
    )
    kpis = sorted(spec.kpis)
    data = {
        "current": current.pk,
        "published": previous.pk,
        "ncps": ncps,
        "secretariat": _credentials(analyst),
        "kpis": kpis,
        "members": _public_members(previous.pk, [i.iso3 for i in infos]),
    }
    _check_paths(data)
    elapsed = time.perf_counter() - started
    print(f"prepared in {elapsed:.0f} s: {len(ncps)} NCPs, publication {publication.number}")
    return data


def _credentials(user: Any) -> dict[str, str]:
    """An API token and a signed-in session (its cookie) for `user`."""
    client = Client()
    client.force_login(user)
    return {
        "token": token_create(actor=SYSTEM, user=user, name="load")[1],
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }


def _public_members(cycle: int, members: list[str]) -> list[str]:
    """The members that have a public page in `cycle` (those that disclosed nothing publicly have none)."""
    settings.ALLOWED_HOSTS.append("testserver")
    client = Client()
    logging.disable(logging.WARNING)  # each "Not Found"
    try:
        return [
            iso3
            for iso3 in members
            if client.get(f"/public/cycles/{cycle}/members/{iso3}/").status_code == 200
        ]
    finally:
        logging.disable(logging.NOTSET)


def _check_paths(data: dict[str, Any]) -> None:
    """Every kind of request the locustfile makes answers 200 here, before any load (a wrong path
    would otherwise only show as errors under load)."""
    settings.ALLOWED_HOSTS.append("testserver")
    ncp = data["ncps"][0]
    bearer = {"Authorization": f"Bearer {ncp['token']}"}
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = ncp["session"]
    cur, pub, iso3 = data["current"], data["published"], ncp["iso3"]
    paths = [
        (f"/api/v1/cycles/{cur}/assessments/{iso3}", bearer),
        (f"/api/v1/cycles/{pub}/members/{iso3}/dashboard", bearer),
        (f"/cycles/{pub}/members/{iso3}/dashboard/", {}),
        (f"/api/v1/cycles/{pub}/results", bearer),
        ("/public/", {}),
        (f"/public/cycles/{pub}/members/{data['members'][0]}/", {}),
        (f"/public/cycles/{pub}/kpis/{data['kpis'][0]}/", {}),
    ]
    for path, headers in paths:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}: {response.content[:300]!r}")
    board = Client()
    board.cookies[settings.SESSION_COOKIE_NAME] = data["secretariat"]["session"]
    response = board.get(f"/cycles/{cur}/board/")
    if response.status_code != 200:
        raise SystemExit(f"GET the status board answered {response.status_code}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(var_dir: Path) -> dict[str, str]:
    """The server's environment: production mode without HTTPS, on the database prepared here."""
    env = {k: v for k, v in os.environ.items() if k != "PMM_BENCH_FIGURES"}
    env.update(
        PMM_DEBUG="false",
        PMM_HTTPS="false",
        PMM_SECRET_KEY=settings.SECRET_KEY,  # the sessions made here are signed with it
        PMM_VAR_DIR=str(var_dir),
        PMM_ALLOWED_HOSTS="127.0.0.1,localhost",
        PMM_PROFILE_FILE=str(var_dir / "server.prof"),
    )
    return env


def serve_command(port: int, serve_args: list[str], var_dir: Path, profile: bool) -> list[str]:
    """`pmm serve` with its defaults and `serve_args`; or, to profile, gunicorn with one synchronous
    worker under cProfile (bench/load/gunicorn_profile.py), after collecting the static files."""
    if not profile:
        return [
            sys.executable,
            "-m",
            "pmm.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *serve_args,
        ]
    collect = [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(
        collect, env={**server_env(var_dir), "DJANGO_SETTINGS_MODULE": "pmm.config.settings"}, check=True
    )
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "pmm.config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        "sync",
        "--config",
        str(BENCH_DIR / "load" / "gunicorn_profile.py"),
    ]


def start_server(command: list[str], port: int, var_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    """The server (and its worker) in a process group of its own; returns once it answers."""
    server = subprocess.Popen(
        command,
        env=server_env(var_dir),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"pmm serve stopped (exit {server.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/public/", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"pmm serve did not answer within 120 s; see {log}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn and the worker it started (the server's process group, started here)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    deadline = time.monotonic() + 30  # what is left of the group (the job worker, a profiled worker
    while time.monotonic() < deadline:  # writing its profile) gets time to finish, then is killed
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)


def run_locust(host: str, users: int, spawn_rate: int, seconds: int, users_file: Path, prefix: Path) -> None:
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    env = {**os.environ, "PMM_LOAD_USERS": str(users_file)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 300)
    if done.returncode not in (0, 1):  # 1: some requests failed, reported below
        print(done.stdout[-3000:], done.stderr[-3000:])
        raise SystemExit(f"locust exited with {done.returncode}")


def summary(prefix: Path, users: int) -> list[dict[str, Any]]:
    """Locust's per-endpoint figures, printed, and recorded (median, p95, p99, errors)."""
    with open(f"{prefix}_stats.csv", newline="") as stats_file:
        rows = list(csv.DictReader(stats_file))
    total_time = sum(
        float(r["Average Response Time"]) * int(r["Request Count"]) for r in rows if r["Name"] != "Aggregated"
    )
    columns = ("req", "req/s", "p50", "p95", "p99", "err", "time %")
    print(f"\n{users} users: {'endpoint':<48} " + " ".join(f"{c:>6}" for c in columns))
    out = []
    for row in rows:
        count = int(row["Request Count"])
        if not count:
            continue
        name = row["Name"] if row["Name"] != "Aggregated" else "all requests"
        share = (
            float(row["Average Response Time"]) * count / total_time * 100
            if row["Name"] != "Aggregated"
            else 100.0
        )
        figure = {
            "name": name,
            "requests": count,
            "rps": float(row["Requests/s"]),
            "p50": float(row["50%"]),
            "p95": float(row["95%"]),
            "p99": float(row["99%"]),
            "errors": int(row["Failure Count"]),
            "time_share": share,
        }
        out.append(figure)
        cells = (count, figure["rps"], figure["p50"], figure["p95"], figure["p99"], figure["errors"], share)
        print(f"{'':>{len(str(users)) + 8}}{name[:48]:<48} " + " ".join(f"{c:>6.0f}" for c in cells))
        record_figure(f"load {users} users: {name}: p50", [figure["p50"]])
        record_figure(f"load {users} users: {name}: p95", [figure["p95"]])
    overall = next(f for f in out if f["name"] == "all requests")
    _record_count(f"load {users} users: requests per second", overall["rps"])
    _record_count(f"load {users} users: errors", overall["errors"])
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        for row in list(csv.DictReader(failures.open(newline="")))[:10]:
            print(f"  error x{row['Occurrences']}: {row['Method']} {row['Name']}: {row['Error'][:200]}")
    return out


def _record_count(label: str, value: float) -> None:
    """A figure that is not a time (requests per second, errors): recorded as is, in the ms field."""
    record_figure(label, [value])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", default="50,200", help="numbers of simulated users, one run each")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load per number of users")
    parser.add_argument("--spawn-rate", type=int, default=20, help="users started per second")
    parser.add_argument("--serve-arg", action="append", default=[], help="an option passed to `pmm serve`")
    parser.add_argument("--keep", action="store_true", help="leave the server running until Ctrl+C")
    parser.add_argument(
        "--profile", action="store_true", help="one synchronous worker under cProfile; print its top costs"
    )
    args = parser.parse_args()

    var_dir = Path(os.environ["PMM_VAR_DIR"])
    data = prepare(var_dir)
    users_file = var_dir / "load-users.json"
    users_file.write_text(json.dumps(data))
    connections.close_all()
    port = free_port()
    log = var_dir / "serve.log"
    command = serve_command(port, args.serve_arg, var_dir, args.profile)
    server = start_server(command, port, var_dir, log)
    try:
        host = f"http://127.0.0.1:{port}"
        for users in [int(u) for u in args.users.split(",") if u.strip()]:
            prefix = var_dir / f"locust-{users}"
            started = time.perf_counter()
            run_locust(host, users, args.spawn_rate, args.duration, users_file, prefix)
            print(f"({users} users for {args.duration} s, wall {time.perf_counter() - started:.0f} s)")
            summary(prefix, users)
        if args.keep:
            print(f"serving {host} (log {log}); Ctrl+C to stop")
            server.wait()
    finally:
        stop_server(server)
    if args.profile:
        print_profile(var_dir / "server.prof")


def print_profile(path: Path) -> None:
    """The worker's top costs: the platform's functions by cumulative time, then all by own time."""
    import pstats

    if not path.exists():
        print(f"no profile written ({path})")
        return
    stats = pstats.Stats(str(path))
    print("\n--- server worker, cumulative time, platform code ---")
    stats.sort_stats("cumulative").print_stats(r"pmm/", 40)
    print("--- server worker, own time ---")
    stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
