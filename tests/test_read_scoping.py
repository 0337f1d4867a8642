"""Disclosure by construction, checked on the code itself (docs/disclosure.md, "Adding a read path").

- Every model whose rows carry a member's value, text or file has a scoped default manager: its rows
  cannot be read until the query names its reader (`visible_to`) or says `unrestricted()`.
- `unrestricted()` is said only by services and jobs (the writes), and by the few modules listed
  below, each with the reason it is safe.
- Role facts are read only inside `pmm.authz` (`roles_of`, role constants in comparisons).
- A publication's change log is read only through `pmm.results.changelog`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from pmm.core.scoped import ScopedQuerySet, UnscopedRead

SRC = Path(__file__).resolve().parents[1] / "src" / "pmm"

# Modules (besides services and jobs) allowed to read member data for no particular reader, and why.
UNRESTRICTED_ALLOWED = {
    "core/scoped.py": "defines unrestricted()",
    "results/selectors.py": "computation inputs and levels for publishing; `pmm results verify` (system)",
    "results/group_stats.py": "the group-statistics engine reads every value; release() decides what leaves",
    "results/changelog.py": "reads publication levels to filter the change log for its reader",
    "reviews/selectors.py": "counts for the certificate, KPI codes without verdict, peer-review flags",
    "reviews/notices.py": "counts queries in a notification to the member's own people",
    "results/participation.py": "counts published members (and their ids): participation is public",
    "results/levels.py": (
        "the disclosure levels (never values) of the member's latest publication, for kpi_update"
    ),
    "public/selectors.py": "the id of the newest audit event",
    "assessments/workbook/importer.py": "compares an upload with the stored data inside the import service",
    "cli.py": "the operator's `pmm results verify` counts a publication's figures",
    "demo.py": "builds the demo data as the system",
}
# Modules allowed to read role assignments directly, besides pmm.authz.
ROLE_FACTS_ALLOWED = {
    "accounts/services.py": "grants and checks roles when creating accounts",
    "accounts/models.py": "the role assignment model",
    "demo.py": "creates the demo accounts",
    "demo_data.py": "creates the demo accounts",
    "cli.py": "`pmm user create --role`",
}
CHANGE_LOG_ALLOWED = {
    "results/changelog.py": "the reader's view of the change log",
    "results/services.py": "writes it",
    "results/models.py": "declares it",
    "cli.py": "the operator (system) is told how many figures changed",
    "demo.py": "the demo setup says how many figures changed",
}
# Models with a member (or an assessment) that are not member data, and why.
NOT_MEMBER_DATA = {
    "members.Member": "the member itself",
    "members.Group": "groups and their members are public",
    "accounts.RoleAssignment": "who holds which role (read by authz)",
    "accounts.Invitation": "read by the invited person and the inviter's administration",
    "cycles.DeadlineExtension": "deadline dates, shown to the member and the Secretariat",
    "assessments.Assessment": "status and dates; found only through access checks (assessment_access)",
    "results.ResultSet": "fingerprints and versions, no value",
    "results.Publication": "the snapshot's metadata; its change log is read through results.changelog",
    "reviews.Review": "the review's status; found only through review_current / scope(review.view)",
    "reviews.ReviewAssignment": "who reviews whom: the Secretariat and the review's people",
    "reviews.ReviewRound": "round numbers and due dates",
    "reviews.ReviewerProfile": "the reviewer pool",
}


def _modules() -> list[tuple[str, ast.AST]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/migrations/" in relative or "/tests/" in relative:
            continue
        found.append((relative, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _is_write_module(relative: str) -> bool:
    name = relative.split("/")
    return name[-1] in ("services.py", "tasks.py", "jobs.py") or (len(name) > 2 and name[-2] == "services")


def test_unrestricted_reads_are_only_in_services_and_listed_modules():
    offenders = []
    for relative, tree in _modules():
        if _is_write_module(relative) or relative in UNRESTRICTED_ALLOWED:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "unrestricted":
                offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, f"unrestricted() outside services and the listed modules: {offenders}"


def test_the_allow_lists_name_existing_modules():
    for listing in (UNRESTRICTED_ALLOWED, ROLE_FACTS_ALLOWED, CHANGE_LOG_ALLOWED):
        for relative in listing:
            assert (SRC / relative).exists(), relative


ROLE_CODES = ("secretariat_admin", "secretariat_analyst", "ncp", "contributor", "peer_reviewer", "basic")


def _role_constant(node: ast.AST) -> bool:
    """`Role.NCP`, or a role's code written as text ("ncp")."""
    if isinstance(node, ast.Constant):
        return node.value in ROLE_CODES
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
        and node.attr.isupper()
    )


