"""Querysets of rows that carry a member's value, text or file: they refuse to be read unscoped.

A model whose rows carry a member's data declares `objects = <its ScopedQuerySet>.as_manager()`. Such
a queryset can be filtered, ordered and chained as usual, but reading it (iterating, `get`, `first`,
`count`, `exists`, `aggregate`, `values`, using it inside another query...) raises `UnscopedRead`
until it has been narrowed to a reader with `.visible_to(reader)` (each model says what that means:
the disclosure rule for published figures, `authz.scope` for rows gated by role), or released with
`.unrestricted()`, the explicit name for a read that is not for a reader (services that write, the
system's jobs, the Secretariat's own paths). A test lists the modules allowed to say `unrestricted`
(tests/test_read_scoping.py). Reverse relations (`assessment.values.all()`) use the same queryset,
so they are guarded too; saving, refreshing and cascading deletes go through Django's base manager and
are not reads for anyone.
"""

from __future__ import annotations

from typing import Any, Self

from django.db import models


class UnscopedRead(RuntimeError):
    """A queryset of member data was read without saying for whom (a programming error, never a 4xx)."""


class ScopedQuerySet(models.QuerySet):
    _reader_scoped = False

    def _clone(self) -> Self:
        clone = super()._clone()
        clone._reader_scoped = self._reader_scoped
        return clone

    def visible_to(self, reader: Any) -> Self:  # pragma: no cover - each model defines it
        raise NotImplementedError

    def unrestricted(self) -> Self:
        """Every row, for no particular reader: only services, jobs and the Secretariat's own paths."""
        return self.scoped_for_reader()

    def scoped_for_reader(self) -> Self:
        """Mark this queryset as narrowed to its reader (called by `visible_to` and `authz.scope`)."""
        clone = self._chain()
        clone._reader_scoped = True
        return clone

    def __repr__(self) -> str:
        if not self._reader_scoped and self._result_cache is None:
            return f"<{self.model.__name__} rows, not yet scoped to a reader>"
        return super().__repr__()

    def _check(self) -> None:
        if not self._reader_scoped:
            raise UnscopedRead(
                f"{self.model.__name__} rows carry a member's data: read them with .visible_to(reader) "
                "(or .unrestricted() in a service)."
            )

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._check()
        super()._fetch_all()

    def iterator(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().iterator(*args, **kwargs)

    def count(self) -> int:
        if self._result_cache is None:
            self._check()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._check()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._check()
        return super().aggregate(*args, **kwargs)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        self._check()  # used inside another query (`pk__in=queryset`)
        return super().resolve_expression(*args, **kwargs)
