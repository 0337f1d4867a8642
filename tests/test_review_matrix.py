"""The comment-response matrix of a peer review: every query with its thread, the member's answers,
corrections and evidence, and the outcome; as an Excel workbook (page, API, command line) and as a
printable page. Each reader sees what `review_queries` shows them; others get 404."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import accredited_reviewer
from pmm.assessments.models import DataValue
from pmm.assessments.services.common import ValueInput
from pmm.cli import app
from pmm.results.formatting import number_text
from pmm.reviews.matrix import matrix_rows, matrix_xlsx, review_matrix
from pmm.reviews.selectors import review_queries
from pmm.reviews.services import (
    query_answer,
    query_attach,
    query_close,
    query_correct,
    query_raise,
    review_move,
    verdict_set,
)

pytestmark = pytest.mark.django_db
KPI = "D1.O1.K1"  # pct(DECL_ELECTRONIC, DECL_TOTAL)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MATRIX_HEADER_ROW = 7  # title, four facts, a blank row, then the table


def _due(days=14):
    return timezone.localdate() + timedelta(days=days)


def _send(s):
    review_move(actor=s.lead, review=s.review, action="send_round", due_date=_due())


def _value(assessment, element, period="T"):
    return (
        DataValue.objects.unrestricted()
        .get(assessment=assessment, element__code=element, period=period)
        .value
    )


def _pdf(name="proof.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def _urls(s):
    args = [s.assessment.cycle_id, "KEN"]
    return {
        "page": reverse("reviews:review_matrix", args=args),
        "xlsx": reverse("reviews:review_matrix_xlsx", args=args),
        "api": f"/api/v1/cycles/{s.assessment.cycle_id}/assessments/KEN/review/matrix.xlsx",
    }


def _book(content: bytes):
    return load_workbook(io.BytesIO(content))


def _table(sheet, header_row):
    """The sheet's table as dicts by header, below `header_row`."""
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _texts(book) -> list[str]:
    return [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]


@pytest.fixture
def worked(started):
    """Two queries sent in round 1: the member corrects a value on the first and answers the second
    with words and an evidence file; then hands back. The lead closes the first and judges its KPI;
    a third query is being prepared and has not been sent."""
    s = started
    first = query_raise(
        actor=s.lead,
        review=s.review,
        kpi=KPI,
        element="DECL_ELECTRONIC",
        period="T",
        text="Why is the share so low?",
    )
    second = query_raise(actor=s.second, review=s.review, kpi="D1.O1.K2", text="Is the system national?")
    _send(s)
    before = _value(s.assessment, "DECL_ELECTRONIC")
    total = _value(s.assessment, "DECL_TOTAL")
    corrected = min(total, before + 1) if before < total else before - 1
    first.refresh_from_db()
    second.refresh_from_db()
    query_correct(
        actor=s.ncp,
        query=first,
        items=[ValueInput("DECL_ELECTRONIC", "T", corrected)],
        text="We had left out one office.",
    )
    query_answer(actor=s.ncp, query=second, text="Yes, one national system.")
    query_attach(actor=s.ncp, query=second, uploaded_file=_pdf(), text="The decree")
    review_move(actor=s.ncp, review=s.review, action="hand_back")
    query_close(actor=s.lead, query=first, text="Thank you, corrected.")
    verdict_set(actor=s.lead, review=s.review, kpi=KPI, verdict="adjusted", reason="Corrected in round 1")
    query_raise(actor=s.second, review=s.review, kpi=KPI, text="Draft: check the offices again")
    s.change = f"DECL_ELECTRONIC T: {number_text(before, 6)} → {number_text(corrected, 6)}"
    s.before, s.corrected = before, corrected
    s.fresh()
    return s


