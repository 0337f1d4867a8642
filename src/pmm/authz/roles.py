"""The platform's roles. Which role may do what is in `pmm.authz.matrix`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SECRETARIAT_ADMIN = "secretariat_admin", _("Secretariat administrator")
    SECRETARIAT_ANALYST = "secretariat_analyst", _("Secretariat analyst")
    NCP = "ncp", _("National Contact Point")
    CONTRIBUTOR = "contributor", _("Contributor")
    PEER_REVIEWER = "peer_reviewer", _("Peer reviewer")
    BASIC = "basic", _("Basic PMM user")


ANONYMOUS = "anonymous"

# Roles that act for one member administration: the member comes from the role assignment.
MEMBER_ROLES = frozenset({Role.NCP, Role.CONTRIBUTOR})
# Peer reviewers may name their own administration (for conflict checks), but do not act for it.
MEMBER_OPTIONAL_ROLES = frozenset({Role.PEER_REVIEWER})
SECRETARIAT_ROLES = frozenset({Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST})
# Roles that must sign in with a second factor (TOTP); every other user may choose to.
TWO_FACTOR_ROLES = frozenset({Role.SECRETARIAT_ADMIN, Role.SECRETARIAT_ANALYST, Role.PEER_REVIEWER})
