"""`pmm serve`: gunicorn and the job worker, as two children of one small supervisor process.

- gunicorn serves the web (gthread workers, sized from the CPU count unless told otherwise);
- the job worker (`pmm worker`) is restarted when it dies, after a delay that doubles on each quick
  death (1 s, 2 s, 4 s … at most 60 s), each death and restart logged on one line;
- SIGTERM or SIGINT stops both: each gets SIGTERM, then SIGKILL if it has not stopped after the
  grace period; if gunicorn dies, the supervisor stops the worker and exits too;
- each instance gives gunicorn its own control socket, in a private directory removed at the end, so
  several `pmm serve` on one host never share one.

In production the web server and the worker may instead run as two systemd services (docs/jobs.md).
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

logger = logging.getLogger("pmm.serve")

THREADS_PER_PROCESS = 4
RESTART_FIRST_DELAY = 1.0
RESTART_MAX_DELAY = 60.0
STABLE_AFTER_SECONDS = 60.0  # a worker that ran this long before dying is restarted after the first delay
STOP_GRACE_SECONDS = 15.0
POLL_SECONDS = 0.2
PR_SET_PDEATHSIG = 1  # prctl(2)


@dataclass(frozen=True)
class Sizing:
    processes: int
    threads: int

    def describe(self) -> str:
        p, t = self.processes, self.threads
        return f"{p} process{'es' if p != 1 else ''} x {t} thread{'s' if t != 1 else ''}"


def default_sizing(cpus: int | None = None) -> Sizing:
    """One gunicorn process per CPU (at least two, so one slow request never blocks the site), each
    with four threads: requests mostly wait on the database, and threads share one process's memory."""
    count = cpus if cpus is not None else (os.cpu_count() or 1)
    return Sizing(processes=max(2, count), threads=THREADS_PER_PROCESS)


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def gunicorn_argv(bind: str, sizing: Sizing, control_socket: Path | None, json_logs: bool) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "pmm.config.wsgi:application",
        "--bind",
        bind,
        "--worker-class",
        "gthread",
        "--workers",
        str(sizing.processes),
        "--threads",
        str(sizing.threads),
        "--graceful-timeout",
        str(int(STOP_GRACE_SECONDS) - 5),
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %({x-request-id}o)s',
    ]
    if json_logs:
        argv += ["--config", "python:pmm.core.gunicorn_logging"]
    if control_socket is None:
        return [*argv, "--no-control-socket"]
    return [*argv, "--control-socket", str(control_socket)]


def worker_argv() -> list[str]:
    return [sys.executable, "-m", "pmm.cli", "worker"]


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    """Runs the web server and the job worker; restarts the worker; stops both on a signal."""

    def __init__(
        self,
        web: Sequence[str],
        worker: Sequence[str],
        *,
        grace: float = STOP_GRACE_SECONDS,
        first_delay: float = RESTART_FIRST_DELAY,
        max_delay: float = RESTART_MAX_DELAY,
        stable_after: float = STABLE_AFTER_SECONDS,
    ) -> None:
        self.web_argv = list(web)
        self.worker_argv = list(worker)
        self.grace = grace
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.stopping = False
        self.restarts = 0
        self.delay = first_delay

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _start_worker(self) -> subprocess.Popen[bytes]:
        return _start_child(self.worker_argv)

    def run(self) -> int:
        """Run until a signal or gunicorn's end; return the exit code for the supervisor."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        web = _start_child(self.web_argv)
        first_worker = self._start_worker()
        logger.warning(
            "supervisor %d: web server pid %d, job worker pid %d", os.getpid(), web.pid, first_worker.pid
        )
        worker: subprocess.Popen[bytes] | None = first_worker
        worker_started = time.monotonic()
        restart_at = 0.0
        code = 0
        try:
            while not self.stopping:
                if (web_code := web.poll()) is not None:
                    logger.error("the web server %s; stopping", describe_exit(web_code))
                    code = web_code or 1
                    break
                now = time.monotonic()
                if worker is not None and (worker_code := worker.poll()) is not None:
                    if now - worker_started > self.stable_after:
                        self.delay = self.first_delay  # it had run well: start again from the short delay
                    logger.warning(
                        "the job worker (pid %d) %s; restarting it in %gs",
                        worker.pid,
                        describe_exit(worker_code),
                        self.delay,
                    )
                    worker, restart_at = None, now + self.delay
                    self.delay = min(self.delay * 2, self.max_delay)
                if worker is None and now >= restart_at:
                    worker, worker_started = self._start_worker(), now
                    self.restarts += 1
                    logger.warning("the job worker restarted (pid %d, restart %d)", worker.pid, self.restarts)
                time.sleep(POLL_SECONDS)
        finally:
            stop_all([p for p in (worker, web) if p is not None], self.grace)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return code


def _die_with_supervisor() -> None:
    """In the child, before it starts (Linux): get SIGTERM if the supervisor itself is killed, so that
    a `kill -9` of the supervisor leaves no orphan serving or running jobs."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start_child(argv: list[str]) -> subprocess.Popen[bytes]:
    """Start a child in its own process group: a Ctrl+C reaches the supervisor only, which then stops
    the children in order (a second signal would interrupt the worker's current job)."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        argv, process_group=0, preexec_fn=_die_with_supervisor
    )


def stop_all(processes: Sequence[subprocess.Popen[bytes]], grace: float) -> None:
    """SIGTERM to each running process, then SIGKILL to those still running after `grace` seconds."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            logger.warning("pid %d did not stop within %gs; killing it", process.pid, grace)
            process.kill()
            process.wait()


def serve(host: str, port: int, sizing: Sizing, *, json_logs: bool) -> int:
    """Supervise gunicorn (on host:port, sized) and the job worker; return the exit code."""
    runtime_dir = Path(tempfile.mkdtemp(prefix="pmm-serve-"))  # private (0700), this instance's own
    try:
        web = gunicorn_argv(bind_address(host, port), sizing, runtime_dir / "gunicorn.ctl", json_logs)
        return Supervisor(web, worker_argv()).run()
    finally:
        shutil.rmtree(runtime_dir, ignore_errors=True)
