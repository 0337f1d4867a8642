from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmm.authz.roles import Role


class User(AbstractUser):
    """A person using the platform. What they may do comes from their role assignments."""

    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)

    class Meta:
        ordering = ["username"]


class RoleAssignment(models.Model):
    """A user holds a role, for one member administration where the role needs one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("member administration"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "member__iso3"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "member"], name="unique_role_per_member"),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(member__isnull=True),
                name="unique_role_without_member",
            ),
        ]

    def __str__(self) -> str:
        label = Role(self.role).label
        return f"{label} ({self.member.iso3})" if self.member_id and self.member else str(label)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 hash is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """A wrong password or code given for a username (which may not exist). Counted for lockouts;
    a successful sign-in clears the username's failures. The audit log keeps the history."""

    username_key = models.CharField(max_length=150, db_index=True)  # the typed username, lower case
    step = models.CharField(max_length=20)  # "password" or "code"
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username_key} {self.step} {self.at:%Y-%m-%d %H:%M:%S}"


class LoginLockout(models.Model):
    """Sign-in for a username is refused until `locked_until`, whether or not the account exists."""

    username_key = models.CharField(max_length=150, db_index=True)
    locked_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-locked_until"]

    def __str__(self) -> str:
        return f"{self.username_key} until {self.locked_until:%Y-%m-%d %H:%M:%S}"


class Invitation(models.Model):
    """An invitation to contribute for a member administration, sent to an e-mail address.

    `user` is the account it is for: one created for it (`account_created`), or the account that
    already had the address, which gets the role only if its holder accepts. The inviter sees the
    same in both cases (docs/security.md, "Invitations")."""

    member = models.ForeignKey(
        "members.Member",
        on_delete=models.PROTECT,
        related_name="invitations",
        verbose_name=_("member administration"),
    )
    email = models.EmailField(_("E-mail address"))
    first_name = models.CharField(_("First name"), max_length=150, blank=True)
    last_name = models.CharField(_("Last name"), max_length=150, blank=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    account_created = models.BooleanField(default=False)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} ({self.member_id})"
