from __future__ import annotations

import pytest
from django.conf import settings

from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.core.errors import ApplicationError
from pmm.members.models import Group, Member
from pmm.members.services import group_save, members_load

HEADER = "iso3,iso2,name,wco_region,income_group,landlocked,small_island_developing_state,unions\n"


@pytest.mark.django_db
def test_reloading_the_members_file_changes_nothing():
    events = AuditEvent.objects.unrestricted().count()
    report = members_load(actor=SYSTEM, text=settings.PMM_DEFAULT_MEMBERS_FILE.read_text())
    assert (report.created, report.updated, report.unchanged) == ([], {}, 187)
    assert AuditEvent.objects.unrestricted().count() == events


@pytest.mark.django_db
def test_a_changed_member_is_reported_and_audited():
    text = settings.PMM_DEFAULT_MEMBERS_FILE.read_text().replace(
        "KEN,KE,Kenya,East and Southern Africa,lower_middle,false,false,EAC",
        "KEN,KE,Kenya,East and Southern Africa,upper_middle,false,false,EAC",
    )
    report = members_load(actor=SYSTEM, text=text)
    assert report.updated == {"KEN": ["groups"]}
    kenya = Member.objects.get(iso3="KEN")
    assert "income-upper-middle" in {g.code for g in kenya.groups.all()}
    event = AuditEvent.objects.unrestricted().get(verb="member.updated", target_id=str(kenya.pk))
    assert "income-lower-middle" in event.before["groups"] and "income-upper-middle" in event.after["groups"]


@pytest.mark.django_db
def test_a_bad_members_file_names_each_line_and_column_and_loads_nothing():
    text = HEADER + (
        "NEW,NW,Newland,Europe,high,false,false,\n"
        "XX1,X,Oops,Atlantis,rich,maybe,false,EU;ZZ\n"
        "NEW,NX,Newland again,Europe,high,false,false,\n"
    )
    with pytest.raises(ApplicationError) as error:
        members_load(actor=SYSTEM, text=text)
    fields = [p.field for p in error.value.problems]
    for expected in (
        "line 3, iso3",
        "line 3, iso2",
        "line 3, wco_region",
        "line 3, income_group",
        "line 3, landlocked",
        "line 3, unions",
        "line 4, iso3",
    ):
        assert expected in fields
    assert not Member.objects.filter(iso3="NEW").exists()


@pytest.mark.django_db
def test_wrong_columns_are_reported():
    with pytest.raises(ApplicationError) as error:
        members_load(actor=SYSTEM, text="code,name\nKEN,Kenya\n")
    assert error.value.problems[0].field == "line 1"


@pytest.mark.django_db
def test_french_member_names_come_from_the_iso_translations():
    assert Member.objects.get(iso3="DEU").name == {"en": "Germany", "fr": "Allemagne"}
    assert Member.objects.get(iso3="HKG").name["fr"] == "Hong Kong, Chine"


@pytest.mark.django_db
def test_geography_groups_partition_the_members():
    counts = {g.code: g.members.count() for g in Group.objects.filter(kind="geography")}
    assert counts["geo-landlocked"] == 42 and counts["geo-small-island"] == 32
    assert sum(counts.values()) == 187


@pytest.mark.django_db
def test_custom_groups_are_saved_audited_and_checked(make_user):
    admin = make_user("secretariat_admin")
    group = group_save(
        actor=admin,
        code="landlocked-esa",
        name={"en": "Landlocked ESA", "fr": "AOA sans littoral"},
        member_iso3=["UGA", "RWA", "ZMB"],
        reason="benchmark",
    )
    assert sorted(m.iso3 for m in group.members.all()) == ["RWA", "UGA", "ZMB"]
    assert AuditEvent.objects.unrestricted().filter(verb="group.created", reason="benchmark").exists()
    with pytest.raises(ApplicationError) as error:
        group_save(actor=admin, code="union-eu", name={"en": "x", "fr": "x"}, member_iso3=["ZZZ"])
    fields = {p.field for p in error.value.problems}
    assert {"code", "members"} <= fields


@pytest.mark.django_db
def test_custom_group_from_the_web_page(client, make_user):
    client.force_login(make_user("secretariat_admin"))
    response = client.post(
        "/groups/new/", {"code": "my-group", "name_en": "Mine", "name_fr": "Le mien", "members": "ken, uga"}
    )
    assert response.status_code == 302
    assert "Kenya" in client.get("/groups/my-group/").content.decode()
    bad = client.post(
        "/groups/new/", {"code": "bad-group", "name_en": "B", "name_fr": "B", "members": "KEN QQQ"}
    )
    assert "unknown member QQQ" in bad.content.decode()
