"""Benchmarks of the foundation: framework checks and loading, and the main read endpoints.

Run with `make bench`. It uses a fresh SQLite database in a temporary folder (or PMM_DATABASE_URL)
and prints figures; it asserts nothing about time.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import common  # noqa: F401  (sets up a throwaway database and Django, first)
from django.conf import settings
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmm.core.actors import SYSTEM
from pmm.framework.loader import framework_parse
from pmm.framework.services import framework_load
from pmm.members.services import members_load


def timed(label: str, action: Callable[[], object], repeat: int) -> None:
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        durations.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<48} median {statistics.median(durations):8.1f} ms   "
        f"min {min(durations):8.1f} ms   max {max(durations):8.1f} ms   (n={repeat})"
    )


def main() -> None:
    settings.ALLOWED_HOSTS.append("testserver")
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    call_command("migrate", verbosity=0)
    text = settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text()
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}")
    timed("parse and check pmm-v1.yaml (51 KPIs)", lambda: framework_parse(text), 20)
    timed("load pmm-v1 into an empty database", lambda: framework_load(actor=SYSTEM, text=text), 1)
    timed("load pmm-v1 again (unchanged)", lambda: framework_load(actor=SYSTEM, text=text), 10)
    csv = settings.PMM_DEFAULT_MEMBERS_FILE.read_text()
    timed("load 187 members into an empty database", lambda: members_load(actor=SYSTEM, text=csv), 1)
    timed("load 187 members again (unchanged)", lambda: members_load(actor=SYSTEM, text=csv), 10)
    client = Client()
    for url in ("/api/v1/frameworks/pmm-v1", "/api/v1/members", "/frameworks/pmm-v1/", "/members/"):
        client.get(url)  # warm
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        timed(f"GET {url} ({len(queries.captured_queries)} queries)", lambda u=url: client.get(u), 30)
        reset_queries()


if __name__ == "__main__":
    main()