def test_the_workbook_has_one_row_per_query_with_its_responses_and_outcome(worked, client):
    s = worked
    client.force_login(s.lead)
    response = client.get(_urls(s)["xlsx"])
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert 'filename="pmm-review-matrix-ken-cycle' in response["Content-Disposition"]
    book = _book(response.content)
    assert book.sheetnames == ["Matrix", "Thread"]
    sheet = book["Matrix"]
    assert sheet["A1"].value == "Comment-response matrix of the peer review"
    facts = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(2, 6)}
    assert facts["Member"] == "Kenya (KEN)" and facts["Review status"] == "In review"
    assert facts["Cycle"] == str(s.assessment.cycle) and facts["Generated at"] is not None
    assert sheet.freeze_panes == f"A{MATRIX_HEADER_ROW + 1}"
    assert all(c.font.bold for c in sheet[MATRIX_HEADER_ROW] if c.value)
    rows = _table(sheet, MATRIX_HEADER_ROW)
    assert [r["Query"] for r in rows] == [1, 2, 3]  # the lead sees the query being prepared
    first, second, draft = rows
    assert first["KPI"] == KPI and first["KPI name"]
    assert (first["Data element"], first["Year"]) == ("DECL_ELECTRONIC", "T (2024)")
    assert first["Round"] == 1 and first["Due date"].date() == _due()
    assert first["Status"] == "Closed" and first["Question"] == "Why is the share so low?"
    assert first["The member's responses"] == f"Correction: {s.change} — We had left out one office."
    assert first["The reviewers' follow-up"] == "Closed: Thank you, corrected."
    assert (first["Verdict on the KPI"], first["Reason for the verdict"]) == (
        "Adjusted",
        "Corrected in round 1",
    )
    assert second["The member's responses"].splitlines() == [
        "Answer: Yes, one national system.",
        "Evidence: proof.pdf — The decree",
    ]
    assert second["Status"] == "Answered" and second["Verdict on the KPI"] is None
    assert draft["Round"] is None and draft["Status"] == "Open"
    assert draft["Verdict on the KPI"] == "Adjusted"  # the verdict of its KPI
    assert all(c.alignment.wrap_text for c in sheet[MATRIX_HEADER_ROW + 1] if c.value is not None)
    assert sheet.column_dimensions["I"].width >= 40  # the question
    thread = book["Thread"]
    assert thread.freeze_panes == "A2" and all(c.font.bold for c in thread[1])
    steps = _table(thread, 1)
    assert [(m["Query"], m["Kind"]) for m in steps] == [
        (1, "Question"),
        (1, "Correction"),
        (1, "Closed"),
        (2, "Question"),
        (2, "Answer"),
        (2, "Evidence"),
        (3, "Question"),
    ]
    correction = steps[1]
    assert correction["Value corrected"] == "DECL_ELECTRONIC T"
    assert (correction["Before"], correction["After"]) == (
        number_text(s.before, 6),
        number_text(s.corrected, 6),
    )
    assert correction["Author"] == s.ncp.username and correction["Round"] == 1
    assert steps[5]["Evidence"] == "proof.pdf"


def test_the_member_does_not_see_queries_not_sent_yet(worked, client, bearer):
    s = worked
    urls = _urls(s)
    client.force_login(s.ncp)
    from_page = _book(client.get(urls["xlsx"]).content)
    client.logout()
    from_api = client.get(urls["api"], headers=bearer(s.ncp))
    assert from_api.status_code == 200 and from_api["Content-Type"] == XLSX
    for book in (from_page, _book(from_api.content)):
        assert [r["Query"] for r in _table(book["Matrix"], MATRIX_HEADER_ROW)] == [1, 2]
        assert not any("Draft: check the offices" in t for t in _texts(book))
        assert any(s.change in t for t in _texts(book))
    client.force_login(s.ncp)
    page = client.get(urls["page"]).content.decode()
    assert "Why is the share so low?" in page and "Draft: check the offices" not in page
    matrix = review_matrix(s.admin, s.review)
    assert [r.number for r in matrix.rows] == [1, 2, 3]  # the Secretariat sees what is being prepared


def test_a_reviewer_not_assigned_gets_404_everywhere(worked, make_user, client, bearer):
    s = worked
    outsider = accredited_reviewer(make_user, "FRA")
    urls = _urls(s)
    client.force_login(outsider)
    assert client.get(urls["page"]).status_code == 404
    assert client.get(urls["xlsx"]).status_code == 404
    client.logout()
    api = client.get(urls["api"], headers=bearer(outsider))
    assert api.status_code == 404 and api.json()["error"]["code"]
    assert client.get(urls["page"]).status_code == 302  # not signed in: to the sign-in page


def test_formula_text_is_neutralised_in_the_workbook(started):
    s = started
    query = query_raise(actor=s.lead, review=s.review, kpi=KPI, text="=1+2")
    _send(s)
    query.refresh_from_db()
    formula = '=HYPERLINK("http://evil.example","Click")'
    query_answer(actor=s.ncp, query=query, text=formula)
    book = _book(matrix_xlsx(review_matrix(s.ncp, s.fresh())))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert "'" + formula in [c.value for c in book["Thread"]["F"]]
    assert _table(book["Matrix"], MATRIX_HEADER_ROW)[0]["Question"] == "'=1+2"


