"""One engine for the platform's status workflows (framework versions, cycles, assessments, reviews).

An app declares its workflow once, as data: the table of moves (`(status, move) -> new status`), who
may make each move, and what must hold of the object for it. Everything else reads that declaration:

- the services call `require(actor, obj, move)`, which answers the new status or raises the
  `ApplicationError` the app chose (its words, code and therefore HTTP status);
- the pages and the API show `available(actor, obj)`: the moves this actor may make now;
- the documentation draws `diagram()` (docs/workflows.md is generated from it).

A guard is a callable given the actor and the object; it refuses by raising `ApplicationError`. Core
knows nothing of permissions: the app that declares a workflow wraps its own checks (`pmm.authz`) in
guards. The checks run in a fixed order, the same for every workflow:

1. the guards of every move, then the move's own guards in `moves`: who may make it (first, so that
   an actor who may not make the move learns nothing of the object's status);
2. the request's own `checks`, given to `require` by the service (the version it read, a reason);
3. the table: a move the object's status does not allow is refused with the app's `refusal`;
4. the move's `guards`: what must hold of the object besides its status.

The guards (steps 1 and 4) also decide which moves `available` offers. Checks that name problems
for the actor to fix (values with errors, queries not answered yet) are not guards: the services
run them after `require`, so the pages still offer the move and its refusal says what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pmm.core.errors import ApplicationError, FieldProblem


@dataclass(frozen=True)
class Guard:
    """One condition of a move, given the actor and the object: `check` raises `ApplicationError` to
    refuse. `text` says in words what it asks, for the documentation of the workflow."""

    text: str
    check: Callable[[Any, Any], None]

    def __call__(self, actor: Any, obj: Any) -> None:
        self.check(actor, obj)


def illegal(text: str, problems: list[FieldProblem] | None = None) -> ApplicationError:
    """A move refused by a workflow (409, `illegal_transition`), naming what is missing."""
    return ApplicationError(text, code="illegal_transition", problems=problems or [])


# The app's refusal of a move its table does not allow: given the object, the move asked for and the
# moves its status allows, the error to raise.
Refusal = Callable[[Any, str, list[str]], ApplicationError]


@dataclass(frozen=True, eq=False)
class Workflow:
    """A status workflow: its table, who may make each move, and what must hold for it.

    `transitions`: `(status, move) -> new status`. `moves`: every move, with the guards saying who
    may make it. `every_move`: guards every move passes first, also a move the table does not know.
    `guards`: per move, what must hold of the object besides its status. `refusal`: the error for a
    move the object's status does not allow. `initial`: the statuses an object can start in (for the
    diagram). The object's status is its `status` attribute.
    """

    name: str
    transitions: Mapping[tuple[str, str], str]
    moves: Mapping[str, Sequence[Guard]]
    refusal: Refusal
    guards: Mapping[str, Sequence[Guard]] = field(default_factory=dict)
    every_move: Sequence[Guard] = ()
    initial: Sequence[str] = ()

    def __post_init__(self) -> None:
        undeclared = sorted({move for _status, move in self.transitions} - set(self.moves))
        if undeclared:
            raise ValueError(f"{self.name}: moves in the table but not declared: {', '.join(undeclared)}")
        unused = sorted(set(self.moves) - {move for _status, move in self.transitions})
        if unused:
            raise ValueError(f"{self.name}: moves declared but not in the table: {', '.join(unused)}")
        stray = sorted(set(self.guards) - set(self.moves))
        if stray:
            raise ValueError(f"{self.name}: guards of unknown moves: {', '.join(stray)}")

    # --- the table -----------------------------------------------------------------------------------

    def next(self, status: str, move: str) -> str | None:
        """The status `move` leads to from `status`; None when the table does not allow it."""
        return self.transitions.get((status, move))

    def moves_from(self, status: str) -> list[str]:
        """The moves the table allows from `status`, in the table's order (whoever makes them)."""
        return _unique(move for (source, move) in self.transitions if source == status)

    def statuses(self) -> list[str]:
        """Every status of the workflow: the initial ones first, then in the table's order."""
        found = list(self.initial)
        for (source, _move), target in self.transitions.items():
            found += [source, target]
        return _unique(found)

    # --- asking for a move ---------------------------------------------------------------------------

    def require_allowed(self, actor: Any, obj: Any, move: str) -> None:
        """Raise unless the actor may make the move (step 1 only: neither the table nor the object's
        guards are read). For a service that answers a repeated move without changing anything."""
        for guard in (*self.every_move, *self.moves.get(move, ())):
            guard(actor, obj)

    def require(self, actor: Any, obj: Any, move: str, *, checks: Iterable[Callable[[], None]] = ()) -> str:
        """The status `move` takes the object to, once the actor may make it, the request's own
        `checks` pass, the table allows it and the object's guards hold; else the first refusal."""
        self.require_allowed(actor, obj, move)
        for check in checks:
            check()
        new_status = self.next(obj.status, move)
        if new_status is None:
            raise self.refusal(obj, move, self.moves_from(obj.status))
        for guard in self.guards.get(move, ()):
            guard(actor, obj)
        return new_status

    def allows(self, actor: Any, obj: Any, move: str) -> bool:
        """Whether `available` would offer this move to the actor now."""
        if self.next(obj.status, move) is None:
            return False
        try:
            for guard in (*self.every_move, *self.moves[move], *self.guards.get(move, ())):
                guard(actor, obj)
        except ApplicationError:
            return False
        return True

    def available(self, actor: Any, obj: Any) -> list[str]:
        """The moves the actor may make on the object now, in the table's order: those its status
        allows whose guards all hold (the request's own checks are not known yet, so not asked)."""
        return [move for move in self.moves_from(obj.status) if self.allows(actor, obj, move)]

    # --- the documentation ---------------------------------------------------------------------------

    def diagram(self, labels: Mapping[str, str] | None = None) -> str:
        """The workflow as a Mermaid state diagram (stateDiagram-v2); `labels`: statuses in words.
        Statuses no move leaves end the diagram."""
        lines = ["stateDiagram-v2"]
        for status in self.statuses():
            if labels and status in labels:
                lines.append(f'    state "{labels[status]}" as {status}')
        lines += [f"    [*] --> {status}" for status in self.initial]
        lines += [
            f"    {source} --> {target} : {move}" for (source, move), target in self.transitions.items()
        ]
        lines += [f"    {status} --> [*]" for status in self.statuses() if not self.moves_from(status)]
        return "\n".join(lines) + "\n"

    def who_may(self, move: str) -> list[str]:
        """What the guards of step 1 ask of the actor making `move`, in words."""
        return [guard.text for guard in (*self.every_move, *self.moves[move])]

    def conditions(self, move: str) -> list[str]:
        """What the guards of step 4 ask of the object for `move`, in words."""
        return [guard.text for guard in self.guards.get(move, ())]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
