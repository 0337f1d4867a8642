"""The workflow engine (`pmm.core.workflow`) on a small workflow of its own: the order of the checks,
what `available` offers, and the diagram. Pure Python: no database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from pmm.core.errors import ApplicationError, PermissionDenied
from pmm.core.workflow import Guard, Workflow


@dataclass
class Door:
    status: str
    locked: bool = False


def _refusal(door: Door, move: str, allowed: list[str]) -> ApplicationError:
    return ApplicationError(
        f"A {door.status} door cannot {move}; it can: {', '.join(allowed) or 'nothing'}.", code="illegal"
    )


def _keyholder(actor: Any, _door: Door) -> None:
    if actor != "keyholder":
        raise PermissionDenied()


def _unlocked(_actor: Any, door: Door) -> None:
    if door.locked:
        raise ApplicationError("The door is locked.", code="conflict")


def _signed_in(actor: Any, _door: Door) -> None:
    if actor is None:
        raise PermissionDenied("Sign in first.")


DOOR = Workflow(
    name="door",
    transitions={("closed", "open"): "open", ("open", "close"): "closed", ("closed", "brick_up"): "walled"},
    moves={"open": (), "close": (), "brick_up": (Guard("the keyholder", _keyholder),)},
    guards={"open": (Guard("the door is not locked", _unlocked),)},
    every_move=(Guard("a signed-in visitor", _signed_in),),
    refusal=_refusal,
    initial=("closed",),
)


def test_the_table_answers_next_status_and_moves_in_its_order():
    assert DOOR.next("closed", "open") == "open"
    assert DOOR.next("open", "open") is None
    assert DOOR.moves_from("closed") == ["open", "brick_up"]
    assert DOOR.moves_from("walled") == []
    assert DOOR.statuses() == ["closed", "open", "walled"]


def test_require_answers_the_new_status():
    assert DOOR.require("visitor", Door("closed"), "open") == "open"
    assert DOOR.require("keyholder", Door("closed"), "brick_up") == "walled"


def test_a_move_the_status_does_not_allow_gets_the_apps_refusal():
    with pytest.raises(ApplicationError) as refused:
        DOOR.require("visitor", Door("open"), "open")
    assert refused.value.code == "illegal"
    assert refused.value.message == "A open door cannot open; it can: close."


def test_an_unknown_move_is_refused_after_the_guards_of_every_move():
    with pytest.raises(PermissionDenied):
        DOOR.require(None, Door("closed"), "fly")
    with pytest.raises(ApplicationError) as refused:
        DOOR.require("visitor", Door("closed"), "fly")
    assert refused.value.message == "A closed door cannot fly; it can: open, brick_up."


def test_who_may_is_asked_before_the_checks_the_table_and_the_objects_guards():
    """An actor who may not make the move learns nothing of the object: the 403 comes first."""
    checked = []
    with pytest.raises(PermissionDenied):
        DOOR.require("visitor", Door("open", locked=True), "brick_up", checks=[lambda: checked.append(1)])
    assert checked == []


def test_the_requests_checks_come_before_the_table():
    def stale() -> None:
        raise ApplicationError("Reload.", code="conflict")

    with pytest.raises(ApplicationError) as refused:
        DOOR.require("visitor", Door("open"), "open", checks=[stale])
    assert refused.value.message == "Reload."


def test_the_objects_guards_come_after_the_table():
    with pytest.raises(ApplicationError) as refused:
        DOOR.require("visitor", Door("open", locked=True), "open")
    assert refused.value.code == "illegal"
    with pytest.raises(ApplicationError) as refused:
        DOOR.require("visitor", Door("closed", locked=True), "open")
    assert refused.value.message == "The door is locked."


def test_require_allowed_asks_only_who_may():
    DOOR.require_allowed("keyholder", Door("open", locked=True), "brick_up")
    with pytest.raises(PermissionDenied):
        DOOR.require_allowed("visitor", Door("closed"), "brick_up")
    with pytest.raises(PermissionDenied):
        DOOR.require_allowed(None, Door("closed"), "open")


def test_available_offers_the_moves_whose_guards_hold():
    assert DOOR.available("keyholder", Door("closed")) == ["open", "brick_up"]
    assert DOOR.available("visitor", Door("closed")) == ["open"]
    assert DOOR.available("keyholder", Door("closed", locked=True)) == ["brick_up"]
    assert DOOR.available(None, Door("closed")) == []
    assert DOOR.available("keyholder", Door("walled")) == []
    assert DOOR.allows("visitor", Door("open"), "close")
    assert not DOOR.allows("visitor", Door("open"), "open")


def test_a_guard_that_fails_otherwise_is_not_swallowed():
    def broken(_actor: Any, _door: Door) -> None:
        raise RuntimeError("database down")

    workflow = Workflow(
        name="broken",
        transitions={("a", "go"): "b"},
        moves={"go": (Guard("never", broken),)},
        refusal=_refusal,
    )
    with pytest.raises(RuntimeError):
        workflow.available("anyone", Door("a"))


def test_the_diagram_draws_the_table():
    assert DOOR.diagram({"closed": "Closed", "walled": "Walled up"}) == (
        "stateDiagram-v2\n"
        '    state "Closed" as closed\n'
        '    state "Walled up" as walled\n'
        "    [*] --> closed\n"
        "    closed --> open : open\n"
        "    open --> closed : close\n"
        "    closed --> walled : brick_up\n"
        "    walled --> [*]\n"
    )
    assert DOOR.who_may("brick_up") == ["a signed-in visitor", "the keyholder"]
    assert DOOR.conditions("open") == ["the door is not locked"]
    assert DOOR.conditions("close") == []


@pytest.mark.parametrize(
    ("moves", "guards", "problem"),
    [
        ({"open": ()}, {}, "moves in the table but not declared: close"),
        ({"open": (), "close": (), "fly": ()}, {}, "moves declared but not in the table: fly"),
        ({"open": (), "close": ()}, {"fly": ()}, "guards of unknown moves: fly"),
    ],
)
def test_a_declaration_that_disagrees_with_its_table_is_refused(moves, guards, problem):
    with pytest.raises(ValueError, match=problem):
        Workflow(
            name="door",
            transitions={("closed", "open"): "open", ("open", "close"): "closed"},
            moves=moves,
            guards=guards,
            refusal=_refusal,
        )
