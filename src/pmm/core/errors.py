"""Errors raised by services and selectors, rendered the same way by pages, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one input: `field` is a path such as `values[2].value` or `dimensions[0].code`."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class ApplicationError(Exception):
    """A request that cannot be carried out; nothing has been changed."""

    message: str
    code: str = "invalid"
    problems: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class NotFound(ApplicationError):
    """Missing, or not visible to the actor: both answer the same (no hint that it exists)."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message=message, code="not_found")


class PermissionDenied(ApplicationError):
    """The actor may see the object but not do this to it."""

    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message=message, code="forbidden")
