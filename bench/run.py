"""The one benchmark command: every bench, on SQLite and/or PostgreSQL, then one summary table.

    PMM_DEBUG=true .venv/bin/python bench/run.py            # full (`make bench`), 15 to 20 minutes
    PMM_DEBUG=true .venv/bin/python bench/run.py --quick    # fewer repetitions, short load test (~8 min)
    ... bench/run.py --database both --json figures.json    # SQLite and PostgreSQL side by side

Each bench runs as a subprocess on a database of its own: a fresh SQLite file in a temporary folder,
or a scratch PostgreSQL database `pmm_bench_<pid>` on 127.0.0.1:5432 (user postgres), created before
and dropped after each bench. The benches append their figures to a file (`common.record_figure`);
this command collects them, and prints the figures of docs/performance.md's table with their ratio to
the median `GET /api/v1/me` of the same run (the bench's own, else the foundation bench's), and the
goal. The deadline-day load test (bench/load.py) runs last. Nothing here asserts anything about time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
POSTGRES = "postgres://postgres@127.0.0.1:5432/"
ME = "GET /api/v1/me"


@dataclass(frozen=True)
class Bench:
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]


BENCHES = [
    Bench("foundation.py", ("--runs", "30"), ("--runs", "10")),
    Bench("assessment_api.py", ("--runs", "15"), ("--runs", "10")),
    Bench("workbook.py", (), ()),
    Bench("results.py", ("--runs", "10"), ("--runs", "3")),
    Bench("results_api.py", ("--runs", "10"), ("--runs", "3")),
    Bench("group_stats.py", ("--runs", "7", "--warm-runs", "3"), ("--runs", "3", "--warm-runs", "1")),
    Bench("dashboard.py", ("--runs", "10"), ("--runs", "3")),
    Bench("analytics.py", ("--runs", "10"), ("--runs", "3")),
    Bench("reports.py", ("--runs", "5"), ("--runs", "3")),
    Bench("load.py", ("--users", "50,200", "--duration", "120"), ("--users", "50,200", "--duration", "40")),
]


@dataclass(frozen=True)
class Row:
    """A line of the table: which figure of which bench, and the goal (on the time, or on the ratio)."""

    what: str
    bench: str
    label: str
    goal: str
    met: Callable[[float, float], bool]  # (figure, reference) -> goal met
    unit: str = "ms"
    against: str = ""  # the label of the same bench's figure to compare with, when not GET /api/v1/me


def _at_most(ms: float) -> Callable[[float, float], bool]:
    return lambda figure, _me: figure <= ms


def _ratio_at_most(times: float) -> Callable[[float, float], bool]:
    return lambda figure, me: figure <= times * me


ROWS = [
    Row(
        "KPI engine, 187 members x 51 KPIs (pure)",
        "results.py",
        "engine: compute 187 members (pure)",
        "<= 100 ms",
        _at_most(100),
    ),
    Row(
        "recompute and store a cycle",
        "results.py",
        "recompute and store the cycle (results_recompute_cycle)",
        "<= 200 ms",
        _at_most(200),
    ),
    Row(
        "publish 10,659 figures",
        "results.py",
        "publish the cycle (10659 figures)",
        "<= 500 ms",
        _at_most(500),
    ),
    Row(
        "group statistics warm-up (189 audiences)",
        "group_stats.py",
        "warm-up job, all audiences (189), empty cache",
        "<= 10 s",
        _at_most(10_000),
    ),
    Row(
        "dashboard API, first request after a publication (the job has warmed it)",
        "dashboard.py",
        "GET dashboard API, first after the warm-up job",
        "<= 5x warm",
        _ratio_at_most(5),
        against="GET dashboard API, warm",
    ),
    Row(
        "dashboard API, cold (asked before the job reached the reader)",
        "dashboard.py",
        "GET dashboard API, cold, public releases shared",
        "<= 5x warm",
        _ratio_at_most(5),
        against="GET dashboard API, warm",
    ),
    Row("dashboard page, warm", "dashboard.py", "GET dashboard page, warm", "<= 10x /me", _ratio_at_most(10)),
    Row("analytics page, warm", "analytics.py", "GET analytics page, warm", "<= 10x /me", _ratio_at_most(10)),
    Row(
        "analytics page, first after the warm-up job",
        "analytics.py",
        "GET analytics page, first after the warm-up job",
        "",
        lambda _f, _m: True,
    ),
    Row(
        "analytics chart CSV, cold (nothing cached)",
        "analytics.py",
        "GET analytics chart CSV, cold",
        "<= 10x /me",
        _ratio_at_most(10),
    ),
    Row(
        "analytics chart CSV, warm",
        "analytics.py",
        "GET analytics chart CSV, warm",
        "<= 10x /me",
        _ratio_at_most(10),
    ),
    Row(
        "country report PDF, full edition, cold",
        "reports.py",
        "country report PDF, NCP of Kenya, cold",
        "<= 3 s",
        _at_most(3000),
    ),
    Row(
        "country report PDF, public edition, cold",
        "reports.py",
        "country report PDF, public, cold",
        "<= 3 s",
        _at_most(3000),
    ),
    Row(
        "global report PDF, Secretariat edition, cold",
        "reports.py",
        "global report PDF, Secretariat, cold",
        "<= 20 s",
        _at_most(20000),
    ),
    Row(
        "global report PDF, public edition, cold",
        "reports.py",
        "global report PDF, public, cold",
        "<= 20 s",
        _at_most(20000),
    ),
    Row(
        "/results.xlsx for an NCP",
        "results.py",
        "GET /results.xlsx as NCP of Kenya",
        "<= 1 s",
        _at_most(1000),
    ),
    Row(
        "/results.xlsx for an NCP, downloaded again (answer kept)",
        "results.py",
        "GET /results.xlsx as NCP of Kenya, answer kept",
        "",
        lambda _f, _m: True,
    ),
    Row(
        "results API, a whole published cycle for an NCP (rows cached for the audience)",
        "results_api.py",
        "GET /results as NCP of Kenya, cached",
        "",
        lambda _f, _m: True,
    ),
    Row(
        "/aggregates (all KPIs) cold for an NCP",
        "group_stats.py",
        "GET /aggregates as the NCP of Kenya, cold",
        "<= 300 ms",
        _at_most(300),
    ),
    Row(
        "load, 50 users: p95 (all requests)",
        "load.py",
        "load 50 users: all requests: p95",
        "<= 200 ms",
        _at_most(200),
    ),
    Row(
        "load, 50 users: req/s",
        "load.py",
        "load 50 users: requests per second",
        "",
        lambda _f, _m: True,
        "req/s",
    ),
    Row("load, 50 users: errors", "load.py", "load 50 users: errors", "0", lambda f, _m: f == 0, "errors"),
    Row(
        "load, 200 users: p50 (all requests)",
        "load.py",
        "load 200 users: all requests: p50",
        "",
        lambda _f, _m: True,
    ),
    Row(
        "load, 200 users: p95 (all requests)",
        "load.py",
        "load 200 users: all requests: p95",
        "<= 500 ms",
        _at_most(500),
    ),
    Row(
        "load, 200 users: req/s",
        "load.py",
        "load 200 users: requests per second",
        "",
        lambda _f, _m: True,
        "req/s",
    ),
    Row("load, 200 users: errors", "load.py", "load 200 users: errors", "0", lambda f, _m: f == 0, "errors"),
]


def _postgres(statement: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as connection:
        connection.execute(statement)


def run_bench(bench: Bench, database: str, quick: bool) -> tuple[list[dict[str, Any]], float, int]:
    """Run one bench on a fresh database; its figures, its wall time and its exit code."""
    with tempfile.TemporaryDirectory(prefix="pmm-bench-") as var_dir:
        figures_file = Path(var_dir) / "figures.jsonl"
        env = {**os.environ, "PMM_VAR_DIR": var_dir, "PMM_BENCH_FIGURES": str(figures_file)}
        env.setdefault("PMM_DEBUG", "true")
        env["PYTHONUNBUFFERED"] = "1"  # each bench's lines as they come
        scratch = f"pmm_bench_{os.getpid()}"
        if database == "postgres":
            _postgres(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
            _postgres(f"CREATE DATABASE {scratch}")
            env["PMM_DATABASE_URL"] = POSTGRES + scratch
        else:
            env.pop("PMM_DATABASE_URL", None)
        command = [sys.executable, str(BENCH_DIR / bench.script), *(bench.quick if quick else bench.full)]
        print(f"\n=== {database}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        try:
            code = subprocess.run(command, env=env, cwd=BENCH_DIR.parent, timeout=3600).returncode
        except subprocess.TimeoutExpired:
            code = -1
        finally:
            if database == "postgres":
                _postgres(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")
        wall = time.perf_counter() - started
        lines = figures_file.read_text().splitlines() if figures_file.exists() else []
        return [json.loads(line) for line in lines], wall, code


def me_of(figures: list[dict[str, Any]], bench: str, label: str = "") -> float | None:
    """The median GET /api/v1/me of the same run: for a load figure, its p50 under the same load;
    else the bench's own, or the foundation bench's."""
    if label.startswith("load "):
        users = label.split(" users:", 1)[0]
        return next(
            (float(f["median_ms"]) for f in figures if f["label"] == f"{users} users: {ME}: p50"), None
        )
    for source in (bench, "foundation.py"):
        for f in figures:
            if f["bench"] == source and f["label"].startswith(ME):
                return float(f["median_ms"])
    return None


def figure_of(figures: list[dict[str, Any]], row: Row) -> float | None:
    """The row's figure: the bench's figure of that label, or of that label and a note in brackets
    (a bench may say more, e.g. "cold (nothing cached)")."""
    for f in figures:
        if f["bench"] == row.bench and (f["label"] == row.label or f["label"].startswith(row.label + " (")):
            return float(f["median_ms"])
    return None


def _cell(row: Row, figures: list[dict[str, Any]]) -> str:
    """The row's figure, its ratio to GET /api/v1/me, and whether it meets the goal (a ratio goal
    without a GET /api/v1/me to compare with counts as not met)."""
    value = figure_of(figures, row)
    if value is None:
        return "not measured"
    if row.unit != "ms":
        return f"{value:,.1f} {row.unit}" if row.unit == "req/s" else f"{value:,.0f} {row.unit}"
    if row.against:
        me = figure_of(figures, Row("", row.bench, row.against, "", row.met))
        ratio = f" = {value / me:,.1f}x warm" if me else ""
    else:
        me = me_of(figures, row.bench, row.label)
        ratio = f" = {value / me:,.1f}x /me" if me else ""
    verdict = "" if not row.goal else (" (met)" if row.met(value, me or float("nan")) else " (not met)")
    return f"{value:,.0f} ms{ratio}{verdict}"


def summary(results: dict[str, list[dict[str, Any]]]) -> str:
    """The table of docs/performance.md, one column per database, in Markdown."""
    databases = list(results)
    lines = [
        "| what | " + " | ".join(databases) + " | goal |",
        "|---|" + "---|" * len(databases) + "---|",
    ]
    mes = [me_of(results[d], "foundation.py") for d in databases]
    lines.append(
        "| GET /api/v1/me (foundation bench: the yardstick) | "
        + " | ".join(f"{m:,.1f} ms" if m else "not measured" for m in mes)
        + " | |"
    )
    for row in ROWS:
        lines.append(
            f"| {row.what} | " + " | ".join(_cell(row, results[d]) for d in databases) + f" | {row.goal} |"
        )
    for users in (50, 200):
        load_me = [me_of(results[d], "load.py", f"load {users} users:") for d in databases]
        if any(load_me):
            lines.append(
                f"| GET /api/v1/me p50 under load, {users} users (the yardstick of the load rows) | "
                + " | ".join(f"{m:,.0f} ms" if m else "not measured" for m in load_me)
                + " | |"
            )
    return "\n".join(lines)


def load_table(results: dict[str, list[dict[str, Any]]]) -> str:
    """Per endpoint of the load test: p50 and p95 at each number of users, for each database."""
    names: list[str] = []
    for figures in results.values():
        for f in figures:
            if f["bench"] == "load.py" and f["label"].endswith(": p95") and "users: " in f["label"]:
                name = f["label"].split("users: ", 1)[1][: -len(": p95")]
                if name not in names:
                    names.append(name)
    if not names:
        return ""
    header = (
        "| endpoint | " + " | ".join(f"{d}, {u} users p50 / p95" for d in results for u in (50, 200)) + " |"
    )
    lines = [header, "|---|" + "---|" * (2 * len(results))]
    for name in sorted(names):
        cells = []
        for figures in results.values():
            for users in (50, 200):
                p = {
                    q: next(
                        (f["median_ms"] for f in figures if f["label"] == f"load {users} users: {name}: {q}"),
                        None,
                    )
                    for q in ("p50", "p95")
                }
                cells.append(f"{p['p50']:,.0f} / {p['p95']:,.0f} ms" if p["p95"] is not None else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a short load test")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--only", help="comma-separated benches to run (e.g. results,load)")
    parser.add_argument("--json", type=Path, help="also write every figure of every bench to this file")
    args = parser.parse_args()

    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    chosen = (
        {f"{name.strip().removesuffix('.py')}.py" for name in args.only.split(",")} if args.only else None
    )
    benches = [b for b in BENCHES if chosen is None or b.script in chosen]
    results: dict[str, list[dict[str, Any]]] = {}
    walls: list[str] = []
    started = time.perf_counter()
    for database in databases:
        results[database] = []
        for bench in benches:
            figures, wall, code = run_bench(bench, database, args.quick)
            results[database] += figures
            walls.append(
                f"{database} {bench.script}: {wall:.0f} s" + (f" (FAILED, exit {code})" if code else "")
            )
    print(f"\n=== Summary ({'quick' if args.quick else 'full'} run, {time.perf_counter() - started:.0f} s)")
    print("\n".join(walls))
    print("\n" + summary(results))
    table = load_table(results)
    if table:
        print("\nDeadline-day load test, per endpoint (p50 / p95):\n\n" + table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
        print(f"\nevery figure: {args.json}")
    if any("FAILED" in w for w in walls):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
