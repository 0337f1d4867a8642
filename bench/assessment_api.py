"""Benchmark: saving a full self-assessment through the API, and reading it back.

Run with `PMM_DEBUG=true .venv/bin/python bench/assessment_api.py [--runs N] [--profile]`. It uses a
fresh SQLite database in a temporary folder (or PMM_DATABASE_URL) and prints figures; it asserts
nothing about time. The payload is a member's complete demo assessment (`pmm.demo_data`): every
value the framework needs, for T and T-1, in one `PUT .../values` batch.

Measured, each through Django's test client with a bearer token:
- PUT of the full batch on a fresh assessment (the first save also starts the assessment);
- PUT of the full batch on an existing assessment where every value changes;
- PUT of the same batch again (nothing changes);
- GET of the assessment (values, KPI choices, issues, completeness).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import reference_cycle, report  # sets up a throwaway database and Django, first
from django.conf import settings
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pmm.accounts.services import RoleSpec, token_create, user_create
from pmm.core.actors import SYSTEM
from pmm.cycles.selectors import cycle_spec
from pmm.demo import _member_infos
from pmm.demo_data import complete_plan

PROFILE_ABOVE_SECONDS = 0.5


BUMPABLE: set[str] = set()  # elements whose values can grow without leaving their range


def payload(items: list[Any], version: int, bump: int = 0) -> str:
    """The JSON body of a values write; `bump` changes every count, amount and duration."""
    values = []
    for item in items:
        value = item.value
        if (
            bump
            and item.element in BUMPABLE
            and isinstance(value, int | float)
            and not isinstance(value, bool)
        ):
            value = value + bump
        values.append(
            {
                "element": item.element,
                "period": item.period,
                "value": value,
                "state": item.state,
                "reason": item.reason,
            }
        )
    return json.dumps({"version": version, "values": values})


def put(client: Client, url: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    response = client.put(url, body, content_type="application/json", headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"PUT {url} answered {response.status_code}: {response.content[:2000]!r}")
    return response.json()


def profiled(label: str, action: Callable[[], object], limit: int = 25) -> None:
    profile = cProfile.Profile()
    profile.enable()
    action()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(r"pmm|django/db/models/(query|base|sql/compiler)", limit)
    print(f"\n--- cProfile of {label} (cumulative, project and ORM frames) ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:8000])
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
    print(f"--- cProfile of {label} (own time) ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:4000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="repetitions of each measure (at least 10)")
    parser.add_argument("--profile", action="store_true", help="profile each write and 20 reads")
    args = parser.parse_args()
    runs = max(10, args.runs)

    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    cycle = reference_cycle()
    spec = cycle_spec(cycle)
    BUMPABLE.update(
        code
        for code, e in spec.elements.items()
        if e.value_type in {"count", "amount", "hours", "days"} and e.maximum is None
    )
    # Members that report every KPI: one to warm up, one per fresh save, one for the updates, one spare.
    members = [m for m in _member_infos() if not m.island][: runs + 3]
    tokens: dict[str, dict[str, str]] = {}
    plans = {}
    for member in members:
        user = user_create(
            actor=SYSTEM,
            username=f"bench-{member.iso3.lower()}",
            email=f"{member.iso3.lower()}@bench.invalid",
            password="bench-password-123",
            roles=[RoleSpec("ncp", member.iso3)],
        )
        _token, secret = token_create(actor=SYSTEM, user=user, name="bench")
        tokens[member.iso3] = {"Authorization": f"Bearer {secret}"}
        plan = complete_plan(spec, member, 1, 2024)
        final = {(i.element, i.period): i for batch in plan.batches for i in batch.items}
        plans[member.iso3] = list(final.values())
    client = Client()
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}")
    print(f"payload: {len(plans[members[0].iso3])} values (every needed value of pmm-v1, T and T-1)\n")

    def url(iso3: str, suffix: str = "") -> str:
        return f"/api/v1/cycles/{cycle.pk}/assessments/{iso3}{suffix}"

    warm, fresh_members, target, spare = (
        members[0],
        members[1 : runs + 1],
        members[runs + 1],
        members[runs + 2],
    )
    put(client, url(warm.iso3, "/values"), payload(plans[warm.iso3], 0), tokens[warm.iso3])  # warm caches

    durations, counts = [], []
    for member in fresh_members:
        body = payload(plans[member.iso3], 0)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            put(client, url(member.iso3, "/values"), body, tokens[member.iso3])
            durations.append(time.perf_counter() - start)
        counts.append(len(queries.captured_queries))
    report("PUT values, full batch, fresh assessment", durations, max(counts))
    fresh_median = statistics.median(durations)

    headers = tokens[target.iso3]
    version = put(client, url(target.iso3, "/values"), payload(plans[target.iso3], 0), headers)["version"]
    durations, counts = [], []
    for run in range(runs):
        body = payload(plans[target.iso3], version, bump=run % 2 + 1)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            version = put(client, url(target.iso3, "/values"), body, headers)["version"]
            durations.append(time.perf_counter() - start)
        counts.append(len(queries.captured_queries))
    changed = sum(1 for i in plans[target.iso3] if i.element in BUMPABLE and i.state == "reported")
    report(f"PUT values, full batch, {changed} values changed", durations, max(counts))
    update_median = statistics.median(durations)

    durations = []
    for _run in range(runs):
        body = payload(plans[target.iso3], version, bump=(runs - 1) % 2 + 1)
        start = time.perf_counter()
        version = put(client, url(target.iso3, "/values"), body, headers)["version"]
        durations.append(time.perf_counter() - start)
    report("PUT values, full batch, nothing changed", durations)

    durations = []
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url(target.iso3), headers=headers)
    get_queries = len(queries.captured_queries)  # read now: each request resets the query log
    for _run in range(runs):
        start = time.perf_counter()
        response = client.get(url(target.iso3), headers=headers)
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:500]
    report("GET assessment", durations, get_queries)
    history = client.get(url(target.iso3, "/history"), headers=headers).json()
    print(f"\n(the updated assessment now holds {len(history)} history rows, version {version})")

    if args.profile or max(fresh_median, update_median) > PROFILE_ABOVE_SECONDS:
        profiled(
            "PUT values, fresh assessment",
            lambda: put(
                client, url(spare.iso3, "/values"), payload(plans[spare.iso3], 0), tokens[spare.iso3]
            ),
        )
        body = payload(plans[target.iso3], version, bump=3)
        profiled(
            "PUT values, values changed", lambda: put(client, url(target.iso3, "/values"), body, headers)
        )
        profiled("GET assessment", lambda: [client.get(url(target.iso3), headers=headers) for _ in range(20)])


if __name__ == "__main__":
    main()
