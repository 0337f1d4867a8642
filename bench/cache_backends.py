"""Benchmark: writing to and reading from the shared cache as it fills up, with Django's file-based
cache (the platform's cache until December 2026) and diskcache (its cache since: decision 0017).

Run with `PMM_DEBUG=true .venv/bin/python bench/cache_backends.py [--runs N]`. Each backend gets an
empty folder of its own, is filled with N entries of a group-statistics-sized value, then writes and
reads 50 more; the medians are printed beside `GET /api/v1/me` of the same run. Django's file-based
cache lists every file of its folder on each write (to decide whether to cull), so its writes slow down
as the cache grows; diskcache keeps an index and does not."""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from common import ncp_of_kenya, reference_cycle, report, timed  # sets up the database and Django, first
from diskcache import DjangoCache
from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache
from django.test import Client

VALUE = {"rows": [(i, "KEN", 1.5 * i, "computed") for i in range(400)]}  # about 10 KB pickled


def _measure(label: str, make: Callable[[str], Any], entries: int, runs: int) -> None:
    cache = make(tempfile.mkdtemp(prefix="pmm-bench-cache-"))
    for i in range(entries):
        cache.set(f"filled-{i}", VALUE, timeout=3600)
    writes: list[float] = []
    reads: list[float] = []
    for i in range(runs):
        start = time.perf_counter()
        cache.set(f"new-{i}", VALUE, timeout=3600)
        writes.append(time.perf_counter() - start)
        start = time.perf_counter()
        cache.get(f"filled-{random.randrange(entries)}")
        reads.append(time.perf_counter() - start)
    report(f"cache write, {label}, {entries} entries", writes)
    report(f"cache read, {label}, {entries} entries", reads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="writes and reads measured per size")
    parser.add_argument("--sizes", default="100,1000,5000", help="entries in the cache before measuring")
    args = parser.parse_args()
    reference_cycle()
    settings.ALLOWED_HOSTS.append("testserver")
    _user, headers = ncp_of_kenya()
    client = Client()
    client.get("/api/v1/me", headers=headers)
    yardstick = timed(lambda: client.get("/api/v1/me", headers=headers), 30)
    report("GET /api/v1/me (the yardstick)", yardstick)
    backends = {
        "file-based": lambda folder: FileBasedCache(folder, {"OPTIONS": {"MAX_ENTRIES": 20_000}}),
        "diskcache": lambda folder: DjangoCache(folder, settings.CACHES["default"]),
    }
    for size in (int(s) for s in args.sizes.split(",")):
        for label, make in backends.items():
            _measure(label, make, size, args.runs)
    print(f"median GET /api/v1/me: {statistics.median(yardstick) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
