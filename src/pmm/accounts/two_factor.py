"""Two-factor authentication with TOTP (django-otp): who needs it, enrolment, codes, recovery codes.

A user has at most one confirmed TOTP device (an authenticator app) and one set of single-use
recovery codes (a django-otp static device). Users holding a role in `TWO_FACTOR_ROLES` must have
TOTP; everyone else may turn it on. Every change is audited; codes and secrets never are.
"""

from __future__ import annotations

import re
import time
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from pmm.accounts.models import User
from pmm.audit.services import audit_record
from pmm.authz import require, two_factor_required
from pmm.core.errors import ApplicationError, FieldProblem

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"


def required_for(user: User) -> bool:
    """Must this user sign in with a second factor (because of one of their roles)?"""
    return two_factor_required(user)


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- enrolment ---------------------------------------------------------------------------------


def new_secret() -> str:
    """A new TOTP secret: 20 random bytes, hex-encoded as django-otp stores them."""
    return str(random_hex(20))


def secret_for_humans(key: str) -> str:
    """The secret in base32, as authenticator apps expect it when typed, in groups of four."""
    text = b32encode(bytes.fromhex(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_url(user: User, key: str) -> str:
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{user.get_username()}")
    params = {"secret": secret_for_humans(key).replace(" ", ""), "issuer": issuer, "digits": 6, "period": 30}
    return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


def qr_code_data_uri(url: str) -> str:
    """The QR code of `url` as an SVG data: URI, which the Content-Security-Policy allows in <img>."""
    return str(segno.make(url, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff"))


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _totp_matches(key: str, code: str) -> int | None:
    """The time step at which `code` is right for `key` (one step of clock drift allowed), or None."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6)
    totp.time = time.time()
    return int(totp.t()) if totp.verify(int(code), tolerance=1) else None


def _recovery_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [f"{c[:4]}-{c[4:]}" for c in codes]


@transaction.atomic
def totp_enable(*, actor: User, user: User, key: str, code: str) -> list[str]:
    """Confirm the authenticator app set up with `key` by one of its codes; returns new recovery codes
    (shown once). Audited as mfa.totp_enabled."""
    if has_totp(user):
        raise ApplicationError(
            _("Two-factor authentication is already on."),
            problems=[FieldProblem("code", _("two-factor authentication is already on for this account"))],
        )
    code = _normalise(code)
    step = _totp_matches(key, code)
    if step is None:
        raise ApplicationError(
            _("The code was not accepted."),
            problems=[
                FieldProblem(
                    "code",
                    _(
                        "this is not the current 6-digit code of the authenticator app: check that the "
                        "device's clock is right and type the code it shows now"
                    ),
                )
            ],
        )
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=step)
    codes = _recovery_codes_replace(user)
    audit_record(
        actor=actor,
        verb="mfa.totp_enabled",
        target=user,
        before={"two_factor": False},
        after={"two_factor": True, "recovery_codes": len(codes)},
    )
    return codes


# --- codes at sign-in and for changes ----------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a code: `method` is "totp" or "recovery_code" when it was right;
    `wait_until` is set when the device refused to check because of recent wrong codes."""

    method: str | None
    wait_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.method is not None


def code_check(user: User, code: str) -> CodeCheck:
    """Check a 6-digit TOTP code or a recovery code (which is then used up). Wrong codes slow down
    further checks on the device (django-otp's throttling: 1, 2, 4, 8… seconds)."""
    code = _normalise(code)
    if re.fullmatch(r"\d{6}", code):
        device: TOTPDevice | StaticDevice | None = totp_device(user)
        method = "totp"
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        method = "recovery_code"
    if device is None or not code:
        return CodeCheck(None)
    allowed, details = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(None, wait_until=(details or {}).get("locked_until") or timezone.now())
    if verify_token(user, device.persistent_id, code) is None:
        return CodeCheck(None)
    return CodeCheck(method)


def _require_code(user: User, code: str) -> CodeCheck:
    check = code_check(user, code)
    if check.wait_until is not None:
        raise ApplicationError(
            _("The code was not checked."),
            problems=[FieldProblem("code", _("too many wrong codes: wait a few seconds and try again"))],
        )
    if not check.ok:
        raise ApplicationError(
            _("The code was not accepted."),
            problems=[
                FieldProblem(
                    "code",
                    _("this is neither the current code of your authenticator app nor a recovery code"),
                )
            ],
        )
    return check


def recovery_codes_generate(*, actor: User, user: User, code: str) -> list[str]:
    """Replace the recovery codes after checking a current code; returns the new codes (shown once)."""
    if not has_totp(user):
        raise ApplicationError(_("Two-factor authentication is off."))
    check = _require_code(user, code)  # outside the transaction: a wrong code's throttling must stay
    with transaction.atomic():
        codes = _recovery_codes_replace(user)
        audit_record(
            actor=actor,
            verb="mfa.recovery_codes_generated",
            target=user,
            after={"recovery_codes": len(codes), "confirmed_with": check.method},
        )
    return codes


def totp_disable(*, actor: User, user: User, code: str) -> None:
    """Turn two-factor authentication off after checking a current code; refused for the roles that
    require it. Audited as mfa.totp_disabled."""
    if required_for(user):
        raise ApplicationError(
            _("Two-factor authentication is required for your role: it cannot be turned off."),
            code="forbidden",
        )
    if not has_totp(user):
        raise ApplicationError(_("Two-factor authentication is off."))
    check = _require_code(user, code)
    with transaction.atomic():
        _remove_devices(actor, user, "mfa.totp_disabled", {"confirmed_with": check.method})


@transaction.atomic
def totp_reset(*, actor: User, user: User, reason: str = "") -> None:
    """An account administrator removes a user's authenticator app and recovery codes, e.g. after
    a lost phone. A user whose role requires TOTP sets it up again at the next request."""
    require(actor, "user.change_roles")
    if not reason.strip():
        raise ApplicationError(
            _("Give a reason."), problems=[FieldProblem("reason", _("say why the reset is needed"))]
        )
    if not has_totp(user):
        raise ApplicationError(_("Two-factor authentication is off."))
    _remove_devices(actor, user, "mfa.totp_reset", {}, reason=reason.strip())


def _remove_devices(actor: User, user: User, verb: str, details: dict[str, str], reason: str = "") -> None:
    """Delete the user's authenticator app and recovery codes, and audit it."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(
        actor=actor,
        verb=verb,
        target=user,
        before={"two_factor": True},
        after={"two_factor": False, **details},
        reason=reason,
    )
