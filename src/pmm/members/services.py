"""Writes on members and groups. Every write is audited."""

from __future__ import annotations

import csv
import gettext
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pycountry
from django.db import transaction

from pmm.audit.services import audit_record
from pmm.authz import require
from pmm.core.errors import ApplicationError, FieldProblem
from pmm.core.text import text_problem
from pmm.members.catalogue import NAME_OVERRIDES_FR, PREDEFINED_GROUPS, GroupDefinition
from pmm.members.models import Group, GroupKind, Member

CSV_COLUMNS = [
    "iso3",
    "iso2",
    "name",
    "wco_region",
    "income_group",
    "landlocked",
    "small_island_developing_state",
    "unions",
]
_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class MemberRow:
    line: int
    iso3: str
    iso2: str
    name_en: str
    region: GroupDefinition
    income: GroupDefinition
    landlocked: bool
    sids: bool
    unions: tuple[GroupDefinition, ...]

    def group_codes(self) -> set[str]:
        geography = (
            "geo-landlocked" if self.landlocked else "geo-small-island" if self.sids else "geo-coastal"
        )
        return {self.region.code, self.income.code, geography, *(u.code for u in self.unions)}


@dataclass
class MembersLoadReport:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    groups_created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.groups_created)

    def summary(self) -> str:
        lines = [f"{len(self.created)} created, {len(self.updated)} updated, {self.unchanged} unchanged"]
        if self.groups_created:
            lines.append(f"groups created: {', '.join(self.groups_created)}")
        lines += [f"created {iso3}" for iso3 in self.created]
        lines += [f"updated {iso3}: {', '.join(fields)}" for iso3, fields in self.updated.items()]
        return "\n".join(lines)


def _by_key(kind: str) -> dict[str, GroupDefinition]:
    return {g.key: g for g in PREDEFINED_GROUPS if g.kind == kind}


