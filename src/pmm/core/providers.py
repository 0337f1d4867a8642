"""What a lower layer asks of a higher one, without importing it (docs/architecture.md).

The apps form layers (core at the bottom, the web pages, the CLI and the settings at the top) and
an app imports only from the layers below it: `make test` checks it with import-linter. Where a
lower app needs an answer only a higher one can give (assessments need the levels a publication
recorded, results the KPIs a peer review confirmed, the job worker the schedules of reviews), the
lower app declares a `Provided` function and the higher app supplies it in its AppConfig.ready():

    # assessments/services/disclosure.py
    published_levels = Provided[[Assessment], PublishedLevels]("published_levels")

    # results/apps.py, ready()
    published_levels.provide(levels_of_latest_publication)

Calling it before anything is provided is a configuration error, never a silent default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured

P = ParamSpec("P")
R = TypeVar("R")


class Provided(Generic[P, R]):
    """A function declared by the layer that calls it and supplied by the layer that answers it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._implementation: Callable[P, R] | None = None

    def provide(self, implementation: Callable[P, R]) -> Callable[P, R]:
        """Supply the answer (once per process: AppConfig.ready() may run again in tests)."""
        self._implementation = implementation
        return implementation

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._implementation is None:
            raise ImproperlyConfigured(f"Nothing provides {self.name}: is its app in INSTALLED_APPS?")
        return self._implementation(*args, **kwargs)


class Hooks:
    """Functions higher layers add for a lower one to call in turn, each without arguments (the job
    worker runs the schedules the apps above it add when it starts)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._hooks: dict[str, Callable[[], object]] = {}

    def add(self, hook: Callable[[], object]) -> Callable[[], object]:
        self._hooks[f"{hook.__module__}.{hook.__qualname__}"] = hook  # once, however often ready() runs
        return hook

    def run(self) -> None:
        for hook in list(self._hooks.values()):
            hook()