def test_role_facts_are_read_only_by_authz():
    offenders = []
    for relative, tree in _modules():
        if relative.startswith("authz/") or relative in ROLE_FACTS_ALLOWED:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in ("roles_of", "MEMBER_ROLES", "SECRETARIAT_ROLES"):
                offenders.append(f"{relative}:{node.lineno} {node.id}")
            if isinstance(node, ast.Compare) and any(
                _role_constant(n) for n in [node.left, *node.comparators]
            ):
                offenders.append(f"{relative}:{node.lineno} compares with a role")
            if isinstance(node, ast.Tuple | ast.List | ast.Set) and any(_role_constant(n) for n in node.elts):
                offenders.append(f"{relative}:{node.lineno} a literal collection of roles")
            if isinstance(node, ast.keyword) and "role" in (node.arg or "") and _role_constant(node.value):
                offenders.append(f"{relative}:{node.lineno} looks up a role ({node.arg})")
    assert not offenders, f"ask pmm.authz instead: {offenders}"


def test_the_change_log_is_read_only_through_its_reader():
    offenders = []
    for relative, tree in _modules():
        if relative in CHANGE_LOG_ALLOWED:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "change_log":
                offenders.append(f"{relative}:{node.lineno}")
    assert not offenders, f"read change logs with pmm.results.changelog.change_logs_for: {offenders}"
    templates = [p for p in SRC.rglob("*.html") if ".change_log" in p.read_text(encoding="utf-8")]
    assert not templates, templates


def _carries_member_data(model: type[models.Model]) -> bool:
    """Rows tied to a member: a foreign key to a member, an assessment, a review or its parts, results."""
    tied = {"members.Member", "assessments.Assessment", "reviews.Review", "reviews.ReviewQuery",
            "results.ResultSet", "results.Publication"}  # fmt: skip
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if field.many_to_one and related is not None and related._meta.label in tied:
            return True
    return model._meta.label in tied


def test_every_model_with_member_data_is_read_through_a_scoped_queryset():
    unscoped = []
    for model in apps.get_models():
        label = model._meta.label
        if not label.startswith(tuple(f"{a}." for a in ("members", "accounts", "cycles", "assessments",
                                                          "results", "reviews", "evidence", "targets",
                                                          "notifications", "audit"))):  # fmt: skip
            continue
        if label in NOT_MEMBER_DATA:
            continue
        scoped = issubclass(model._default_manager.get_queryset().__class__, ScopedQuerySet)
        if (_carries_member_data(model) or label in ("audit.AuditEvent", "notifications.Notification")) and (
            not scoped
        ):
            unscoped.append(label)
    assert not unscoped, f"give these a ScopedQuerySet (or say in NOT_MEMBER_DATA why not): {unscoped}"
    for label in NOT_MEMBER_DATA:
        apps.get_model(label)  # each exemption names a model that exists


@pytest.mark.django_db
def test_an_unscoped_read_is_refused_in_every_form():
    from pmm.assessments.models import DataValue
    from pmm.results.models import PublishedResult

    reads = [
        lambda: list(DataValue.objects.all()),
        lambda: DataValue.objects.filter(period="T").first(),
        lambda: DataValue.objects.count(),
        lambda: DataValue.objects.exists(),
        lambda: DataValue.objects.aggregate(models.Count("id")),
        lambda: list(DataValue.objects.values_list("value", flat=True)),
        lambda: list(PublishedResult.objects.filter(kpi="x").iterator()),
        lambda: list(DataValue.objects.model._meta.apps.get_model("members", "Member").objects.filter(
            pk__in=DataValue.objects.values("assessment__member_id"))),
    ]  # fmt: skip
    for read in reads:
        with pytest.raises(UnscopedRead):
            read()
    assert list(DataValue.objects.unrestricted().all()) == []
    assert "not yet scoped" in repr(DataValue.objects.all())
