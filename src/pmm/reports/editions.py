"""The editions of a report: who it is written for. A report is built from exactly what its edition's
audience may see (`pmm.disclosure`), never from more:

- `public`: what anyone may see (Public-level values);
- `wco`: what every holder of a PMM role may see (Public- and WCO-level values);
- `full`: what the reader may see (a member's own people see all of their member's values; the
  Secretariat everything).

A reader may ask for their own edition or a narrower one (a member's NCP makes the public edition to
share it safely), never a wider one.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmm.core.errors import ApplicationError, FieldProblem, PermissionDenied
from pmm.disclosure.audience import audience_of
from pmm.disclosure.policy import PUBLIC_AUDIENCE, Audience

PUBLIC, WCO, FULL = "public", "wco", "full"
EDITIONS: dict[str, Promise] = {
    PUBLIC: _("Public edition"),
    WCO: _("WCO edition (for holders of a PMM role)"),
    FULL: _("Full edition"),
}
WCO_AUDIENCE = Audience(pmm_role=True)


def default_edition(actor: Any) -> str:
    """The widest edition the reader may have: full for holders of a PMM role, else public."""
    return FULL if audience_of(actor).pmm_role else PUBLIC


def edition_audience(actor: Any, edition: str) -> Audience:
    """The audience an edition is built for, once the reader is allowed it (PermissionDenied if not)."""
    if edition not in EDITIONS:
        raise ApplicationError(
            f"Unknown edition {edition!r}: choose {', '.join(EDITIONS)}.",
            problems=[FieldProblem("edition", f"must be one of {', '.join(EDITIONS)}")],
        )
    if edition == PUBLIC:
        return PUBLIC_AUDIENCE
    reader = audience_of(actor)
    if not reader.pmm_role:
        raise PermissionDenied("Only the public edition is available without a PMM role: sign in.")
    return WCO_AUDIENCE if edition == WCO else reader