def _french_name(iso3: str, english: str) -> str:
    if iso3 in NAME_OVERRIDES_FR:
        return NAME_OVERRIDES_FR[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return english
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    return french.gettext(country.name)


def _csv_rows(reader: csv.DictReader[str]) -> list[dict[str | Any, Any]]:
    """Every row of the CSV; a file the csv module cannot read is refused naming the line."""
    try:
        return list(reader)
    except csv.Error as error:
        raise ApplicationError(
            "The members file cannot be read as CSV; nothing was loaded.",
            problems=[FieldProblem(f"line {reader.line_num}", str(error))],
        ) from None


def members_parse_csv(text: str) -> list[MemberRow]:
    """Parse and check the members CSV; raise ApplicationError naming every bad line and column."""
    # Universal newlines: a bare carriage return ends a line, as when `pmm members load` reads the file.
    reader = csv.DictReader(io.StringIO(text, newline=None))
    problems: list[FieldProblem] = []
    if reader.fieldnames is None or [c.strip() for c in reader.fieldnames] != CSV_COLUMNS:
        raise ApplicationError(
            "The members file does not have the expected columns.",
            problems=[
                FieldProblem(
                    "line 1",
                    f"expected columns {', '.join(CSV_COLUMNS)}; found {', '.join(reader.fieldnames or [])}",
                )
            ],
        )
    regions, incomes, unions = (
        _by_key(GroupKind.WCO_REGION),
        _by_key(GroupKind.INCOME_GROUP),
        _by_key(GroupKind.UNION),
    )
    rows: list[MemberRow] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(_csv_rows(reader), start=2):
        where = f"line {line}"
        before = len(problems)
        cell = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        for column, value in cell.items():
            if (bad := text_problem(value)) is not None:
                problems.append(FieldProblem(f"{where}, {column}", bad))
        if None in raw:
            problems.append(FieldProblem(where, "has more cells than the header"))
        iso3, iso2 = cell.get("iso3", ""), cell.get("iso2", "")
        if not re.fullmatch(r"[A-Z]{3}", iso3):
            problems.append(FieldProblem(f"{where}, iso3", f"must be three capital letters, not {iso3!r}"))
        elif iso3 in seen:
            problems.append(FieldProblem(f"{where}, iso3", f"{iso3} already appears on line {seen[iso3]}"))
        else:
            seen[iso3] = line
        if not re.fullmatch(r"[A-Z]{2}", iso2):
            problems.append(FieldProblem(f"{where}, iso2", f"must be two capital letters, not {iso2!r}"))
        if not cell.get("name"):
            problems.append(FieldProblem(f"{where}, name", "is empty"))
        region = regions.get(cell.get("wco_region", ""))
        if region is None:
            problems.append(
                FieldProblem(f"{where}, wco_region", f"unknown WCO region {cell.get('wco_region', '')!r}")
            )
        income = incomes.get(cell.get("income_group", ""))
        if income is None:
            problems.append(
                FieldProblem(
                    f"{where}, income_group",
                    f"unknown income group {cell.get('income_group', '')!r}; "
                    f"expected one of {', '.join(incomes)}",
                )
            )
        flags = {}
        for column in ("landlocked", "small_island_developing_state"):
            value = cell.get(column, "").lower()
            if value not in _BOOLEANS:
                problems.append(FieldProblem(f"{where}, {column}", f"must be true or false, not {value!r}"))
            flags[column] = _BOOLEANS.get(value, False)
        member_unions = []
        for code in filter(None, (u.strip() for u in cell.get("unions", "").split(";"))):
            if code not in unions:
                problems.append(
                    FieldProblem(
                        f"{where}, unions", f"unknown union {code!r}; expected one of {', '.join(unions)}"
                    )
                )
            else:
                member_unions.append(unions[code])
        if len(problems) == before and region is not None and income is not None:
            rows.append(
                MemberRow(
                    line,
                    iso3,
                    iso2,
                    cell["name"],
                    region,
                    income,
                    flags["landlocked"],
                    flags["small_island_developing_state"],
                    tuple(member_unions),
                )
            )
    if problems:
        raise ApplicationError("The members file has errors; nothing was loaded.", problems=problems)
    return rows


def _ensure_predefined_groups(report: MembersLoadReport) -> dict[str, Group]:
    existing = {g.code: g for g in Group.objects.filter(code__in=[d.code for d in PREDEFINED_GROUPS])}
    for order, definition in enumerate(PREDEFINED_GROUPS):
        name = {"en": definition.en, "fr": definition.fr}
        group = existing.get(definition.code)
        if group is None:
            existing[definition.code] = Group.objects.create(
                code=definition.code, kind=definition.kind, name=name, sort_order=order
            )
            report.groups_created.append(definition.code)
        elif group.name != name or group.sort_order != order:
            group.name, group.sort_order = name, order
            group.save(update_fields=["name", "sort_order"])
    return existing


def _member_state(member: Member) -> dict[str, Any]:
    return {
        "iso2": member.iso2,
        "name": member.name,
        "landlocked": member.landlocked,
        "small_island_developing_state": member.small_island_developing_state,
    }


@transaction.atomic
def members_load(*, text: str, actor: Any) -> MembersLoadReport:
    """Create or update members and their predefined groups from the CSV. Idempotent."""
    require(actor, "member.load")
    rows = members_parse_csv(text)
    report = MembersLoadReport()
    groups = _ensure_predefined_groups(report)
    predefined_codes = {d.code for d in PREDEFINED_GROUPS}
    existing = {m.iso3: m for m in Member.objects.prefetch_related("groups")}
    for row in rows:
        wanted = {
            "iso2": row.iso2,
            "name": {"en": row.name_en, "fr": _french_name(row.iso3, row.name_en)},
            "landlocked": row.landlocked,
            "small_island_developing_state": row.sids,
        }
        member = existing.get(row.iso3)
        before = _member_state(member) if member else None
        if member is None:
            member = Member.objects.create(iso3=row.iso3, sort_name=row.name_en, **wanted)
            report.created.append(row.iso3)
        else:
            changed = [k for k, v in wanted.items() if before is not None and before[k] != v]
            if changed or member.sort_name != row.name_en:
                for key in changed:
                    setattr(member, key, wanted[key])
                member.sort_name = row.name_en
                member.save()
                report.updated[row.iso3] = changed or ["sort_name"]
        current_codes = {g.code for g in member.groups.all()} & predefined_codes
        wanted_codes = row.group_codes()
        if current_codes != wanted_codes:
            member.groups.remove(*[groups[c] for c in current_codes - wanted_codes])
            member.groups.add(*[groups[c] for c in wanted_codes - current_codes])
            if row.iso3 not in report.created:
                report.updated.setdefault(row.iso3, []).append("groups")
        if row.iso3 in report.created or row.iso3 in report.updated:
            audit_record(
                actor=actor,
                verb="member.created" if before is None else "member.updated",
                target=member,
                before=before and {**before, "groups": sorted(current_codes)},
                after={**_member_state(member), "groups": sorted(wanted_codes)},
            )
        else:
            report.unchanged += 1
    if report.changed:
        audit_record(
            actor=actor,
            verb="members.loaded",
            target_label="members file",
            after={
                "created": report.created,
                "updated": sorted(report.updated),
                "unchanged": report.unchanged,
                "groups_created": report.groups_created,
            },
        )
    return report


def _set_group_members(group: Group, member_ids: list[int]) -> None:
    through = Member.groups.through
    through.objects.filter(group=group).delete()
    through.objects.bulk_create([through(group=group, member_id=m) for m in member_ids])


@transaction.atomic
def group_save(
    *,
    actor: Any,
    code: str,
    name: dict[str, str],
    member_iso3: list[str],
    description: dict[str, str] | None = None,
    reason: str = "",
) -> Group:
    """Create or change a custom group (predefined groups come from the members file only)."""
    require(actor, "group.manage")
    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,78}", code or ""):
        problems.append(FieldProblem("code", "use 2 to 79 lower-case letters, digits and hyphens"))
    if not (name or {}).get("en", "").strip():
        problems.append(FieldProblem("name.en", "an English name is required"))
    if not (name or {}).get("fr", "").strip():
        problems.append(FieldProblem("name.fr", "a French name is required"))
    wanted = sorted(set(member_iso3))
    found = dict(Member.objects.filter(iso3__in=wanted).values_list("iso3", "pk"))
    problems += [FieldProblem("members", f"unknown member {iso3}") for iso3 in wanted if iso3 not in found]
    group = Group.objects.filter(code=code).first()
    if group is not None and group.kind != GroupKind.CUSTOM:
        problems.append(FieldProblem("code", "this is a predefined group; it cannot be edited here"))
    if problems:
        raise ApplicationError("The group could not be saved.", problems=problems)
    name = {k: v.strip() for k, v in name.items() if v.strip()}
    before = None
    if group is None:
        group = Group.objects.create(
            code=code, kind=GroupKind.CUSTOM, name=name, description=description or {}
        )
    else:
        before = {
            "name": group.name,
            "description": group.description,
            "members": sorted(Member.objects.filter(groups=group).values_list("iso3", flat=True)),
        }
        group.name, group.description = name, description or {}
        group.save(update_fields=["name", "description"])
    _set_group_members(group, list(found.values()))
    audit_record(
        actor=actor,
        verb="group.created" if before is None else "group.updated",
        target=group,
        before=before,
        after={"name": group.name, "description": group.description, "members": wanted},
        reason=reason,
    )
    return group
