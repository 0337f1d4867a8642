"""The editions of a report: who it is written for. A report is built from exactly what its edition's
audience may see (`pmm.disclosure`), never from more:

- `public`: what anyone may see (Public-level values);
- `wco`: what every holder of a PMM role may see (Public- and WCO-level values);
- `full`: what the reader may see (a member's own people see all of their member's values; the
  Secretariat everything).

A reader may ask for their own edition or a narrower one (a member's NCP makes the public edition to
share it safely), never a wider one.

The global cycle report has the same public and WCO editions; its full edition is the Secretariat's
(built from every published value), for the holders of `cycle.status_board`: the action that opens
the Secretariat's analytics and status board, which only the Secretariat's roles hold.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmm.authz import can
from pmm.core.errors import ApplicationError, FieldProblem, PermissionDenied
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import PUBLIC_AUDIENCE, Audience

PUBLIC, WCO, FULL = "public", "wco", "full"
EDITIONS: dict[str, Promise] = {
    PUBLIC: _("Public edition"),
    WCO: _("WCO edition (for holders of a PMM role)"),
    FULL: _("Full edition"),
}
GLOBAL_EDITIONS: dict[str, Promise] = {
    PUBLIC: _("Public edition"),
    WCO: _("WCO edition (for holders of a PMM role)"),
    FULL: _("Secretariat edition"),
}
WCO_AUDIENCE = Audience(pmm_role=True)
SECRETARIAT_ACTION = "cycle.status_board"  # who may have the global report's full edition


def default_edition(actor: Any) -> str:
    """The widest edition the reader may have: full for holders of a PMM role, else public."""
    return FULL if audience_of(actor).pmm_role else PUBLIC


def edition_audience(actor: Any, edition: str) -> Audience:
    """The audience an edition is built for, once the reader is allowed it (PermissionDenied if not)."""
    _known(edition)
    if edition == PUBLIC:
        return PUBLIC_AUDIENCE
    reader = audience_of(actor)
    if not reader.pmm_role:
        raise PermissionDenied("Only the public edition is available without a PMM role: sign in.")
    return WCO_AUDIENCE if edition == WCO else reader


def _known(edition: str) -> None:
    if edition not in EDITIONS:
        raise ApplicationError(
            f"Unknown edition {edition!r}: choose {', '.join(EDITIONS)}.",
            problems=[FieldProblem("edition", f"must be one of {', '.join(EDITIONS)}")],
        )


def global_default_edition(actor: Any) -> str:
    """The widest edition of the global report the reader may have: the Secretariat's, the WCO edition
    for other holders of a PMM role, else the public one."""
    if can(actor, SECRETARIAT_ACTION):
        return FULL
    return WCO if audience_of(actor).pmm_role else PUBLIC


def global_edition_audience(actor: Any, edition: str) -> Audience:
    """The audience an edition of the global report is built for, once the reader is allowed it
    (PermissionDenied if not): the public, every holder of a PMM role, or the Secretariat's (every
    published value) for the holders of `cycle.status_board`."""
    reader = edition_audience(actor, edition)
    if edition != FULL:
        return reader
    if not can(actor, SECRETARIAT_ACTION) or not reader.everything:
        raise PermissionDenied(
            "The full edition of the global report is the Secretariat's: ask for the wco or public edition."
        )
    return reader