def test_the_page_shows_the_matrix_and_is_accessible(worked, client, page_problems):
    s = worked
    client.force_login(s.second)
    response = client.get(_urls(s)["page"])
    assert response.status_code == 200
    html = response.content.decode()
    assert page_problems(html) == []
    assert "<caption>" in html and 'scope="row"' in html
    assert s.change.split(": ", 1)[1] in html and "proof.pdf" in html and "Corrected in round 1" in html
    assert _urls(s)["xlsx"] in html and "print command" in html
    assert "<script" not in html.split("<main", 1)[1] and "style=" not in html


def test_the_page_renders_in_french(worked, client, page_problems):
    s = worked
    client.force_login(s.admin)
    response = client.get(_urls(s)["page"], HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html and page_problems(html) == []
    assert "En cours d&#x27;évaluation" in html or "En cours d'évaluation" in html  # the review's status
    assert "ICP" in html and "Statut" in html
    workbook = client.get(_urls(s)["xlsx"], HTTP_ACCEPT_LANGUAGE="fr")
    facts = _book(workbook.content).worksheets[0]
    assert facts["A2"].value == "Membre"


def _measure(client, url) -> int:
    client.get(url)  # warm caches (framework spec, session)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_and_the_workbook_read_a_fixed_number_of_queries(started, client):
    s = started
    urls = _urls(s)
    first = query_raise(actor=s.lead, review=s.review, kpi=KPI, text="One")
    _send(s)
    first.refresh_from_db()
    query_answer(actor=s.ncp, query=first, text="Answer one")
    review_move(actor=s.ncp, review=s.review, action="hand_back")
    verdict_set(actor=s.lead, review=s.review, kpi=KPI, verdict="confirmed")
    client.force_login(s.lead)
    small = {kind: _measure(client, urls[kind]) for kind in ("page", "xlsx")}
    more = [query_raise(actor=s.second, review=s.review, kpi="D1.O1.K2", text=f"Q{i}") for i in range(4)]
    _send(s)
    for query in more:
        query.refresh_from_db()
        query_answer(actor=s.ncp, query=query, text="Answer")
    query_attach(actor=s.ncp, query=more[0], uploaded_file=_pdf("more.pdf"))
    verdict_set(actor=s.lead, review=s.review, kpi="D1.O1.K2", verdict="confirmed")
    assert len(review_queries(s.lead, s.fresh())) == 5
    large = {kind: _measure(client, urls[kind]) for kind in ("page", "xlsx")}
    assert large == small


def test_the_rows_are_built_without_the_database(worked):
    from pmm.cycles.selectors import cycle_spec

    s = worked
    threads = review_queries(s.ncp, s.review)
    verdicts = {v.kpi: v for v in s.review.verdicts.unrestricted().all()}
    spec = cycle_spec(s.assessment.cycle)
    with CaptureQueriesContext(connection) as captured:
        rows = matrix_rows(threads, verdicts, spec, 2024)
    assert len(captured) == 0
    assert [r.number for r in rows] == [1, 2]
    assert (
        rows[0].steps[1].changes[0].element == "DECL_ELECTRONIC" and rows[1].steps[2].evidence == "proof.pdf"
    )


def test_the_command_line_writes_the_matrix(worked, tmp_path):
    s = worked
    out = tmp_path / "matrix.xlsx"
    common = ["review", "matrix", "--cycle", str(s.assessment.cycle_id), "--member", "KEN", "--out", str(out)]
    result = CliRunner().invoke(app, [*common, "--as", s.ncp.username])
    assert result.exit_code == 0, result.output
    assert "2 queries" in result.output and str(out) in result.output
    rows = _table(_book(out.read_bytes())["Matrix"], MATRIX_HEADER_ROW)
    assert [r["Question"] for r in rows] == ["Why is the share so low?", "Is the system national?"]
    as_system = CliRunner().invoke(app, [*common])
    assert as_system.exit_code == 0 and "3 queries" in as_system.output
    unknown = CliRunner().invoke(app, [*common[:3], "999999", *common[4:]])
    assert unknown.exit_code == 1 and "Error" in unknown.output
