"""Print the import graph of the platform's apps and the size of its modules (docs/architecture.md).

    .venv/bin/python tools/app_graph.py

One line per app with the apps it imports (and how many import statements), then the strongly
connected groups of apps (none when the graph is acyclic, which the layers contract of
`make test` guarantees), then the distribution of module sizes in lines. Tests and migrations are
left out of both.
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

import grimp

SOURCE = Path(__file__).resolve().parent.parent / "src"


def _app(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def _kept(module: str) -> bool:
    return not any(part in f".{module}." for part in (".tests.", ".migrations."))


def app_edges(graph: grimp.ImportGraph) -> dict[str, Counter[str]]:
    edges: dict[str, Counter[str]] = defaultdict(Counter)
    for importer in filter(_kept, graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            if _kept(imported) and _app(importer) != _app(imported) and imported != "pmm":
                edges[_app(importer)][_app(imported)] += 1
    return edges


def cycles(edges: dict[str, Counter[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one app (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(app: str) -> None:
        index[app] = low[app] = len(index)
        stack.append(app)
        for other in edges.get(app, {}):
            if other not in index:
                visit(other)
                low[app] = min(low[app], low[other])
            elif other in stack:
                low[app] = min(low[app], index[other])
        if low[app] == index[app]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == app:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for app in sorted(set(edges) | {o for targets in edges.values() for o in targets}):
        if app not in index:
            visit(app)
    return found


def module_sizes() -> list[int]:
    files = (SOURCE / "pmm").rglob("*.py")
    return [
        len(path.read_text().splitlines())
        for path in files
        if not any(part in {"tests", "migrations"} for part in path.parts)
    ]


def main() -> int:
    sys.path.insert(0, str(SOURCE))
    graph = grimp.build_graph("pmm")
    edges = app_edges(graph)
    for app in sorted(edges):
        print(f"{app:14} -> " + ", ".join(f"{o} ({n})" for o, n in sorted(edges[app].items())))
    groups = cycles(edges)
    print()
    shown = "; ".join(" ↔ ".join(group) for group in groups) if groups else "none (acyclic)"
    print(f"cycles between apps: {shown}")
    sizes = sorted(module_sizes())
    deciles = statistics.quantiles(sizes, n=10)
    print(
        f"modules: {len(sizes)}; lines: median {statistics.median(sizes):.0f}, "
        f"90th percentile {deciles[-1]:.0f}, largest {sizes[-1]}; "
        f"over 300 lines: {sum(s > 300 for s in sizes)}, over 500: {sum(s > 500 for s in sizes)}"
    )
    return 1 if groups else 0


if __name__ == "__main__":
    raise SystemExit(main())
