"""Benchmarks of the foundation: framework checks and loading, the main read endpoints, and the
trivial endpoint `GET /api/v1/me` that every other figure is compared to.

Run with `PMM_DEBUG=true .venv/bin/python bench/foundation.py [--runs N]` (or through `bench/run.py`).
It uses a fresh SQLite database in a temporary folder (or PMM_DATABASE_URL) and prints figures; it
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from common import ncp_of_kenya, report, timed  # sets up a throwaway database and Django, first
from django.conf import settings
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmm.core.actors import SYSTEM
from pmm.framework.loader import framework_parse
from pmm.framework.services import framework_load
from pmm.members.services import members_load


def measured(label: str, action: Callable[[], object], repeat: int) -> None:
    report(label, timed(action, repeat), width=48)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="repetitions of each GET (at least 5)")
    args = parser.parse_args()
    runs = max(5, args.runs)

    settings.ALLOWED_HOSTS.append("testserver")
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    call_command("migrate", verbosity=0)
    text = settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text()
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}")
    measured("parse and check pmm-v1.yaml (51 KPIs)", lambda: framework_parse(text), 20)
    measured("load pmm-v1 into an empty database", lambda: framework_load(actor=SYSTEM, text=text), 1)
    measured("load pmm-v1 again (unchanged)", lambda: framework_load(actor=SYSTEM, text=text), 10)
    csv = settings.PMM_DEFAULT_MEMBERS_FILE.read_text()
    measured("load 187 members into an empty database", lambda: members_load(actor=SYSTEM, text=csv), 1)
    measured("load 187 members again (unchanged)", lambda: members_load(actor=SYSTEM, text=csv), 10)
    _user, headers = ncp_of_kenya()
    client = Client()
    for url in (
        "/api/v1/me",
        "/api/v1/frameworks/pmm-v1",
        "/api/v1/members",
        "/frameworks/pmm-v1/",
        "/members/",
    ):
        client.get(url, headers=headers)  # warm
        with CaptureQueriesContext(connection) as queries:
            client.get(url, headers=headers)
        label = f"GET {url} ({len(queries.captured_queries)} queries)"
        measured(label, lambda u=url: client.get(u, headers=headers), runs)
        reset_queries()


if __name__ == "__main__":
    main()
