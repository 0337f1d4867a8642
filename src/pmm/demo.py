"""Demo data for `make demo`: the shipped framework, the members and one account per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from pmm.accounts.models import User
from pmm.accounts.services import RoleSpec, user_create
from pmm.core.actors import SYSTEM
from pmm.framework.services import framework_load
from pmm.members.services import members_load

DEMO_PASSWORD = "pmm-demo-2026!"  # noqa: S105 - printed for the demo on purpose


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    member: str | None
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("admin", "secretariat_admin", None, "Secretariat administrator"),
    DemoAccount("analyst", "secretariat_analyst", None, "Secretariat analyst"),
    DemoAccount("ncp-ken", "ncp", "KEN", "National Contact Point, Kenya"),
    DemoAccount("contrib-ken", "contributor", "KEN", "Contributor, Kenya"),
    DemoAccount("ncp-fra", "ncp", "FRA", "National Contact Point, France"),
    DemoAccount("reviewer", "peer_reviewer", "CAN", "Peer reviewer (from Canada)"),
    DemoAccount("basic", "basic", None, "Basic PMM user"),
]


def demo_setup() -> list[str]:
    """Load the framework, the members and the demo accounts; idempotent. Returns what it did."""
    done = [framework_load(actor=SYSTEM, text=settings.PMM_DEFAULT_FRAMEWORK_FILE.read_text()).summary()]
    report = members_load(text=settings.PMM_DEFAULT_MEMBERS_FILE.read_text(), actor=SYSTEM)
    done.append("members: " + report.summary().splitlines()[0])
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        user_create(
            actor=SYSTEM,
            username=account.username,
            email=f"{account.username}@demo.pmm.invalid",
            password=DEMO_PASSWORD,
            roles=[RoleSpec(account.role, account.member)],
            reason="demo account",
        )
        done.append(f"account {account.username} created")
    return done
