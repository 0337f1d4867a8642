"""The system actor: the operator running `pmm` commands on the server, who may do anything.

Services take an `actor`; the CLI passes SYSTEM (or a named user with --as), pages and the API
pass the signed-in user. Audit events name the system actor "system".
"""

from __future__ import annotations


class SystemActor:
    is_authenticated = False
    is_active = True
    is_system = True
    pk = None

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def is_system(actor: object) -> bool:
    return getattr(actor, "is_system", False) is True


def is_signed_in(actor: object) -> bool:
    """A signed-in, active user (not a visitor, a deactivated account, nor the system actor)."""
    return bool(getattr(actor, "is_authenticated", False)) and bool(getattr(actor, "is_active", False))
