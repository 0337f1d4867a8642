"""The shared cache's backend (settings.CACHES, decision 0017): diskcache's Django backend, its
connections kept open between requests."""

from __future__ import annotations

from typing import Any

from diskcache import DjangoCache


class SharedCache(DjangoCache):
    """Django closes every cache after each request; diskcache would then open its SQLite index again on
    the next use (about 0.5 ms per shard). Its connections are per thread and reopened after a fork, so
    they are kept, as database connections are (CONN_MAX_AGE)."""

    def close(self, **kwargs: Any) -> None:
        return None
