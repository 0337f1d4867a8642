"""Evidence files: upload, download, removal; limits, type sniffing, access and the record they leave."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from pmm.assessments.models import Assessment, Change
from pmm.assessments.selectors import assessment_access
from pmm.assessments.services import assessment_submit
from pmm.audit.models import AuditEvent
from pmm.core.actors import SYSTEM
from pmm.cycles.services import cycle_change_status
from pmm.evidence.checks import evidence_dir_problems
from pmm.evidence.filetypes import FileRefused, sniff_bytes
from pmm.evidence.models import Evidence
from pmm.evidence.selectors import evidence_by_kpi
from pmm.evidence.services import Target, evidence_path, evidence_upload

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20) + b"\xff\xd9"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


def office(kind: str, macros: bool = False) -> bytes:
    """A minimal XLSX or DOCX package (enough for the sniffer: the parts it looks at)."""
    main = {
        "xlsx": (
            "xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        ),
        "docx": (
            "word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
    }[kind]
    if macros:
        main = (main[0], "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{main[0]}" ContentType="{main[1]}"/></Types>',
        )
        package.writestr(main[0], "<root/>")
        if macros:
            package.writestr("xl/vbaProject.bin", b"\x00" * 32)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path: Path) -> Path:
    folder = tmp_path / "evidence"
    settings.PMM_EVIDENCE_DIR = folder
    return folder


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def url(cycle, iso3: str = "KEN", suffix: str = "") -> str:
    return f"/api/v1/cycles/{cycle.pk}/assessments/{iso3}/evidence{suffix}"


def upload(client, cycle, headers, name: str, data: bytes, iso3: str = "KEN", **fields: str):
    if "element" not in fields:
        fields.setdefault("kpi", "D1.O1.K1")
    return client.post(url(cycle, iso3), {"file": SimpleUploadedFile(name, data), **fields}, headers=headers)


# --------------------------------------------------------------------------------------------
# API round trip, history and audit


@pytest.mark.django_db
def test_upload_list_download_round_trip(client, open_cycle, make_user, bearer, evidence_dir):
    ncp = make_user("ncp", "KEN")
    headers = bearer(ncp)
    response = upload(
        client, open_cycle, headers, "customs report 2024.pdf", PDF, description="Annual report"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kpi"] == "D1.O1.K1" and body["element"] is None
    assert body["name"] == "customs report 2024.pdf"
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(PDF) and body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["uploaded_by"] == ncp.username and body["description"] == "Annual report"

    listed = client.get(url(open_cycle), headers=headers).json()
    assert [f["id"] for f in listed] == [body["id"]]

    download = client.get(body["download_url"], headers=headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="customs report 2024.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]


@pytest.mark.django_db
def test_upload_starts_the_assessment_and_writes_history_and_audit(client, open_cycle, make_user, bearer):
    headers = bearer(make_user("ncp", "KEN"))
    evidence_id = upload(client, open_cycle, headers, "r.pdf", PDF).json()["id"]
    assessment = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN")
    assert assessment.status == "in_progress"
    change = Change.objects.unrestricted().get(assessment=assessment, subject="evidence:D1.O1.K1")
    assert change.field == "file" and change.old is None and change.path == "api"
    assert change.new["id"] == evidence_id and change.new["sha256"] == hashlib.sha256(PDF).hexdigest()
    event = AuditEvent.objects.unrestricted().get(verb="evidence.uploaded")
    assert (
        event.target_id == str(evidence_id) and event.after["evidence:D1.O1.K1"]["file"]["id"] == evidence_id
    )
    history = client.get(f"/api/v1/cycles/{open_cycle.pk}/assessments/KEN/history", headers=headers).json()
    assert any(h["subject"] == "evidence:D1.O1.K1" for h in history)


@pytest.mark.django_db
def test_a_stale_version_refuses_an_upload_and_a_removal(client, open_cycle, make_user, bearer, evidence_dir):
    headers = bearer(make_user("ncp", "KEN"))
    first = upload(client, open_cycle, headers, "r.pdf", PDF).json()["id"]
    version = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").version
    stale = upload(client, open_cycle, headers, "s.pdf", PDF, version=str(version - 1))
    assert stale.status_code == 409 and stale.json()["error"]["fields"][0]["field"] == "version"
    assert len(stored_files(evidence_dir)) == 1 and Evidence.objects.unrestricted().count() == 1
    assert upload(client, open_cycle, headers, "s.pdf", PDF, version=str(version)).status_code == 201
    removal = client.delete(url(open_cycle, suffix=f"/{first}?version={version}"), headers=headers)
    assert removal.status_code == 409
    assert Evidence.objects.unrestricted().get(pk=first).deleted_at is None
    removed = client.delete(url(open_cycle, suffix=f"/{first}?version={version + 1}"), headers=headers)
    assert removed.status_code == 200
    assert Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").version == version + 2


@pytest.mark.django_db
def test_remove_hides_the_file_and_keeps_the_record(client, open_cycle, make_user, bearer, evidence_dir):
    headers = bearer(make_user("contributor", "KEN"))
    evidence_id = upload(client, open_cycle, headers, "r.pdf", PDF).json()["id"]
    version = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN").version
    response = client.delete(url(open_cycle, suffix=f"/{evidence_id}?reason=wrong+year"), headers=headers)
    assert response.status_code == 200, response.content
    assert client.get(url(open_cycle), headers=headers).json() == []
    assert client.get(url(open_cycle, suffix=f"/{evidence_id}"), headers=headers).status_code == 404
    assert client.delete(url(open_cycle, suffix=f"/{evidence_id}"), headers=headers).status_code == 404
    evidence = Evidence.objects.unrestricted().get(pk=evidence_id)
    assert evidence.deleted_at is not None and evidence.deleted_reason == "wrong year"
    assert evidence_path(evidence).read_bytes() == PDF  # soft removal: the bytes stay for the record
    change = Change.objects.unrestricted().get(subject="evidence:D1.O1.K1", new__isnull=True)
    assert change.old["id"] == evidence_id and change.reason == "wrong year"
    assert (
        AuditEvent.objects.unrestricted().filter(verb="evidence.removed", target_id=str(evidence_id)).exists()
    )
    assert Assessment.objects.get(pk=evidence.assessment_id).version == version + 1


@pytest.mark.django_db
def test_evidence_for_one_value(client, open_cycle, make_user, bearer):
    headers = bearer(make_user("ncp", "KEN"))
    response = upload(
        client,
        open_cycle,
        headers,
        "decl.csv",
        b"month,declarations\n1,1000\n",
        element="DECL_TOTAL",
        period="T",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kpi"], body["element"], body["period"]) == (None, "DECL_TOTAL", "T")
    assert body["content_type"] == "text/csv"
    assert Change.objects.unrestricted().filter(subject="evidence:DECL_TOTAL@T").exists()
    download = client.get(body["download_url"], headers=headers)
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assessment = Assessment.objects.get(cycle=open_cycle, member__iso3="KEN")
    grouped = evidence_by_kpi(SYSTEM, assessment)
    assert [e.pk for e in grouped["D1.O1.K1"]] == [body["id"]]  # DECL_TOTAL is an input of K1 and D4.O4.K2
    assert [e.pk for e in grouped["D4.O4.K2"]] == [body["id"]]


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"kpi": "D9.O9.K9"}, "kpi"),
        ({"element": "NOPE", "period": "T"}, "element"),
        ({"element": "DECL_TOTAL", "period": "T-1"}, "period"),
        ({"kpi": "D1.O1.K1", "element": "DECL_TOTAL", "period": "T"}, "kpi"),
        ({"kpi": "", "description": "nothing to attach to"}, "kpi"),
    ],
)
@pytest.mark.django_db
def test_bad_targets_are_refused(client, open_cycle, make_user, bearer, evidence_dir, fields, field):
    headers = bearer(make_user("ncp", "KEN"))
    response = upload(client, open_cycle, headers, "r.pdf", PDF, **fields)
    assert response.status_code == 422, response.content
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]
    assert not Evidence.objects.unrestricted().exists() and not stored_files(evidence_dir)


# --------------------------------------------------------------------------------------------
# Limits and types


@pytest.mark.django_db
def test_size_limit(client, open_cycle, make_user, bearer, settings, evidence_dir):
    settings.PMM_EVIDENCE_MAX_BYTES = 1000
    headers = bearer(make_user("ncp", "KEN"))
    response = upload(client, open_cycle, headers, "big.pdf", PDF + b"0" * 1000)
    assert response.status_code == 422
    assert "too large" in response.json()["error"]["message"]
    assert not Evidence.objects.unrestricted().exists() and not stored_files(evidence_dir)
    assert not AuditEvent.objects.unrestricted().filter(verb="evidence.uploaded").exists()
    assert upload(client, open_cycle, headers, "small.pdf", PDF).status_code == 201


@pytest.mark.parametrize(
    "name,data,expected",
    [
        ("report.pdf", PDF, "application/pdf"),
        ("chart.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("figures.xlsx", office("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            "note.docx",
            office("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("data.csv", "code;valeur\nDECL;1 000 déclarations\n".encode(), "text/csv"),
        ("readme.txt", b"\xef\xbb\xbfPlain text with a BOM, 5 < 6.\r\n", "text/plain"),
    ],
)
def test_accepted_kinds(name, data, expected):
    assert sniff_bytes(data, name).content_type == expected


def test_a_real_workbook_is_accepted(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Declarations"
    workbook.save(tmp_path / "real.xlsx")
    assert sniff_bytes((tmp_path / "real.xlsx").read_bytes(), "real.xlsx").code == "xlsx"
    workbook.save(tmp_path / "real.xlsm")  # same bytes, macro-enabled name: refused by its name
    with pytest.raises(FileRefused, match="not accepted"):
        sniff_bytes((tmp_path / "real.xlsm").read_bytes(), "real.xlsm")


@pytest.mark.parametrize(
    "name,data,why",
    [
        ("report.pdf", HTML, "markup"),  # HTML pretending to be a PDF
        ("report.txt", HTML, "markup"),
        ("page.html", HTML, "not accepted"),
        ("drawing.svg", SVG, "not accepted"),
        ("drawing.txt", SVG, "markup"),
        ("tool.exe", EXE, "not accepted"),
        ("tool.pdf", EXE, "executable"),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", "script"),
        ("macro.xlsx", office("xlsx", macros=True), "Macro-enabled"),
        ("macro.xlsm", office("xlsx", macros=True), "not accepted"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "OLE"),
        ("archive.xlsx", b"PK\x03\x04" + bytes(30), "cannot be read"),
        ("chart.png", JPEG, "does not match"),
        ("figures.docx", office("xlsx"), "does not match"),
        ("binary.txt", b"abc\x00\x01def", "not a recognised"),
        ("empty.pdf", b"", "empty"),
        ("noextension", PDF, "not accepted"),
    ],
)
def test_refused_kinds(name, data, why):
    with pytest.raises(FileRefused, match=why):
        sniff_bytes(data, name)


@pytest.mark.parametrize(
    "name,data", [("report.pdf", HTML), ("setup.exe", EXE), ("macro.xlsx", office("xlsx", macros=True))]
)
@pytest.mark.django_db
def test_refused_upload_stores_nothing(client, open_cycle, make_user, bearer, evidence_dir, name, data):
    headers = bearer(make_user("ncp", "KEN"))
    response = upload(client, open_cycle, headers, name, data)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "file"
    assert not Evidence.objects.unrestricted().exists() and not stored_files(evidence_dir)
    assert not Change.objects.unrestricted().filter(subject__startswith="evidence:").exists()
    assert not AuditEvent.objects.unrestricted().filter(verb__startswith="evidence.").exists()


@pytest.mark.django_db
def test_the_client_content_type_is_ignored(client, open_cycle, make_user, bearer):
    headers = bearer(make_user("ncp", "KEN"))
    disguised = SimpleUploadedFile("notes.txt", b"plain words", content_type="text/html")
    response = client.post(url(open_cycle), {"file": disguised, "kpi": "D1.O1.K1"}, headers=headers)
    assert response.status_code == 201
    assert response.json()["content_type"] == "text/plain"
    download = client.get(response.json()["download_url"], headers=headers)
    assert download["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.django_db
def test_file_names_are_cleaned(open_cycle, make_user):
    assessment = assessment_access(SYSTEM, open_cycle, "KEN")
    evidence = evidence_upload(
        actor=SYSTEM,
        assessment=assessment,
        target=Target(kpi="D1.O1.K1"),
        uploaded_file=SimpleUploadedFile("..\\..\\etc/pass\x07wd.pdf", PDF),
    )
    assert evidence.original_name == "passwd.pdf"
    assert "/" not in evidence.storage_name.split("/", 1)[1] and "passwd" not in evidence.storage_name


# --------------------------------------------------------------------------------------------
# Where files live


@pytest.mark.django_db
def test_files_are_stored_outside_the_static_root_under_a_random_name(open_cycle, settings, evidence_dir):
    assessment = assessment_access(SYSTEM, open_cycle, "KEN")
    evidence = evidence_upload(
        actor=SYSTEM,
        assessment=assessment,
        target=Target(kpi="D1.O1.K1"),
        uploaded_file=SimpleUploadedFile("a.pdf", PDF),
    )
    stored = evidence_path(evidence).resolve()
    assert stored.read_bytes() == PDF
    assert evidence_dir.resolve() in stored.parents
    static_root = Path(settings.STATIC_ROOT).resolve()
    assert static_root not in stored.parents
    assert Path(__file__).resolve().parent.parent / "src" not in stored.parents
    assert "a.pdf" not in str(stored) and stored.suffix == ""
    assert stored.stat().st_mode & 0o077 == 0  # readable by the platform only


def test_the_default_evidence_folder_is_outside_the_web_root(settings):
    from pmm.config import settings as real

    settings.PMM_EVIDENCE_DIR = real.PMM_EVIDENCE_DIR
    assert evidence_dir_problems() == []
    settings.PMM_EVIDENCE_DIR = Path(settings.STATIC_ROOT) / "evidence"
    assert evidence_dir_problems() == ["STATIC_ROOT"]
    from pmm.evidence.checks import evidence_dir_check

    assert [e.id for e in evidence_dir_check(None)] == ["pmm.evidence.E001"]


# --------------------------------------------------------------------------------------------
# Who may do what


@pytest.mark.django_db
def test_another_members_ncp_gets_404(client, open_cycle, make_user, bearer, evidence_dir):
    kenya = bearer(make_user("ncp", "KEN"))
    evidence_id = upload(client, open_cycle, kenya, "r.pdf", PDF).json()["id"]
    france = make_user("ncp", "FRA")
    other = bearer(france)
    assert client.get(url(open_cycle), headers=other).status_code == 404
    assert client.get(url(open_cycle, suffix=f"/{evidence_id}"), headers=other).status_code == 404
    assert client.delete(url(open_cycle, suffix=f"/{evidence_id}"), headers=other).status_code == 404
    assert upload(client, open_cycle, other, "x.pdf", PDF).status_code == 404
    # Their own assessment's path does not reach Kenya's file either.
    assert client.get(url(open_cycle, "FRA", f"/{evidence_id}"), headers=other).status_code == 404
    client.force_login(france)
    page = f"/cycles/{open_cycle.pk}/assessments/KEN/evidence/"
    assert client.get(page).status_code == 404
    assert client.get(f"{page}{evidence_id}/").status_code == 404
    assert client.post(f"{page}{evidence_id}/remove/").status_code == 404
    assert Evidence.objects.unrestricted().get(pk=evidence_id).deleted_at is None


@pytest.mark.django_db
def test_reading_roles_may_download_but_not_upload(client, open_cycle, make_user, bearer):
    evidence_id = upload(client, open_cycle, bearer(make_user("ncp", "KEN")), "r.pdf", PDF).json()["id"]
    analyst = bearer(make_user("secretariat_analyst"))
    assert client.get(url(open_cycle, suffix=f"/{evidence_id}"), headers=analyst).status_code == 200
    assert upload(client, open_cycle, analyst, "x.pdf", PDF).status_code == 403
    assert client.delete(url(open_cycle, suffix=f"/{evidence_id}"), headers=analyst).status_code == 403
    reviewer = bearer(make_user("peer_reviewer", "CAN"))
    assert client.get(url(open_cycle), headers=reviewer).status_code == 404


@pytest.mark.django_db
def test_anonymous_and_session_writes(client, open_cycle, make_user):
    assert client.get(url(open_cycle)).status_code == 401
    client.force_login(make_user("ncp", "KEN"))
    assert client.get(url(open_cycle)).status_code == 200  # reads accept the session
    response = client.post(url(open_cycle), {"file": SimpleUploadedFile("r.pdf", PDF), "kpi": "D1.O1.K1"})
    assert response.status_code == 401  # writes need a token
    assert not Evidence.objects.unrestricted().exists()


@pytest.mark.django_db
def test_no_changes_once_submitted_or_closed(
    client, open_cycle, make_user, bearer, complete_assessment, evidence_dir
):
    headers = bearer(make_user("ncp", "KEN"))
    evidence_id = upload(client, open_cycle, headers, "r.pdf", PDF).json()["id"]
    assessment = complete_assessment(open_cycle, "KEN")
    assessment_submit(actor=SYSTEM, assessment=assessment)
    before = stored_files(evidence_dir)
    response = upload(client, open_cycle, headers, "late.pdf", PDF)
    assert response.status_code == 409 and "submitted" in response.json()["error"]["message"]
    assert client.delete(url(open_cycle, suffix=f"/{evidence_id}"), headers=headers).status_code == 409
    assert stored_files(evidence_dir) == before and Evidence.objects.unrestricted().count() == 1

    cycle_change_status(actor=SYSTEM, cycle=open_cycle, action="close")
    france = bearer(make_user("ncp", "FRA"))
    response = upload(client, open_cycle, france, "late.pdf", PDF, iso3="FRA")
    assert response.status_code == 409 and "closed" in response.json()["error"]["message"]
    assert not Assessment.objects.filter(cycle=open_cycle, member__iso3="FRA").exists()
    assert stored_files(evidence_dir) == before


# --------------------------------------------------------------------------------------------
# Pages


@pytest.mark.django_db
def test_contributor_uploads_on_the_page_and_downloads(client, open_cycle, make_user, evidence_dir):
    client.force_login(make_user("contributor", "KEN"))
    page = f"/cycles/{open_cycle.pk}/assessments/KEN/evidence/"
    response = client.get(page)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content and b"D4.O5.K2" in response.content
    response = client.post(
        page, {"file": SimpleUploadedFile("scan.png", PNG), "kpi": "D1.O2.K1", "description": "AEO list"}
    )
    assert response.status_code == 302 and response["Location"] == page
    evidence = Evidence.objects.unrestricted().get()
    assert evidence.kpi.code == "D1.O2.K1" and evidence.content_type == "image/png"
    assert Change.objects.unrestricted().get(subject="evidence:D1.O2.K1").path == "form"
    listing = client.get(page).content.decode()
    assert "scan.png" in listing and "AEO list" in listing
    download = client.get(f"{page}{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"] == 'attachment; filename="scan.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    response = client.post(f"{page}{evidence.pk}/remove/", {"reason": "duplicate"})
    assert response.status_code == 302
    assert Evidence.objects.unrestricted().get().deleted_reason == "duplicate"


@pytest.mark.django_db
def test_page_shows_refusals_next_to_the_file(client, open_cycle, make_user, evidence_dir):
    client.force_login(make_user("ncp", "KEN"))
    page = f"/cycles/{open_cycle.pk}/assessments/KEN/evidence/"
    response = client.post(page, {"file": SimpleUploadedFile("report.pdf", HTML), "kpi": "D1.O1.K1"})
    assert response.status_code == 400
    assert "markup" in response.content.decode()
    assert not stored_files(evidence_dir)


@pytest.mark.django_db
def test_page_access(client, open_cycle, make_user):
    page = f"/cycles/{open_cycle.pk}/assessments/KEN/evidence/"
    response = client.get(page)
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(make_user("secretariat_analyst"))
    response = client.get(page)
    assert response.status_code == 200 and b'type="file"' not in response.content
    assert client.get(f"/cycles/{open_cycle.pk}/assessments/XXX/evidence/").status_code == 404
    assert client.get("/cycles/999999/assessments/KEN/evidence/").status_code == 404


@pytest.mark.django_db
def test_the_partial_lists_a_kpis_files(rf, open_cycle, make_user):
    assessment = assessment_access(SYSTEM, open_cycle, "KEN")
    evidence_upload(
        actor=SYSTEM,
        assessment=assessment,
        target=Target(kpi="D1.O1.K3"),
        uploaded_file=SimpleUploadedFile("pay.pdf", PDF),
    )
    assessment = Assessment.objects.get(pk=assessment.pk)
    request = rf.get("/somewhere/")
    html = Template(
        "{% load evidence %}{% evidence_for_kpi files 'D1.O1.K3' assessment True %}"
        "{% evidence_for_kpi files 'D1.O1.K1' assessment False %}"
    ).render(
        Context({"files": evidence_by_kpi(SYSTEM, assessment), "assessment": assessment, "request": request})
    )
    assert "pay.pdf" in html and 'name="next" value="/somewhere/"' in html
    assert html.count("No evidence files.") == 1


@pytest.mark.django_db
def test_list_endpoint_query_count_does_not_grow(client, open_cycle, make_user, bearer):
    headers = bearer(make_user("ncp", "KEN"))
    upload(client, open_cycle, headers, "1.pdf", PDF)
    client.get(url(open_cycle), headers=headers)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url(open_cycle), headers=headers).json()) == 1
    for n in range(4):
        upload(client, open_cycle, headers, f"{n}.txt", b"text", element="AEO_COUNT", period="T-1")
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url(open_cycle), headers=headers).json()) == 5
    assert len(five.captured_queries) == len(one.captured_queries)
